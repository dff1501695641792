// Builds bench/tasks/heldout.jsonl: fill-in-the-middle completion tasks from the held-out (val)
// packages only, one JSON object a line: {prefix, suffix, middle, kind, file, line}.
//   line-rest  the rest of a line from a cursor inside it (after at least one non-space character)
//   line       one whole line, the cursor after its indentation (as an editor's auto-indent leaves it)
//   block      2-4 consecutive lines, the cursor after the first line's indentation
// prefix is cut to at most PREFIX_CHARS and suffix to at most SUFFIX_CHARS, at line boundaries
// (the engine windows further, in tokens). Needs the corpus: node training/corpus/build.mjs first.
// Usage: node bench/tasks/build.mjs [--count 630] [--seed 7]
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { corpusPath, readManifest } from '../../training/corpus/layout.mjs';
import { rng, shuffled } from '../../training/corpus/random.mjs';

const PREFIX_CHARS = 1500;
const SUFFIX_CHARS = 600;
const MAX_LINE_CHARS = 160; // longer lines are mostly data or strings, not typical completions
const LINES_PER_TASK = 20; // a file gives at most one task per this many lines (and at least one)
const MAX_TASKS_PER_FILE = 30;
// The val packages are fixed by the split (prismjs alone holds 61% of their bytes, mostly language
// grammars); this cap keeps the benchmark from being about one package.
const MAX_PACKAGE_SHARE = 0.2;
const KINDS = ['line-rest', 'line', 'block'];
const OUT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'heldout.jsonl');

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};

/** Blank or only brackets/punctuation: nothing a completion model should be scored on. */
export function isTrivial(middle) {
  return !/[A-Za-z0-9_$]/.test(middle) || middle.replace(/\s+/g, '').length < 3;
}

const indentOf = (line) => line.match(/^[ \t]*/)[0].length;

/** Cuts the prefix to its last `max` characters and the suffix to its first, at line boundaries. */
function windowed(prefix, suffix) {
  if (prefix.length > PREFIX_CHARS) {
    const cut = prefix.slice(-PREFIX_CHARS);
    const nl = cut.indexOf('\n');
    prefix = nl >= 0 ? cut.slice(nl + 1) : cut;
  }
  if (suffix.length > SUFFIX_CHARS) {
    const cut = suffix.slice(0, SUFFIX_CHARS);
    const nl = cut.lastIndexOf('\n');
    suffix = nl > 0 ? cut.slice(0, nl) : cut;
  }
  return { prefix, suffix };
}

/** One task of `kind` in `lines` starting at line index i, or null when that spot does not fit. */
function taskAt(lines, i, kind, random) {
  const line = lines[i];
  if (line.length > MAX_LINE_CHARS || isTrivial(line)) return null;
  const before = lines.slice(0, i).join('\n') + (i > 0 ? '\n' : '');
  const indent = indentOf(line);
  let cursor; // column in lines[i]
  let lastLine = i;
  if (kind === 'line-rest') {
    const content = line.length - indent;
    if (content < 8) return null;
    cursor = indent + 1 + Math.floor(random() * (content - 2)); // at least one char before and two after
  } else {
    cursor = indent;
    if (kind === 'block') {
      lastLine = i + 1 + Math.floor(random() * 3); // 2-4 lines
      if (lastLine >= lines.length) return null;
      const block = lines.slice(i, lastLine + 1);
      if (block.some((l) => l.length > MAX_LINE_CHARS) || !lines[lastLine].trim()) return null;
    }
  }
  const middle = [line.slice(cursor), ...lines.slice(i + 1, lastLine + 1)].join('\n');
  if (isTrivial(middle) || !middle.trim()) return null;
  const after = lastLine + 1 < lines.length ? `\n${lines.slice(lastLine + 1).join('\n')}` : '';
  return { ...windowed(before + line.slice(0, cursor), after), middle, kind, line: i + 1 };
}

function build(count, seed) {
  const random = rng(seed);
  const files = readManifest().filter((e) => e.split === 'val');
  const texts = new Map(files.map((e) => [e, fs.readFileSync(corpusPath(e), 'utf8').replace(/\r\n?/g, '\n')]));
  const tasks = [];
  const used = new Map(); // file -> set of line indexes already used (tasks never overlap)
  const perPackage = new Map();
  const packageCap = Math.ceil(count * MAX_PACKAGE_SHARE);
  let kindIndex = 0;
  // Round-robin over a seeded shuffle of the files, pass after pass, so tasks spread across files.
  for (let pass = 0; pass < MAX_TASKS_PER_FILE && tasks.length < count; pass++) {
    for (const entry of shuffled(files, random)) {
      if (tasks.length >= count) break;
      const lines = texts.get(entry).split('\n');
      const taken = used.get(entry) ?? new Set();
      const fileCap = Math.min(MAX_TASKS_PER_FILE, Math.max(1, Math.floor(lines.length / LINES_PER_TASK)));
      if (pass >= fileCap || (perPackage.get(entry.package) ?? 0) >= packageCap) continue;
      const kind = KINDS[kindIndex % KINDS.length];
      // try a handful of random spots in this file for this kind
      for (let attempt = 0; attempt < 12; attempt++) {
        const i = Math.floor(random() * lines.length);
        const task = taskAt(lines, i, kind, random);
        if (!task) continue;
        const span = Array.from({ length: task.middle.split('\n').length + 2 }, (_, k) => i - 1 + k);
        if (span.some((k) => taken.has(k))) continue;
        span.forEach((k) => taken.add(k));
        used.set(entry, taken);
        perPackage.set(entry.package, (perPackage.get(entry.package) ?? 0) + 1);
        tasks.push({ prefix: task.prefix, suffix: task.suffix, middle: task.middle, kind, file: `${entry.package}/${entry.path}`, line: task.line });
        kindIndex += 1;
        break;
      }
    }
  }
  return tasks;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const tasks = build(arg('--count', 630), arg('--seed', 7));
  fs.writeFileSync(OUT, tasks.map((t) => JSON.stringify(t)).join('\n') + '\n');
  const byKind = Object.fromEntries(KINDS.map((k) => [k, tasks.filter((t) => t.kind === k).length]));
  console.log(JSON.stringify({ tasks: tasks.length, byKind, files: new Set(tasks.map((t) => t.file)).size, packages: new Set(tasks.map((t) => t.file.split('/').slice(0, t.file.startsWith('@') ? 2 : 1).join('/'))).size, out: OUT }));
}
