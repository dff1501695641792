// Exact and near-duplicate detection for source files.
// Near duplicates: MinHash over 5-token shingles with LSH banding (8 bands x 8 rows, candidate pairs
// verified at estimated Jaccard >= 0.8). Hand-written (about forty lines) because it must be
// deterministic across runs and machines, and the npm MinHash packages are unmaintained or pull in
// big dependencies; the algorithm is the standard one (Broder 1997; Leskovec et al., MMDS ch. 3).
import { createHash } from 'node:crypto';

const NUM_HASHES = 64;
const BANDS = 8;
const ROWS = NUM_HASHES / BANDS;
const SHINGLE = 5;
export const NEAR_DUP_JACCARD = 0.8;

export function sha256(text) {
  return createHash('sha256').update(text).digest('hex');
}

/** Hash of the text with all whitespace removed: catches re-indented and re-wrapped copies. */
export function normalizedHash(text) {
  return sha256(text.replace(/\s+/g, ''));
}

function fnv1a(str) {
  let h = 0x811c9dc5;
  for (let i = 0; i < str.length; i++) h = Math.imul(h ^ str.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

// murmur3's finalizer: a cheap, well-mixed 32-bit permutation; seed i gives the i-th hash function.
function mix(h, seed) {
  h = (h ^ seed) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
const SEEDS = Array.from({ length: NUM_HASHES }, (_, i) => fnv1a(`backplay-minhash-${i}`));

/** MinHash signature (Uint32Array of NUM_HASHES) over word/punctuation token shingles. */
export function minhash(text) {
  const tokens = text.match(/[A-Za-z_$][\w$]*|\d+|[^\s\w]/g) ?? [];
  const sig = new Uint32Array(NUM_HASHES).fill(0xffffffff);
  for (let i = 0; i + SHINGLE <= Math.max(tokens.length, SHINGLE); i++) {
    const sh = fnv1a(tokens.slice(i, i + SHINGLE).join('\u0001'));
    for (let k = 0; k < NUM_HASHES; k++) {
      const v = mix(sh, SEEDS[k]);
      if (v < sig[k]) sig[k] = v;
    }
  }
  return sig;
}

export function estimatedJaccard(a, b) {
  let same = 0;
  for (let k = 0; k < NUM_HASHES; k++) if (a[k] === b[k]) same++;
  return same / NUM_HASHES;
}

/**
 * Streams documents in priority order; `add(text)` returns '' when the document is new, else the
 * kind of duplicate ('exact' | 'normalized' | 'near') of an earlier accepted one.
 */
export function createDeduper() {
  const exact = new Set();
  const normalized = new Set();
  const buckets = new Map(); // band key -> signatures of accepted documents
  return {
    add(text) {
      const h = sha256(text);
      if (exact.has(h)) return 'exact';
      const n = normalizedHash(text);
      if (normalized.has(n)) return 'normalized';
      const sig = minhash(text);
      const keys = [];
      for (let b = 0; b < BANDS; b++) {
        const key = `${b}:${Array.from(sig.subarray(b * ROWS, (b + 1) * ROWS)).join(',')}`;
        for (const other of buckets.get(key) ?? []) {
          if (estimatedJaccard(sig, other) >= NEAR_DUP_JACCARD) return 'near';
        }
        keys.push(key);
      }
      exact.add(h);
      normalized.add(n);
      for (const key of keys) {
        const list = buckets.get(key);
        if (list) list.push(sig); else buckets.set(key, [sig]);
      }
      return '';
    },
  };
}
