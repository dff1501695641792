// The Pareto picture of the sweep as a dependency-free SVG: exact match (y) against median
// wall-clock ms per completion (x, log scale), one line per sampler, points labelled by k.

export interface ParetoPoint {
  sampler: string;
  label: string;
  ms: number;
  quality: number;
}

const COLORS: Record<string, string> = {
  confidence: '#1f77b4',
  threshold: '#ff7f0e',
  'random-remask': '#7f7f7f',
  'self-remask': '#9467bd',
  backplay: '#d62728',
};

export function paretoSvg(points: ParetoPoint[], yLabel: string): string {
  const W = 720;
  const H = 440;
  const m = { left: 64, right: 150, top: 24, bottom: 52 };
  const usable = points.filter((p) => Number.isFinite(p.ms) && p.ms > 0 && Number.isFinite(p.quality));
  const xs = usable.map((p) => Math.log10(p.ms));
  const x0 = Math.floor((Math.min(...xs, 1) - 0.05) * 10) / 10;
  const x1 = Math.ceil((Math.max(...xs, 1) + 0.05) * 10) / 10;
  const yMax = Math.max(0.05, ...usable.map((p) => p.quality)) * 1.1;
  const px = (ms: number) => m.left + ((Math.log10(ms) - x0) / (x1 - x0)) * (W - m.left - m.right);
  const py = (q: number) => H - m.bottom - (q / yMax) * (H - m.top - m.bottom);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<line x1="${m.left}" y1="${H - m.bottom}" x2="${W - m.right}" y2="${H - m.bottom}" stroke="black"/>`,
    `<line x1="${m.left}" y1="${m.top}" x2="${m.left}" y2="${H - m.bottom}" stroke="black"/>`,
  ];
  for (let e = Math.ceil(x0); e <= Math.floor(x1); e++) {
    for (const f of [1, 2, 5]) {
      const ms = f * 10 ** e;
      if (Math.log10(ms) < x0 || Math.log10(ms) > x1) continue;
      out.push(`<line x1="${px(ms)}" y1="${m.top}" x2="${px(ms)}" y2="${H - m.bottom}" stroke="#eee"/>`);
      out.push(`<text x="${px(ms)}" y="${H - m.bottom + 16}" text-anchor="middle">${ms}</text>`);
    }
  }
  for (let i = 0; i <= 5; i++) {
    const q = (yMax * i) / 5;
    out.push(`<line x1="${m.left}" y1="${py(q)}" x2="${W - m.right}" y2="${py(q)}" stroke="#eee"/>`);
    out.push(`<text x="${m.left - 6}" y="${py(q) + 4}" text-anchor="end">${q.toFixed(2)}</text>`);
  }
  out.push(`<text x="${(m.left + W - m.right) / 2}" y="${H - 12}" text-anchor="middle">median ms per completion (log scale)</text>`);
  out.push(`<text transform="translate(16 ${(m.top + H - m.bottom) / 2}) rotate(-90)" text-anchor="middle">${yLabel}</text>`);
  const samplers = [...new Set(usable.map((p) => p.sampler))];
  samplers.forEach((sampler, i) => {
    const color = COLORS[sampler] ?? '#000';
    const line = usable.filter((p) => p.sampler === sampler).sort((a, b) => a.ms - b.ms);
    out.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${line.map((p) => `${px(p.ms).toFixed(1)},${py(p.quality).toFixed(1)}`).join(' ')}"/>`);
    for (const p of line) {
      out.push(`<circle cx="${px(p.ms).toFixed(1)}" cy="${py(p.quality).toFixed(1)}" r="3.5" fill="${color}"/>`);
      out.push(`<text x="${(px(p.ms) + 5).toFixed(1)}" y="${(py(p.quality) - 5).toFixed(1)}" fill="${color}" font-size="10">${p.label}</text>`);
    }
    const ly = m.top + 10 + i * 18;
    out.push(`<line x1="${W - m.right + 12}" y1="${ly}" x2="${W - m.right + 32}" y2="${ly}" stroke="${color}" stroke-width="2"/>`);
    out.push(`<text x="${W - m.right + 38}" y="${ly + 4}">${sampler}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
