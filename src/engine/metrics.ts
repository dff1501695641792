// Quality and latency numbers of the eval (DESIGN.md, CLI contract).
import { distance } from 'fastest-levenshtein';

/** Trailing whitespace of each line does not count (editors strip it; the model may not write it). */
export function trimLineEnds(text: string): string {
  return text
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n');
}

export function exactMatch(expected: string, actual: string): boolean {
  return trimLineEnds(expected) === trimLineEnds(actual);
}

/** 1 - Levenshtein / max(length), in [0, 1]; two empty strings are identical (1). */
export function editSimilarity(expected: string, actual: string): number {
  const longest = Math.max(expected.length, actual.length);
  if (longest === 0) return 1;
  return 1 - distance(expected, actual) / longest;
}

/** Percentile by linear interpolation between closest ranks (numpy's default); NaN for no values. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
}

export function mean(values: number[]): number {
  return values.length === 0 ? NaN : values.reduce((a, b) => a + b, 0) / values.length;
}

/**
 * Mean of the per-task differences a[i] - b[i] of two samplers on the same tasks, with a 95%
 * interval by the normal approximation (n in the hundreds here). Pairing removes the tasks' own
 * spread, which is what makes differences of a few thousandths of edit similarity decidable.
 */
export function pairedDifference(a: number[], b: number[]): { mean: number; low: number; high: number } {
  if (a.length !== b.length) throw new Error(`paired samples differ in length: ${a.length} vs ${b.length}`);
  const d = a.map((x, i) => x - b[i]);
  const m = mean(d);
  const variance = d.length > 1 ? d.reduce((s, x) => s + (x - m) ** 2, 0) / (d.length - 1) : NaN;
  const half = 1.96 * Math.sqrt(variance / d.length);
  return { mean: m, low: m - half, high: m + half };
}
