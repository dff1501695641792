import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { collectSourceFiles } from '../../src/engine/collectFiles';
import { splitAt } from '../../src/cli';
import { writeTinyModelDir } from './fixtures/tinyOnnxModel';

const run = promisify(execFile);
const CLI = path.join(__dirname, '../../src/cli.js');

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { maxBuffer: 1 << 24 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('cli', function () {
  this.timeout(60000);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'backplay-cli-'));
  let model: string;
  before(() => {
    model = writeTinyModelDir({ withHead: true });
  });
  after(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.rmSync(model, { recursive: true, force: true });
  });

  it('splits a file at a 1-based line and column', () => {
    assert.deepEqual(splitAt('ab\ncd\n', 2, 2), { prefix: 'ab\nc', suffix: 'd\n' });
    assert.deepEqual(splitAt('ab\ncd', 1, 1), { prefix: '', suffix: 'ab\ncd' });
    assert.throws(() => splitAt('ab', 3, 1), /--line 3 is outside/);
    assert.throws(() => splitAt('ab', 1, 4), /--column 4 is outside/);
  });

  it('complete --trace prints one line per step, the completion and its statistics', async () => {
    const file = path.join(tmp, 'a.ts');
    fs.writeFileSync(file, 'function f() {\n  return 1;\n}\n');
    const r = await cli(['complete', '--file', file, '--line', '2', '--column', '3', '--trace', '--model', model, '--max-new-tokens', '6', '--tokens-per-step', '2']);
    assert.equal(r.code, 0, r.stderr);
    const steps = r.stdout.split('\n').filter((l) => l.startsWith('step '));
    const stats = /(\d+) steps, (\d+) forward passes/.exec(r.stderr);
    assert.ok(stats, r.stderr);
    assert.equal(steps.length, Number(stats[1]));
    assert.match(steps[0], /▒/);
  });

  it('eval --json prints one JSON object last with the contract fields', async () => {
    const tasks = path.join(tmp, 'tasks.jsonl');
    const rows = [
      { prefix: 'let a = ', suffix: ';\n', middle: '1', kind: 'line' },
      { prefix: 'let b = ', suffix: ';\n', middle: '2', kind: 'span' },
      { prefix: 'let c = ', suffix: ';\n', middle: '3', kind: 'span' },
    ];
    fs.writeFileSync(tasks, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const r = await cli(['eval', '--tasks', tasks, '--model', model, '--json', '--limit', '2', '--sampler', 'backplay', '--tokens-per-step', '3']);
    assert.equal(r.code, 0, r.stderr);
    const last = JSON.parse(r.stdout.trim().split('\n').pop()!);
    for (const key of ['tasks', 'exact_match', 'edit_similarity', 'ms_p50', 'ms_p95', 'steps_mean', 'forward_passes_mean', 'head_calls_mean', 'remasks_mean']) {
      assert.equal(typeof last[key], 'number', key);
    }
    assert.equal(last.tasks, 2);
    assert.deepEqual(Object.keys(last.by_kind).sort(), ['line', 'span']);
    assert.equal(last.tokens_per_step, 3);
  });

  it('complete --head with a head it cannot load fails and says why, instead of using the model folder head', async () => {
    const file = path.join(tmp, 'b.ts');
    fs.writeFileSync(file, 'let x = 1;\n');
    const head = path.join(tmp, 'other.onnx');
    fs.copyFileSync(path.join(model, 'head.onnx'), head);
    fs.writeFileSync(path.join(tmp, 'other.json'), JSON.stringify({ model: 'another-model 9.9.9' }));
    const r = await cli(['complete', '--file', file, '--line', '1', '--column', '9', '--model', model, '--head', head]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /--head .*other\.onnx was not loaded: the head was trained for model another-model 9\.9\.9/);
    fs.rmSync(path.join(tmp, 'other.json'));
    const ok = await cli(['complete', '--file', file, '--line', '1', '--column', '9', '--model', model, '--head', head]);
    assert.equal(ok.code, 0, ok.stderr);
  });

  it('usage errors exit with 2 and say what is wrong, before loading a model', async () => {
    const r = await cli(['eval', '--tasks', '/nonexistent.jsonl', '--correction', 'maybe']);
    assert.notEqual(r.code, 0);
    const bad = await cli(['complete', '--file', 'x']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /needs --file, --line and --column/);
    const unknown = await cli(['frobnicate']);
    assert.equal(unknown.code, 2);
  });

  it('a missing model folder is a clear error', async () => {
    const file = path.join(tmp, 'b.ts');
    fs.writeFileSync(file, 'x\n');
    const r = await cli(['complete', '--file', file, '--line', '1', '--column', '1', '--model', path.join(tmp, 'nope')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /model folder not found/);
  });
});

describe('workspace file collector', () => {
  it('keeps source files and skips vendored, minified, binary, huge and declaration files', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'backplay-ws-'));
    try {
      const write = (rel: string, text: string) => {
        fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
        fs.writeFileSync(path.join(root, rel), text);
      };
      write('src/a.ts', 'export const a = 1;\n');
      write('src/b.js', 'module.exports = 2;\n');
      write('README.md', '# no\n');
      write('node_modules/x/index.js', 'no\n');
      write('.git/hooks/x.js', 'no\n');
      write('dist/bundle.js', 'no\n');
      write('src/lib.min.js', 'no\n');
      write('src/types.d.ts', 'declare const x: 1;\n');
      write('src/long.js', 'x'.repeat(5000) + '\n');
      write('src/bin.js', 'a\u0000b\n');
      write('src/huge.ts', 'const a = 1;\n'.repeat(30000));
      write('.gitignore', 'generated/\n');
      write('generated/g.ts', 'export const g = 1;\n');
      write('pkg/.gitignore', 'fixtures/\n');
      write('pkg/fixtures/f.ts', 'export const f = 1;\n');
      write('pkg/c.ts', 'export const c = 1;\n');
      write('src/fixtures/kept.ts', 'export const k = 1;\n');
      const { files, summary } = collectSourceFiles(root);
      assert.deepEqual(files.map((f) => path.relative(root, f.path)).sort(), ['pkg/c.ts', 'src/a.ts', 'src/b.js', 'src/fixtures/kept.ts']);
      assert.equal(summary.kept, 4);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
