// Trains the shipped correction head: the frozen model's own look-back errors on the corpus's
// training files, held-out scores on the corpus's validation files (which the model never trained
// on). Writes DIR/head.onnx atomically and prints the report as one JSON line.
//   npx tsc -p . && node out/bench/train-shipped-head.js [--model models/backplay-base] [--out FILE]
//     [--train-files 300] [--held-out-files 60] [--per100 0.5] [--max-examples 2000] [--epochs 8]
//     [--time-budget-s 1800] [--width 64] [--select random|confident] [--k 2 or a list 1,2,3] [--seed 1]
//     [--labels wrong|fixable]   what the head learns to flag (lookback.ts)
//     [--lr 1e-3] [--max-held-out 400]
//     [--init HEAD.onnx]   start from a head trained on an earlier checkpoint of the same model
//                          (the report's "before" is then that head, on this model's held-out examples)
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'node:util';
import { headFromOnnx } from '../src/engine/head/onnx';
import { OrtHead } from '../src/engine/head/ortHead';
import { trainHead } from '../src/engine/head/trainer';
import { readModelConfig } from '../src/engine/modelConfig';
import { OnnxFrozenModel } from '../src/engine/modelSession';
import { BpeTokenizer } from '../src/engine/tokenizer';
import { CORPUS, REPO, sampleFiles } from './corpusFiles';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      model: { type: 'string', default: path.join(REPO, 'models', 'backplay-base') },
      out: { type: 'string' },
      init: { type: 'string' },
      seed: { type: 'string', default: '1' },
      width: { type: 'string', default: '64' },
      'train-files': { type: 'string', default: '300' },
      'held-out-files': { type: 'string', default: '60' },
      k: { type: 'string', default: '2' },
      select: { type: 'string', default: 'random' },
      labels: { type: 'string', default: 'wrong' },
      per100: { type: 'string', default: '0.5' },
      'max-examples': { type: 'string', default: '2000' },
      'max-held-out': { type: 'string', default: '400' },
      epochs: { type: 'string', default: '8' },
      'time-budget-s': { type: 'string', default: '1800' },
      lr: { type: 'string', default: '1e-3' },
    },
  });
  if (!['random', 'confident'].includes(values.select)) throw new Error(`--select must be random or confident, not ${values.select}`);
  if (!['wrong', 'fixable'].includes(values.labels)) throw new Error(`--labels must be wrong or fixable, not ${values.labels}`);
  const modelDir = path.resolve(values.model);
  const outPath = path.resolve(values.out ?? path.join(modelDir, 'head.onnx'));
  const seed = Number(values.seed);
  const width = Number(values.width);
  const config = readModelConfig(modelDir);
  const tokenizer = BpeTokenizer.load(modelDir);
  // The same session the engine opens on cpu (int8 when present): the head learns the hidden states it will read.
  const model = await OnnxFrozenModel.load(modelDir, 'cpu', undefined, config.useInt8);
  const files = sampleFiles(path.join(CORPUS, 'train'), Number(values['train-files']), seed);
  const heldOut = sampleFiles(path.join(CORPUS, 'val'), Number(values['held-out-files']), seed);
  const init = values.init;
  const oldHead = init ? await OrtHead.load(init, { executionProviders: ['cpu'] }, config.hiddenSize) : undefined;
  const started = Date.now();
  let lastLog = 0;
  const report = await trainHead(
    model,
    tokenizer,
    {
      files,
      heldOut,
      outPath,
      seed,
      maskId: config.maskTokenId,
      eomId: config.eomTokenId,
      head: { width, numHeads: 4, mlpWidth: 4 * width },
      tokensPerStep: values.k.split(',').map(Number),
      select: values.select as 'random' | 'confident',
      labels: values.labels as 'wrong' | 'fixable',
      examplesPer100Tokens: Number(values.per100),
      maxTrainExamples: Number(values['max-examples']),
      maxHeldOutExamples: Number(values['max-held-out']),
      epochs: Number(values.epochs),
      timeBudgetMs: 1000 * Number(values['time-budget-s']),
      lr: Number(values.lr),
      initFrom: init ? headFromOnnx(fs.readFileSync(init)) : undefined,
      oldHead,
    },
    {
      onProgress: (p) => {
        if (Date.now() - lastLog > 15_000 || p.message.includes(':') || p.phase !== 'train') {
          if (p.phase === 'examples' && Date.now() - lastLog < 15_000) return;
          lastLog = Date.now();
          console.error(`[${((Date.now() - started) / 1000).toFixed(0)}s] ${p.phase} ${(100 * p.fraction).toFixed(0)}% ${p.message}`);
        }
      },
    },
  );
  await model.release();
  await oldHead?.dispose();
  const { head, ...rest } = report;
  console.log(JSON.stringify({ model: modelDir, provider: model.provider, modelFile: path.basename(model.file), head: head.config, params: head.parameterCount(), ...rest }));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
