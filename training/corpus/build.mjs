// Rebuilds training/data/corpus/ exactly from the committed manifest.tsv: installs every listed
// package at its listed version into training/data/npm (npm, --ignore-scripts), copies the listed
// files and checks each one's sha256. Files that are missing or differ are reported and left out.
// Usage: node training/corpus/build.mjs [--no-install] [--scratch DIR] [--out DIR]
//   (defaults: training/data/npm and training/data/corpus; other folders verify a clean rebuild
//    without touching the corpus others are reading)
import fs from 'node:fs';
import path from 'node:path';
import { sha256 } from './dedup.mjs';
import { OUT_DIR, SCRATCH_DIR, corpusPath, npmInstall, readManifest, summarize, writeFileLists } from './layout.mjs';

const option = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? path.resolve(process.argv[i + 1]) : fallback;
};
const scratch = option('--scratch', SCRATCH_DIR);
const outDir = option('--out', OUT_DIR);

const entries = readManifest();
if (!process.argv.includes('--no-install')) {
  const specs = [...new Set(entries.map((e) => `${e.package}@${e.version}`))].sort();
  npmInstall(specs, scratch);
}

fs.rmSync(outDir, { recursive: true, force: true });
const kept = [];
const problems = { missing: [], changed: [], wrongVersion: new Set() };
for (const e of entries) {
  const pkgDir = path.join(scratch, 'node_modules', e.package);
  const version = fs.existsSync(path.join(pkgDir, 'package.json')) ? JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')).version : null;
  if (version !== e.version) problems.wrongVersion.add(`${e.package}@${e.version} (installed: ${version})`);
  const src = path.join(pkgDir, e.path);
  if (!fs.existsSync(src)) { problems.missing.push(`${e.package}/${e.path}`); continue; }
  const text = fs.readFileSync(src, 'utf8');
  if (sha256(text) !== e.sha256) { problems.changed.push(`${e.package}/${e.path}`); continue; }
  const dest = corpusPath(e, outDir);
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  fs.writeFileSync(dest, text);
  kept.push(e);
}
writeFileLists(kept, outDir);
const report = {
  manifestFiles: entries.length, ...summarize(kept),
  missing: problems.missing.length, changed: problems.changed.length, wrongVersion: [...problems.wrongVersion].slice(0, 20),
};
console.log(JSON.stringify(report, null, 1));
if (kept.length < entries.length) process.exitCode = 1;
