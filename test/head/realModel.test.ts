import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { OrtHead } from '../../src/engine/head/ortHead';
import { trainHead } from '../../src/engine/head/trainer';
import { readModelConfig } from '../../src/engine/modelConfig';
import { OnnxFrozenModel } from '../../src/engine/modelSession';
import { BpeTokenizer } from '../../src/engine/tokenizer';
import { tinyModelDir } from '../fixtures/tinyModel';

/** Small JavaScript files, different enough to split into train and held-out. */
function sourceFiles(n: number): { path: string; text: string }[] {
  return Array.from({ length: n }, (_, i) => ({
    path: `src/file${i}.js`,
    text: Array.from({ length: 12 }, (_, j) =>
      `function item${i}_${j}(value) {\n  const total = value * ${j + 1} + ${i};\n  return total > ${i * j} ? total : -total;\n}\n`,
    ).join('\n'),
  }));
}

// The whole pipeline on a real (tiny) ONNX model: tokenizer, batched model calls on look-back
// windows, hidden states of the model's size, a head file the engine can load for that model.
describe('head trainer on a real ONNX model', function () {
  this.timeout(180_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'backplay-realhead-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('trains a head whose file loads for this model and scores its held-out errors', async () => {
    const modelDir = await tinyModelDir();
    const config = readModelConfig(modelDir);
    const model = await OnnxFrozenModel.load(modelDir, 'cpu', undefined, config.useInt8);
    try {
      const out = path.join(dir, 'head.onnx');
      const report = await trainHead(model, BpeTokenizer.load(modelDir), {
        files: sourceFiles(6),
        outPath: out,
        seed: 3,
        maskId: config.maskTokenId,
        eomId: config.eomTokenId,
        head: { width: 16, numHeads: 2, mlpWidth: 32 },
        window: { plainLength: 64, prefixTokens: 48, suffixTokens: 16 },
        examplesPer100Tokens: 4,
        epochs: 2,
      });
      assert.ok(report.examples >= 20, `${report.examples} examples`);
      assert.ok(report.heldOutPositives > 0, 'the tiny model must make some held-out errors');
      assert.ok(report.after.errorsCaught >= 0 && report.after.errorsCaught <= 1);
      assert.strictEqual(report.head.config.inputSize, config.hiddenSize);
      const head = await OrtHead.load(out, { executionProviders: ['cpu'] }, config.hiddenSize);
      const hidden = (await model.forward(Int32Array.from([5, 6, 7, 8]), 1, 4)).hidden;
      const p = await head.pWrong(hidden, 1, 4);
      assert.ok(Array.from(p).every((x) => x > 0 && x < 1));
      await head.dispose();
    } finally {
      await model.release();
    }
  });
});
