// Median wall-clock of one forward pass of a model.onnx over a [1, seq] input in onnxruntime-node
// (CPU provider), the figure MODEL_CARD.md quotes.
//   npm run build && npx tsc -p . && node out/bench/forward.js models/backplay-base/model.onnx [--seq 512] [--threads 2] [--runs 30]
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';

export async function medianForwardMs(modelPath: string, seq: number, threads: number, runs: number): Promise<number[]> {
  const session = await ort.InferenceSession.create(modelPath, {
    executionProviders: ['cpu'],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
  });
  const ids = new BigInt64Array(seq);
  for (let i = 0; i < seq; i++) ids[i] = BigInt(3 + ((i * 7919) % 4000)); // fixed, arbitrary ids
  const feeds = { input_ids: new ort.Tensor('int64', ids, [1, seq]) };
  for (let i = 0; i < 3; i++) await session.run(feeds); // warm-up: first runs allocate and plan
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    await session.run(feeds);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  await session.release();
  return times.sort((a, b) => a - b);
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { seq: { type: 'string', default: '512' }, threads: { type: 'string', default: '2' }, runs: { type: 'string', default: '30' } },
  });
  const modelPath = positionals[0];
  if (!modelPath) throw new Error('usage: node out/bench/forward.js MODEL.onnx [--seq 512] [--threads 2] [--runs 30]');
  const seq = Number(values.seq);
  const threads = Number(values.threads);
  const runs = Number(values.runs);
  const times = await medianForwardMs(modelPath, seq, threads, runs);
  const pick = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
  console.log(JSON.stringify({ model: modelPath, seq, threads, runs, ms_median: pick(0.5), ms_p10: pick(0.1), ms_p90: pick(0.9) }));
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
