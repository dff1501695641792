import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { defaultRequest } from '../../src/engine/defaults';
import { LocalEngine } from '../../src/engine/localEngine';
import { SAMPLER_NAMES } from '../../src/engine/decode/policies';
import type { DraftSnapshot, FrozenModel } from '../../src/engine/types';
import { headNotePath } from '../../src/engine/headNote';
import { modelIdentity, readModelConfig } from '../../src/engine/modelConfig';
import { BpeTokenizer } from '../../src/engine/tokenizer';
import { tinyHeadOnnx, tinyModelOnnx, writeTinyModelDir } from './fixtures/tinyOnnxModel';

describe('local engine on a tiny real ONNX model', function () {
  this.timeout(60000);
  let dir: string;
  let engine: LocalEngine;

  before(async () => {
    dir = writeTinyModelDir({ withHead: true });
    engine = await LocalEngine.load({ modelDir: dir, device: 'auto' });
  });
  after(async () => {
    await engine?.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('auto falls back to cpu here and reports it, with the shipped head', async () => {
    const info = await engine.info();
    assert.equal(info.provider, 'cpu');
    assert.equal(info.modelName, 'tiny-test');
    assert.equal(info.head.source, 'shipped');
  });

  for (const sampler of SAMPLER_NAMES) {
    it(`${sampler}: completes, streams drafts and accounts for its time`, async () => {
      const drafts: DraftSnapshot[] = [];
      const c = await engine.complete(defaultRequest('function add(a, b) {\n  return', '\n}\n', { sampler, maxNewTokens: 12 }), {
        onDraft: (d) => drafts.push(d),
      });
      assert.equal(typeof c.text, 'string');
      assert.equal(c.provider, 'cpu');
      assert.equal(drafts.length, c.steps);
      assert.equal(c.forwardPasses, c.steps);
      assert.ok(c.steps >= 1 && c.steps <= 3 * 12);
      assert.equal(drafts[0].slots.length, 12);
      if (sampler === 'backplay') assert.equal(c.headCalls, Math.floor(c.steps / 2));
      else assert.equal(c.headCalls, 0);
      const t = c.timings;
      assert.ok(Math.abs(t.tokenizeMs + t.modelMs + t.headMs + t.scoreMs + t.otherMs - c.ms) < 1);
    });
  }

  it('is deterministic for the same request', async () => {
    const request = defaultRequest('let x = ', ';', { sampler: 'random-remask', seed: 3, maxNewTokens: 10 });
    const a = await engine.complete(request);
    const b = await engine.complete(request);
    assert.equal(a.text, b.text);
    assert.equal(a.steps, b.steps);
  });

  describe('bad input gives a completion or a clear error, never a crash or a hang', () => {
    const odd: [string, string][] = [
      ['an empty prefix and suffix', ''],
      ['NUL bytes', 'const a = "\u0000\u0000";\n'],
      ['lone surrogates', 'const s = "\uD800 \uDC00 \uD83D";\n'],
      ['characters never seen in training', '// 漢字 🦀 \u{10FFFF} \u202E\n'],
      ['the literal text of a special token', 'const t = "<|mask|><|eom|>";\n'],
    ];
    for (const [what, prefix] of odd) {
      it(what, async () => {
        const c = await engine.complete(defaultRequest(prefix, prefix, { maxNewTokens: 8 }));
        assert.equal(typeof c.text, 'string');
      });
    }

    it('a 5 MB prefix is windowed: done in well under a few seconds', async () => {
      const prefix = 'const value = compute(1, 2, 3);\n'.repeat(170000);
      assert.ok(prefix.length > 5e6);
      const t0 = Date.now();
      const c = await engine.complete(defaultRequest(prefix, prefix, { maxNewTokens: 8 }));
      assert.equal(typeof c.text, 'string');
      assert.ok(Date.now() - t0 < 3000, `${Date.now() - t0} ms`);
    });

    it('an invalid request is a clear error', async () => {
      await assert.rejects(engine.complete(defaultRequest('a', 'b', { tokensPerStep: 0 })), /tokensPerStep/);
      await assert.rejects(engine.complete(defaultRequest('a', 'b', { sampler: 'nope' as never })), /unknown sampler "nope"/);
    });
  });

  describe('model folder problems', () => {
    const broken: string[] = [];
    after(() => broken.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
    function brokenDir(edit: (d: string) => void): string {
      const d = writeTinyModelDir();
      broken.push(d);
      edit(d);
      return d;
    }

    it('a missing model.onnx names the file', async () => {
      const d = brokenDir((x) => fs.rmSync(path.join(x, 'model.onnx')));
      await assert.rejects(LocalEngine.load({ modelDir: d, device: 'auto' }), (e: Error) => e.message.includes(path.join(d, 'model.onnx')) && /not found/.test(e.message));
    });

    it('a truncated model.onnx names the file', async () => {
      const bytes = tinyModelOnnx();
      const d = brokenDir((x) => fs.writeFileSync(path.join(x, 'model.onnx'), bytes.subarray(0, Math.floor(bytes.length / 2))));
      await assert.rejects(LocalEngine.load({ modelDir: d, device: 'cpu' }), (e: Error) => e.message.includes(path.join(d, 'model.onnx')));
    });

    it('a missing model folder or config is a clear error', async () => {
      await assert.rejects(LocalEngine.load({ modelDir: '/nonexistent/model', device: 'cpu' }), /model folder not found/);
      const d = brokenDir((x) => fs.rmSync(path.join(x, 'config.json')));
      await assert.rejects(LocalEngine.load({ modelDir: d, device: 'cpu' }), /config\.json/);
    });

    it('a head whose hidden size does not fit the model is refused, and the current head stays', async () => {
      const headFile = path.join(dir, 'wrong-head.onnx');
      fs.writeFileSync(headFile, tinyHeadOnnx(8));
      await assert.rejects(engine.setHead(headFile), /hidden size/);
      assert.equal((await engine.info()).head.source, 'shipped');
    });

    it('loading with a retrained head that is gone or does not fit falls back to the shipped head and says why', async () => {
      const wrong = path.join(dir, 'wrong-head-at-load.onnx');
      fs.writeFileSync(wrong, tinyHeadOnnx(8));
      for (const [headPath, reason] of [[wrong, /hidden size/], [path.join(dir, 'gone.onnx'), /not found/]] as const) {
        const e = await LocalEngine.load({ modelDir: dir, device: 'cpu', headPath });
        try {
          const { head } = await e.info();
          assert.equal(head.source, 'shipped');
          assert.match(head.rejected ?? '', reason);
        } finally {
          await e.dispose();
        }
      }
    });

    it('a fitting head swaps in without a restart, and back', async () => {
      const headFile = path.join(dir, 'custom-head.onnx');
      fs.writeFileSync(headFile, tinyHeadOnnx(16, 9));
      await engine.setHead(headFile);
      assert.deepEqual((await engine.info()).head, { source: 'custom', path: headFile });
      const c = await engine.complete(defaultRequest('x', '', { maxNewTokens: 6 }));
      assert.equal(typeof c.text, 'string');
      await engine.setHead(undefined);
      assert.equal((await engine.info()).head.source, 'shipped');
    });

    it('a forced device that cannot run here is a clear error', async function () {
      const ort = await import('onnxruntime-node');
      if (!ort.listSupportedBackends().some((b) => b.name === 'webgpu')) this.skip();
      // These machines have no GPU adapter: webgpu fails at session creation.
      await assert.rejects(LocalEngine.load({ modelDir: dir, device: 'webgpu' }), /on webgpu/);
    });
  });
});

describe('local engine head retraining', function () {
  this.timeout(120000);

  it('trains a head on files with the model\'s own errors, reports before/after, and the result swaps in', async () => {
    const dir = writeTinyModelDir({ withHead: true });
    const engine = await LocalEngine.load({ modelDir: dir, device: 'cpu' });
    try {
      const files = Array.from({ length: 3 }, (_, f) => ({
        path: `f${f}.ts`,
        text: Array.from({ length: 12 }, (_, i) => `export const value${f}_${i} = compute(${i}, ${f});`).join('\n'),
      }));
      const outPath = path.join(dir, 'retrained.onnx');
      const report = await engine.trainHead({ files, outPath, seed: 1, timeBudgetMs: 5000 });
      assert.equal(report.outPath, outPath);
      assert.equal(report.trainFiles + report.heldOutFiles, 3);
      assert.ok(report.examples > 0);
      for (const e of [report.before, report.after]) assert.ok(e.exactMatch >= 0 && e.exactMatch <= 1, JSON.stringify(e));
      await engine.setHead(outPath);
      assert.equal((await engine.info()).head.source, 'custom');
      // The head notes which model it learned from; under another model it is refused.
      const note = JSON.parse(fs.readFileSync(headNotePath(outPath), 'utf8'));
      assert.equal(note.model, modelIdentity(readModelConfig(dir)));
      fs.writeFileSync(headNotePath(outPath), JSON.stringify({ model: 'another-model 9.9.9' }));
      await assert.rejects(engine.setHead(outPath), /trained for model another-model 9\.9\.9/);
      assert.equal((await engine.info()).head.source, 'custom', 'the head in use stays');
    } finally {
      await engine.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('local engine windowing', () => {
  it('feeds the model the end of the prefix, masks and the start of the suffix, within the context', async () => {
    const dir = writeTinyModelDir();
    try {
      const inputs: Int32Array[] = [];
      const tokenizer = BpeTokenizer.load(dir);
      const model: FrozenModel = {
        async forward(ids, batch, seq) {
          inputs.push(Int32Array.from(ids));
          const vocab = 259;
          const logits = new Float32Array(seq * vocab);
          for (let p = 0; p < seq; p++) logits[p * vocab + 2] = 10; // <|eom|> everywhere: done in one step
          return { logits, hidden: new Float32Array(seq * 4), batch, seq, vocab, hiddenSize: 4 };
        },
      };
      const config = { ...readModelConfig(dir), maxSeqLen: 64 };
      const engine = new LocalEngine({ modelDir: dir, config, tokenizer, model, provider: 'fake' });
      const prefix = 'p'.repeat(100) + 'END';
      const suffix = 'BEGIN' + 's'.repeat(100);
      const c = await engine.complete(defaultRequest(prefix, suffix, { maxNewTokens: 8, sampler: 'confidence' }));
      assert.equal(c.text, '');
      assert.equal(c.steps, 1);
      const ids = Array.from(inputs[0]);
      assert.equal(ids.length, 64);
      const room = 64 - 8;
      const suffixKeep = Math.floor(room / 4);
      assert.equal(tokenizer.decode(ids.slice(0, room - suffixKeep)), ('p'.repeat(100) + 'END').slice(-(room - suffixKeep)));
      assert.deepEqual(ids.slice(room - suffixKeep, room - suffixKeep + 8), Array(8).fill(1));
      assert.equal(tokenizer.decode(ids.slice(room - suffixKeep + 8)), suffix.slice(0, suffixKeep));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
