// Median wall-clock of a repeated call, after a few warm-up calls (allocation, planning, JIT).

function median(times: number[]): number {
  const s = times.slice().sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export async function medianMs(runs: number, fn: () => Promise<unknown> | unknown, warmUp = 2): Promise<number> {
  for (let i = 0; i < warmUp; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return median(times);
}
