// The engine end to end on the training pipeline's smoke model (a real, tiny transformer exported
// by training/export.py): the engine's own forward reproduces PyTorch, and every sampler runs.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createWorkerEngine } from '../../src/engine/client';
import { SAMPLER_NAMES } from '../../src/engine/decode/policies';
import { defaultRequest } from '../../src/engine/defaults';
import { LocalEngine } from '../../src/engine/localEngine';
import { OnnxFrozenModel } from '../../src/engine/modelSession';
import { tinyModelDir } from '../fixtures/tinyModel';

describe('engine on the training smoke model', function () {
  this.timeout(180_000);
  let dir: string;
  before(async () => {
    dir = await tinyModelDir();
  });

  it('the engine forward (int32 ids in) reproduces PyTorch on the fp32 model', async () => {
    const parity = JSON.parse(fs.readFileSync(path.join(dir, 'parity.json'), 'utf8')) as {
      cases: { batch: number; seq: number; ids: number[]; logits: string }[];
    };
    const model = await OnnxFrozenModel.load(dir, 'cpu', undefined, false);
    try {
      assert.equal(path.basename(model.file), 'model.onnx');
      for (const c of parity.cases) {
        const out = await model.forward(Int32Array.from(c.ids), c.batch, c.seq);
        const buf = fs.readFileSync(path.join(dir, c.logits));
        const ref = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
        let worst = 0;
        for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(ref[i] - out.logits[i]));
        assert.ok(worst <= 1e-3, `logits differ by ${worst}`);
      }
    } finally {
      await model.release();
    }
  });

  it('prefers the int8 copy on cpu', async () => {
    const model = await OnnxFrozenModel.load(dir, 'cpu');
    assert.equal(path.basename(model.file), 'model.int8.onnx');
    await model.release();
  });

  it('every sampler completes through the worker with the trained tokenizer', async () => {
    const engine = createWorkerEngine({ modelDir: dir, device: 'cpu' });
    try {
      for (const sampler of SAMPLER_NAMES) {
        const c = await engine.complete(defaultRequest('export function add(a: number, b: number) {\n  return ', ';\n}\n', { sampler }));
        assert.equal(typeof c.text, 'string');
        assert.ok(c.steps >= 1 && c.steps <= 72, `${sampler}: ${c.steps} steps`);
      }
    } finally {
      await engine.dispose();
    }
  });

  it('the local engine reports the model name from config.json', async () => {
    const engine = await LocalEngine.load({ modelDir: dir, device: 'auto' });
    try {
      assert.equal((await engine.info()).modelName, JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')).name);
    } finally {
      await engine.dispose();
    }
  });
});
