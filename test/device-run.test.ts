import * as assert from 'assert';
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ort from 'onnxruntime-node';
import { Tokenizer } from '@huggingface/tokenizers';
import { pythonForTraining } from './fixtures/tinyModel';

const REPO = path.resolve(__dirname, '..', '..');
const MIB = 1024 * 1024;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}, timeout = 150_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: REPO, env: { ...process.env, ...env }, timeout, maxBuffer: 32 * MIB }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** A fake corpus in the trainer's format: uint16 LE ids, documents ended by id 0. */
function writeFakeTokens(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  let seed = 7;
  const next = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  for (const [split, n] of [['train', 60_000], ['val', 10_000]] as const) {
    const ids = new Uint16Array(n);
    for (let i = 0; i < n; i++) ids[i] = next() < 0.01 ? 0 : 3 + Math.floor(next() * 4093);
    fs.writeFileSync(path.join(dir, `${split}.bin`), Buffer.from(ids.buffer));
  }
  const meta = { vocab_size: 4096, eot_id: 0, mask_id: 1, eom_id: 2, train_tokens: 60_000, val_tokens: 10_000 };
  fs.writeFileSync(path.join(dir, 'meta.json'), JSON.stringify(meta));
}

const TASKS = [
  { prefix: 'function add(a, b) {\n  return ', suffix: ';\n}\n', middle: 'a + b', kind: 'rest_of_line' },
  { prefix: 'const xs = [1, 2, 3];\n', suffix: '\nconsole.log(ys);\n', middle: 'const ys = xs.map((v) => v * 2);', kind: 'line' },
  { prefix: 'if (ready) { // é ✓ ok\n', suffix: '\n}\n', middle: '  start();\n  report("é ✓");', kind: 'block' },
];

