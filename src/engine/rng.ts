// A seeded pseudo-random generator (mulberry32). Hand-written because it is six lines and the
// samplers only need reproducible floats; no dependency is worth pulling in for that.

export type Rng = () => number;

/** Uniform floats in [0, 1), the same sequence for the same seed. */
export function seededRng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
