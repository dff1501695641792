// Packs everything the GPU run needs into one ignored folder that the device tool carries
// (`carry: ["device_pack"]`): the token files compressed with xz (Python reads them with the stdlib's
// lzma), meta.json, the tokenizer, and the held-out tasks PRE-TOKENIZED here, because Python on this
// machine has no `tokenizers` package (the GPU machine has one, but one encoder for both sides keeps
// the ids identical to what the engine would build).
//
//   node training/device/pack.mjs [--tokens training/data/tokens] [--tasks bench/tasks/heldout.jsonl]
//        [--tokenizer training/tokenizer/tokenizer.json] [--out device_pack] [--max-mib 50]
//        [--xz-level 6] [--no-tasks]
//
// Prints one JSON line last: the files and their sizes. Fails when the pack exceeds --max-mib.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import zlib from 'node:zlib';
import tokenizers from 'tokenizers';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
// The engine keeps at most max_seq_len tokens of context; 512 on each side covers any window of it
// (src/engine/decode/window.ts) and keeps the task file small.
const CONTEXT_IDS = 512;

const { values: args } = parseArgs({
  options: {
    tokens: { type: 'string', default: path.join(ROOT, 'training/data/tokens') },
    tasks: { type: 'string', default: path.join(ROOT, 'bench/tasks/heldout.jsonl') },
    tokenizer: { type: 'string', default: path.join(ROOT, 'training/tokenizer/tokenizer.json') },
    out: { type: 'string', default: path.join(ROOT, 'device_pack') },
    'max-mib': { type: 'string', default: '50' },
    'xz-level': { type: 'string', default: '6' },
    'no-tasks': { type: 'boolean', default: false },
  },
});

/** xz when the system has it (about 24% of the raw uint16 ids), else gzip from Node's zlib. */
function compress(src, dstBase, level) {
  const probe = spawnSync('xz', ['--version'], { stdio: 'ignore' });
  if (probe.status === 0) {
    const dst = `${dstBase}.xz`;
    const fd = fs.openSync(dst, 'w');
    // -T1: the CPUs here are shared; one thread keeps the stream single-block and deterministic.
    const r = spawnSync('xz', [`-${level}`, '-T1', '-c', src], { stdio: ['ignore', fd, 'pipe'] });
    fs.closeSync(fd);
    if (r.status !== 0) throw new Error(`xz failed on ${src}: ${r.stderr}`);
    return dst;
  }
  const dst = `${dstBase}.gz`;
  fs.writeFileSync(dst, zlib.gzipSync(fs.readFileSync(src), { level: 9 }));
  return dst;
}

/** Like the engine's encodeTail/encodeHead: encode a bounded slice, drop the token cut at the edge. */
async function ids(tok, text) {
  return (await tok.encode(text)).getIds();
}

async function encodeTail(tok, text, keep) {
  const chars = keep * 8;
  if (chars >= text.length) return (await ids(tok, text)).slice(-keep);
  return (await ids(tok, text.slice(text.length - chars))).slice(1).slice(-keep);
}

async function encodeHead(tok, text, keep) {
  const chars = keep * 8;
  if (chars >= text.length) return (await ids(tok, text)).slice(0, keep);
  return (await ids(tok, text.slice(0, chars))).slice(0, -1).slice(0, keep);
}

function sha256(file) {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

async function packTasks(tasksFile, tokenizerFile, outFile) {
  const tok = tokenizers.Tokenizer.fromFile(tokenizerFile);
  const lines = fs.readFileSync(tasksFile, 'utf8').split('\n').filter((l) => l.trim());
  const out = [];
  for (const line of lines) {
    const task = JSON.parse(line);
    out.push(JSON.stringify({
      prefix_ids: await encodeTail(tok, task.prefix, CONTEXT_IDS),
      suffix_ids: await encodeHead(tok, task.suffix, CONTEXT_IDS),
      middle: task.middle,
      kind: task.kind ?? '',
    }));
  }
  fs.writeFileSync(outFile, `${out.join('\n')}\n`);
  return out.length;
}

const out = path.resolve(args.out);
fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(out, { recursive: true });
const manifest = { created: new Date().toISOString(), files: {} };
for (const split of ['train', 'val']) {
  const file = compress(path.join(args.tokens, `${split}.bin`), path.join(out, `${split}.bin`), args['xz-level']);
  manifest.files[path.basename(file)] = { raw_bytes: fs.statSync(path.join(args.tokens, `${split}.bin`)).size };
}
fs.copyFileSync(path.join(args.tokens, 'meta.json'), path.join(out, 'meta.json'));
fs.copyFileSync(args.tokenizer, path.join(out, 'tokenizer.json'));
if (args['no-tasks']) {
  manifest.tasks = 0;
} else {
  if (!fs.existsSync(args.tasks)) throw new Error(`no held-out tasks at ${args.tasks} (pass --tasks FILE, or --no-tasks to skip the eval)`);
  manifest.tasks = await packTasks(args.tasks, args.tokenizer, path.join(out, 'tasks.ids.jsonl'));
}
let total = 0;
for (const name of fs.readdirSync(out)) {
  const bytes = fs.statSync(path.join(out, name)).size;
  total += bytes;
  manifest.files[name] = { ...manifest.files[name], bytes, sha256: sha256(path.join(out, name)) };
}
fs.writeFileSync(path.join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 1)}\n`);
const maxBytes = Number(args['max-mib']) * 1024 * 1024;
const summary = { out, total_bytes: total, total_mib: +(total / 1024 / 1024).toFixed(2), tasks: manifest.tasks, files: manifest.files };
console.log(JSON.stringify(summary));
if (total > maxBytes) {
  console.error(`pack is ${summary.total_mib} MiB, over the ${args['max-mib']} MiB limit`);
  process.exit(1);
}
