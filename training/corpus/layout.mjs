// Where the corpus scripts read and write, and the helpers both of them use.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CORPUS_DIR = path.dirname(fileURLToPath(import.meta.url));
export const TRAINING_DIR = path.dirname(CORPUS_DIR);
export const DATA_DIR = path.join(TRAINING_DIR, 'data');
export const SCRATCH_DIR = path.join(DATA_DIR, 'npm'); // npm installs go here, never into the repo
export const OUT_DIR = path.join(DATA_DIR, 'corpus'); // OUT_DIR/{train,val}/<package>/<path>
export const MANIFEST = path.join(CORPUS_DIR, 'manifest.tsv');
export const MANIFEST_COLUMNS = ['package', 'version', 'license', 'split', 'path', 'bytes', 'sha256'];

const NPM_FLAGS = ['--ignore-scripts', '--save', '--no-audit', '--no-fund', '--legacy-peer-deps', '--omit=optional', '--loglevel=error'];

/** Installs specs (name or name@version) into the scratch folder; a failing batch is retried one by one. */
export function npmInstall(specs, scratch = SCRATCH_DIR, batchSize = 40) {
  fs.mkdirSync(scratch, { recursive: true });
  const pkgJson = path.join(scratch, 'package.json');
  if (!fs.existsSync(pkgJson)) {
    fs.writeFileSync(pkgJson, JSON.stringify({ name: 'backplay-corpus-scratch', private: true, license: 'UNLICENSED' }));
  }
  const run = (args) => spawnSync('npm', ['install', ...NPM_FLAGS, ...args], { cwd: scratch, stdio: ['ignore', 'ignore', 'pipe'] });
  const failed = [];
  for (let i = 0; i < specs.length; i += batchSize) {
    const batch = specs.slice(i, i + batchSize);
    console.error(`npm install: ${i + batch.length}/${specs.length}`);
    if (run(batch).status === 0) continue;
    for (const spec of batch) if (run([spec]).status !== 0) failed.push(spec);
  }
  if (failed.length) console.error(`npm install failed for: ${failed.join(' ')}`);
  return failed;
}

/** Top-level package folders of the scratch node_modules (scoped ones included). */
export function installedPackageDirs() {
  const root = path.join(SCRATCH_DIR, 'node_modules');
  const dirs = [];
  for (const name of fs.readdirSync(root).sort()) {
    if (name.startsWith('.')) continue;
    if (name.startsWith('@')) {
      for (const sub of fs.readdirSync(path.join(root, name)).sort()) dirs.push(path.join(root, name, sub));
    } else dirs.push(path.join(root, name));
  }
  return dirs.filter((d) => fs.existsSync(path.join(d, 'package.json')));
}

/** All files under dir as '/'-separated paths relative to it, skipping nested node_modules; sorted. */
export function listFiles(dir) {
  const out = [];
  const walk = (rel) => {
    for (const ent of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${ent.name}` : ent.name;
      if (ent.isDirectory()) { if (ent.name !== 'node_modules') walk(child); } else if (ent.isFile()) out.push(child);
    }
  };
  walk('');
  return out.sort();
}

export function readManifest() {
  const [header, ...rows] = fs.readFileSync(MANIFEST, 'utf8').trimEnd().split('\n');
  const cols = header.split('\t');
  return rows.map((row) => {
    const cells = row.split('\t');
    const entry = Object.fromEntries(cols.map((c, i) => [c, cells[i]]));
    entry.bytes = Number(entry.bytes);
    return entry;
  });
}

export function writeManifest(entries) {
  const lines = [MANIFEST_COLUMNS.join('\t'), ...entries.map((e) => MANIFEST_COLUMNS.map((c) => e[c]).join('\t'))];
  fs.writeFileSync(MANIFEST, `${lines.join('\n')}\n`);
}

/** Where a manifest entry's file lives in the corpus folder. */
export function corpusPath(entry, root = OUT_DIR) {
  return path.join(root, entry.split, entry.package, entry.path);
}

/** Writes the per-split file lists (one absolute path a line) that the tokenizer scripts read. */
export function writeFileLists(entries, root = OUT_DIR) {
  fs.mkdirSync(root, { recursive: true });
  for (const split of ['train', 'val']) {
    const list = entries.filter((e) => e.split === split).map((e) => corpusPath(e, root));
    fs.writeFileSync(path.join(root, `files-${split}.txt`), `${list.join('\n')}\n`);
  }
}

export function summarize(entries) {
  const by = (split) => entries.filter((e) => e.split === split);
  return Object.fromEntries(['train', 'val'].map((s) => [s, {
    packages: new Set(by(s).map((e) => e.package)).size,
    files: by(s).length,
    bytes: by(s).reduce((a, e) => a + e.bytes, 0),
  }]));
}
