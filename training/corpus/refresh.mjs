// Chooses the corpus afresh: installs the packages of packages.txt (latest versions) into
// training/data/npm, keeps permissively licensed, human-written source files, removes exact and
// near duplicates, splits by package (about 3% of packages held out as val), copies the files to
// training/data/corpus/ and rewrites the committed manifest.tsv.
// Usage: node training/corpus/refresh.mjs [--no-install]
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { isCandidatePath, isPermissive, licenseOf, preferAuthoredFiles, rejectReason } from './filters.mjs';
import { createDeduper, sha256 } from './dedup.mjs';
import {
  CORPUS_DIR, OUT_DIR, SCRATCH_DIR, corpusPath, installedPackageDirs, listFiles, npmInstall, summarize, writeFileLists, writeManifest,
} from './layout.mjs';

const VAL_FRACTION = 0.03;
const MAX_BYTES_PER_PACKAGE = 3_000_000; // so that a few huge packages do not dominate the corpus

if (!process.argv.includes('--no-install')) {
  const names = fs.readFileSync(path.join(CORPUS_DIR, 'packages.txt'), 'utf8').split('\n').map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  npmInstall(names);
}

// 1. Candidate files per package.
const stats = { packages: 0, nonPermissive: [], reasons: {} };
const packages = [];
for (const dir of installedPackageDirs()) {
  const meta = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  if (!meta.name || !meta.version) continue;
  // npm aliases (e.g. string-width-cjs = npm:string-width@4) are other versions of a package we
  // already have; the manifest keys files by the real name, so they are left out.
  if (path.relative(path.join(SCRATCH_DIR, 'node_modules'), dir).split(path.sep).join('/') !== meta.name) continue;
  stats.packages += 1;
  const license = licenseOf(meta);
  if (!isPermissive(license)) { stats.nonPermissive.push(`${meta.name}(${license || 'none'})`); continue; }
  const files = [];
  let bytes = 0;
  for (const rel of preferAuthoredFiles(listFiles(dir).filter(isCandidatePath))) {
    const text = fs.readFileSync(path.join(dir, rel), 'utf8');
    const reason = rejectReason(text);
    if (reason) { stats.reasons[reason] = (stats.reasons[reason] ?? 0) + 1; continue; }
    const size = Buffer.byteLength(text);
    if (bytes + size > MAX_BYTES_PER_PACKAGE) { stats.reasons['package-cap'] = (stats.reasons['package-cap'] ?? 0) + 1; continue; }
    bytes += size;
    files.push({ rel, text, size });
  }
  if (files.length) packages.push({ name: meta.name, version: meta.version, license: license.replace(/\s+/g, ' '), dir, files });
}

// 2. Held-out packages: a seeded hash order, so the choice is stable and not biased by name.
const rank = (name) => createHash('sha256').update(`backplay-val:${name}`).digest('hex');
const valCount = Math.max(1, Math.round(packages.length * VAL_FRACTION));
const valNames = new Set([...packages].sort((a, b) => (rank(a.name) < rank(b.name) ? -1 : 1)).slice(0, valCount).map((p) => p.name));

// 3. Dedup with train packages first, so a val file that copies a train file is the one dropped.
const ordered = [...packages].sort((a, b) => Number(valNames.has(a.name)) - Number(valNames.has(b.name)) || (a.name < b.name ? -1 : 1));
const deduper = createDeduper();
const entries = [];
for (const pkg of ordered) {
  const split = valNames.has(pkg.name) ? 'val' : 'train';
  for (const f of pkg.files) {
    const dup = deduper.add(f.text);
    if (dup) { stats.reasons[`dup-${dup}`] = (stats.reasons[`dup-${dup}`] ?? 0) + 1; continue; }
    entries.push({ package: pkg.name, version: pkg.version, license: pkg.license, split, path: f.rel, bytes: f.size, sha256: sha256(f.text), text: f.text });
  }
}

// 4. Write the corpus folder and the manifest.
fs.rmSync(OUT_DIR, { recursive: true, force: true });
for (const e of entries) {
  const dest = corpusPath(e);
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  fs.writeFileSync(dest, e.text);
}
entries.sort((a, b) => (a.package < b.package ? -1 : a.package > b.package ? 1 : a.path < b.path ? -1 : 1));
writeManifest(entries);
writeFileLists(entries);
console.log(JSON.stringify({
  installedPackages: stats.packages,
  nonPermissive: stats.nonPermissive.length,
  nonPermissiveList: stats.nonPermissive,
  dropped: stats.reasons,
  valPackages: [...valNames].sort(),
  ...summarize(entries),
}, null, 1));
