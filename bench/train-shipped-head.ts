// Trains the shipped correction head: the frozen model's own look-back errors on the corpus's
// training files, held-out scores on the corpus's validation files (which the model never trained
// on). Writes DIR/head.onnx atomically and prints the report as one JSON line.
//   npx tsc -p . && node out/bench/train-shipped-head.js [--model models/backplay-base] [--out FILE]
//     [--train-files 300] [--held-out-files 60] [--per100 0.5] [--max-examples 2000] [--epochs 8]
//     [--time-budget-s 1800] [--width 64] [--select random|confident] [--k 2 or a list 1,2,3] [--seed 1]
//     [--labels wrong|fixable]   what the head learns to flag (lookback.ts)
//     [--init HEAD.onnx]   start from a head trained on an earlier checkpoint of the same model
//                          (the report's "before" is then that head, on this model's held-out examples)
import * as fs from 'fs';
import * as path from 'path';
import { headFromOnnx } from '../src/engine/head/onnx';
import { OrtHead } from '../src/engine/head/ortHead';
import { trainHead } from '../src/engine/head/trainer';
import { readModelConfig } from '../src/engine/modelConfig';
import { OnnxFrozenModel } from '../src/engine/modelSession';
import { BpeTokenizer } from '../src/engine/tokenizer';
import { CORPUS, REPO, sampleFiles } from './corpusFiles';

function option(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const modelDir = path.resolve(option(args, '--model', path.join(REPO, 'models', 'backplay-base')));
  const outPath = path.resolve(option(args, '--out', path.join(modelDir, 'head.onnx')));
  const seed = Number(option(args, '--seed', '1'));
  const width = Number(option(args, '--width', '64'));
  const config = readModelConfig(modelDir);
  const tokenizer = BpeTokenizer.load(modelDir);
  // The same session the engine opens on cpu (int8 when present): the head learns the hidden states it will read.
  const model = await OnnxFrozenModel.load(modelDir, 'cpu', undefined, config.useInt8);
  const files = sampleFiles(path.join(CORPUS, 'train'), Number(option(args, '--train-files', '300')), seed);
  const heldOut = sampleFiles(path.join(CORPUS, 'val'), Number(option(args, '--held-out-files', '60')), seed);
  const init = args.includes('--init') ? option(args, '--init', '') : undefined;
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
      tokensPerStep: option(args, '--k', '2').split(',').map(Number),
      select: option(args, '--select', 'random') as 'random' | 'confident',
      labels: option(args, '--labels', 'wrong') as 'wrong' | 'fixable',
      examplesPer100Tokens: Number(option(args, '--per100', '0.5')),
      maxTrainExamples: Number(option(args, '--max-examples', '2000')),
      maxHeldOutExamples: Number(option(args, '--max-held-out', '400')),
      epochs: Number(option(args, '--epochs', '8')),
      timeBudgetMs: 1000 * Number(option(args, '--time-budget-s', '1800')),
      lr: Number(option(args, '--lr', '1e-3')),
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