// The prepared GPU run (training/device/): pack a corpus, run the very same script as on the GPU in
// its CPU dry run, check what would come back through the device tool, and unpack it to a model.
describe('GPU run: pack, dry run, unpack', function () {
  this.timeout(300_000);
  const python = pythonForTraining();
  let tmp: string;
  let pack: string;
  let outDir: string;
  let dryRun: Run;

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'backplay-device-test-'));
    writeFakeTokens(path.join(tmp, 'tokens'));
    fs.writeFileSync(path.join(tmp, 'tasks.jsonl'), TASKS.map((t) => JSON.stringify(t)).join('\n') + '\n');
    pack = path.join(tmp, 'pack');
    outDir = path.join(tmp, 'out');
    const packed = await run('node', ['training/device/pack.mjs', '--tokens', path.join(tmp, 'tokens'), '--tasks', path.join(tmp, 'tasks.jsonl'), '--out', pack]);
    assert.strictEqual(packed.code, 0, packed.stderr);
    dryRun = await run('bash', ['training/device/run.sh', '--dry-run'], { PYTHON: python, PACK: pack, OUT: outDir });
  });

  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('packs compressed tokens, meta, tokenizer and pre-tokenized tasks under 50 MiB', () => {
    for (const f of ['meta.json', 'tokenizer.json', 'tasks.ids.jsonl', 'manifest.json']) assert.ok(fs.existsSync(path.join(pack, f)), f);
    for (const split of ['train', 'val']) {
      // xz where the system has it, else gzip (pack.mjs falls back; Python reads both with its stdlib)
      assert.ok(['.xz', '.gz'].some((ext) => fs.existsSync(path.join(pack, `${split}.bin${ext}`))), split);
    }
    const total = fs.readdirSync(pack).reduce((s, f) => s + fs.statSync(path.join(pack, f)).size, 0);
    assert.ok(total <= 50 * MIB, `pack is ${total} bytes`);
    const tasks = fs.readFileSync(path.join(pack, 'tasks.ids.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.strictEqual(tasks.length, TASKS.length);
    assert.ok(tasks.every((t) => t.prefix_ids.length > 0 && Array.isArray(t.suffix_ids) && typeof t.middle === 'string'));
  });

  it("decodes the packed ids back to the tasks' text in Python without a tokenizer package", async () => {
    const code = [
      'import json, sys',
      "sys.path.insert(0, 'training')",
      'from evaluate import ByteLevelDecoder',
      `d = ByteLevelDecoder(${JSON.stringify(path.join(pack, 'tokenizer.json'))})`,
      `rows = [json.loads(l) for l in open(${JSON.stringify(path.join(pack, 'tasks.ids.jsonl'))})]`,
      "print(json.dumps([[d.decode(r['prefix_ids']), d.decode(r['suffix_ids'])] for r in rows]))",
    ].join('\n');
    const r = await run(python, ['-c', code]);
    assert.strictEqual(r.code, 0, r.stderr);
    assert.deepStrictEqual(JSON.parse(r.stdout), TASKS.map((t) => [t.prefix, t.suffix]));
  });

  it("scores an oracle model's completions as exact at every k, and a model one token short as not", async () => {
    // The oracle's logits put the true canvas (middle, then <|eom|> pads) on top, slightly less sure
    // further right, so k = 1 commits left to right: len(middle) + 1 steps (the <|eom|> closes the span).
    const json = JSON.parse(fs.readFileSync(path.join(REPO, 'training/tokenizer/tokenizer.json'), 'utf8'));
    const tok = new Tokenizer(json, {});
    const tasks = TASKS.map((t) => ({
      prefix_ids: tok.encode(t.prefix, { add_special_tokens: false }).ids,
      suffix_ids: tok.encode(t.suffix, { add_special_tokens: false }).ids,
      middle_ids: tok.encode(t.middle, { add_special_tokens: false }).ids,
      middle: t.middle,
      kind: t.kind,
    }));
    const code = [
      'import json, sys, torch',
      "sys.path.insert(0, 'training')",
      'import evaluate as E',
      'tasks = json.loads(sys.stdin.read())',
      "meta = {'mask_id': 1, 'eom_id': 2, 'eot_id': 0}",
      'class Oracle:',
      '    class cfg: max_seq_len = 512',
      '    def __init__(self, drop): self.drop = drop',
      '    def __call__(self, canvas, causal=False):',
      '        t = next(t for t in tasks if len(t["prefix_ids"]) + E.slots_for(t) + len(t["suffix_ids"]) == canvas.shape[1])',
      '        mid = t["middle_ids"][:len(t["middle_ids"]) - self.drop]',
      '        n = E.slots_for(t)',
      '        target = t["prefix_ids"] + mid + [2] * (n - len(mid)) + t["suffix_ids"]',
      '        logits = torch.zeros(1, len(target), 4096)',
      '        for i, v in enumerate(target): logits[0, i, v] = 10.0 - 0.01 * i',
      '        return logits, None',
      "d = E.ByteLevelDecoder('training/tokenizer/tokenizer.json', (0, 1, 2))",
      "out = [E.evaluate(Oracle(drop), meta, tasks, d, (1, 2, 4, 8), 'cpu') for drop in (0, 1)]",
      'print(json.dumps(out))',
    ].join('\n');
    const r = await new Promise<Run>((resolve) => {
      const child = execFile(python, ['-c', code], { cwd: REPO, maxBuffer: 8 * MIB }, (err, stdout, stderr) =>
        resolve({ code: err ? 1 : 0, stdout, stderr }),
      );
      child.stdin!.end(JSON.stringify(tasks));
    });
    assert.strictEqual(r.code, 0, r.stderr);
    const [exact, short] = JSON.parse(r.stdout);
    for (const k of ['1', '2', '4', '8']) {
      assert.strictEqual(exact.by_k[k].exact_match, 1, `oracle at k=${k}`);
      assert.strictEqual(exact.by_k[k].edit_similarity, 1, `oracle at k=${k}`);
      assert.strictEqual(short.by_k[k].exact_match, 0, `one token short at k=${k}`);
      assert.ok(short.by_k[k].edit_similarity < 1 && short.by_k[k].edit_similarity > 0.3, `one token short at k=${k}`);
    }
    const meanSteps = tasks.reduce((s, t) => s + t.middle_ids.length + 1, 0) / tasks.length;
    assert.ok(Math.abs(exact.by_k['1'].steps_mean - meanSteps) < 1e-9, `k=1 steps ${exact.by_k['1'].steps_mean} vs ${meanSteps}`);
    assert.ok(exact.by_k['8'].steps_mean < exact.by_k['1'].steps_mean);
  });

  it('dry-runs the GPU script on the CPU and prints the eval table last', () => {
    assert.strictEqual(dryRun.code, 0, dryRun.stdout.slice(-3000) + dryRun.stderr.slice(-3000));
    const lines = dryRun.stdout.trim().split('\n');
    assert.match(lines[lines.length - 6], /^\| k \| tasks \| exact match \| edit similarity \| steps \|$/);
    assert.deepStrictEqual(lines.slice(-4).map((l) => l.split('|')[1].trim()), ['1', '2', '4', '8']);
    assert.match(lines[lines.length - 1], /^\| 8 \| 3 \| \d\.\d{3} \| \d\.\d{3} \| \d+\.\d \|$/);
  });

  it('leaves at most 8 files of at most 16 MiB in $OUT, weights among them', () => {
    const files = fs.readdirSync(outDir);
    assert.ok(files.length <= 8, files.join(', '));
    for (const f of files) {
      assert.ok(fs.statSync(path.join(outDir, f)).isFile(), f);
      assert.ok(fs.statSync(path.join(outDir, f)).size <= 16 * MIB, f);
    }
    for (const f of ['weights.fp16.pt.00', 'log.csv', 'summary.json', 'run.log']) assert.ok(files.includes(f), f);
    const summary = JSON.parse(fs.readFileSync(path.join(outDir, 'summary.json'), 'utf8'));
    assert.ok(summary.steps > 0 && summary.tokens > 0);
    assert.deepStrictEqual(Object.keys(summary.eval.by_k), ['1', '2', '4', '8']);
    assert.strictEqual(summary.eval.by_k['1'].tasks, TASKS.length);
  });

  it('splits weights into pieces that join back byte for byte', async () => {
    const code = [
      'import os, sys, tempfile',
      "sys.path.insert(0, 'training/device')",
      'import run_gpu',
      'run_gpu.PIECE_BYTES = 1000',
      'd = tempfile.mkdtemp()',
      'blob = os.urandom(2500)',
      "src = os.path.join(d, 'w.bin')",
      "open(src, 'wb').write(blob)",
      "out = os.path.join(d, 'out'); os.makedirs(out)",
      "open(os.path.join(out, 'weights.fp16.pt.07'), 'wb').write(b'stale')",
      'names = run_gpu.write_pieces(src, out)',
      "joined = b''.join(open(os.path.join(out, n), 'rb').read() for n in sorted(os.listdir(out)))",
      'print(names, sorted(os.listdir(out)) == names, joined == blob)',
    ].join('\n');
    const r = await run(python, ['-c', code]);
    assert.strictEqual(r.code, 0, r.stderr);
    assert.strictEqual(r.stdout.trim(), "['weights.fp16.pt.00', 'weights.fp16.pt.01', 'weights.fp16.pt.02'] True True");
  });

  it('unpacks the returned pieces into a resume file and a model directory onnxruntime can run', async () => {
    const model = path.join(tmp, 'model');
    const resume = path.join(tmp, 'resume', 'gpu.fp16.pt');
    const r = await run(python, ['training/device/unpack.py', outDir, '--resume-out', resume, '--model-dir', model,
      '--runs-dir', path.join(tmp, 'runs'), '--name', 'dryrun']);
    assert.strictEqual(r.code, 0, r.stderr);
    assert.ok(fs.existsSync(resume));
    for (const f of ['model.onnx', 'model.int8.onnx', 'config.json', 'tokenizer.json']) assert.ok(fs.existsSync(path.join(model, f)), f);
    assert.ok(fs.existsSync(path.join(tmp, 'runs', 'dryrun-gpu', 'summary.json')));
    const config = JSON.parse(fs.readFileSync(path.join(model, 'config.json'), 'utf8'));
    const session = await ort.InferenceSession.create(path.join(model, 'model.onnx'), { executionProviders: ['cpu'] });
    const ids = new ort.Tensor('int64', BigInt64Array.from([5n, 6n, 7n, 1n, 1n, 8n]), [1, 6]);
    const out = await session.run({ input_ids: ids });
    assert.deepStrictEqual(out.logits.dims, [1, 6, config.vocab_size]);
    assert.deepStrictEqual(out.hidden.dims, [1, 6, config.hidden_size]);
    await session.release();
  });

  it('trains two variants beside the main run and still returns at most 8 files', async () => {
    const out = path.join(tmp, 'out-variants');
    const r = await run('bash', ['training/device/run.sh', '--dry-run', '--variant', 'fast:lr_diff=0.02', '--variant', 'noar:ar_fraction=0'],
      { PYTHON: python, PACK: pack, OUT: out });
    assert.strictEqual(r.code, 0, r.stdout.slice(-3000) + r.stderr.slice(-3000));
    const files = fs.readdirSync(out).sort();
    assert.ok(files.length <= 8, files.join(', '));
    for (const f of ['fast.weights.fp16.pt.00', 'fast.log.csv', 'noar.weights.fp16.pt.00', 'noar.log.csv', 'weights.fp16.pt.00', 'log.csv', 'summary.json']) {
      assert.ok(files.includes(f), f);
    }
    const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8'));
    assert.strictEqual(summary.variants.fast.config.lr_diff, 0.02);
    assert.strictEqual(summary.variants.noar.config.ar_fraction, 0);
    assert.ok(summary.variants.noar.steps > 0 && summary.variants.noar.eval.by_k['8'].tasks > 0);
    assert.match(r.stdout, /variant noar: trained \d+ steps/);
    assert.match(r.stdout.trim().split('\n').slice(-8)[0], /^main run: trained/);
  });

  it('refuses to run for real or preflight without a GPU', async () => {
    const r = await run('bash', ['training/device/run.sh'], { PYTHON: python, PACK: pack, OUT: path.join(tmp, 'out-real') });
    assert.notStrictEqual(r.code, 0);
    assert.match(r.stdout + r.stderr, /no CUDA device/);
    assert.ok(!fs.existsSync(path.join(tmp, 'out-real', 'weights.fp16.pt.00')));
    // the GPU preflight too, and it never writes into $OUT (the real run's 8 places)
    const pre = await run('bash', ['training/device/run.sh', '--preflight'], { PYTHON: python, PACK: pack, OUT: path.join(tmp, 'out-pre') });
    assert.notStrictEqual(pre.code, 0);
    assert.match(pre.stdout + pre.stderr, /no CUDA device/);
    assert.ok(!fs.existsSync(path.join(tmp, 'out-pre')));
  });
});
