// Files of the training corpus (training/corpus/build.mjs puts them under training/data/corpus/,
// split by package into train/ and val/), drawn reproducibly for the head benches.
import * as fs from 'fs';
import * as path from 'path';
import { makeRng, shuffle } from '../src/engine/head/random';

export const REPO = path.resolve(__dirname, '..', '..');
export const CORPUS = path.join(REPO, 'training', 'data', 'corpus');

/** Every file under a folder (sorted, so a seed picks the same ones on every machine). */
function walk(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(full));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

/** `count` files of a corpus split folder, drawn with the seed, read as text. */
export function sampleFiles(dir: string, count: number, seed: number): { path: string; text: string }[] {
  return shuffle(walk(dir), makeRng(seed))
    .slice(0, count)
    .map((p) => ({ path: p, text: fs.readFileSync(p, 'utf8') }));
}
