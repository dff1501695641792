// How well the correction head tells the frozen model's wrong tokens from its right ones, next to
// the model's own probability of the token in place (what the self-remask sampler flags by), on
// look-back examples from the corpus's held-out files (as the trainer makes its held-out examples).
// Prints one JSON line: the AUC of each, the share of wrong tokens each catches at fixed shares of
// right tokens flagged, and the same for a logistic combination of both (fit on every other
// position, scored on the rest): if it beats the head, the probability holds what the head misses.
//   npx tsc -p . && node out/bench/head-detection.js [--model DIR] [--head FILE] [--files 120]
//     [--max-examples 600] [--k 1,2,3,4] [--seed 7]
import * as path from 'path';
import { parseArgs } from 'util';
import { scoreSlots } from '../src/engine/decode/scores';
import { makeLookbackExamples } from '../src/engine/head/lookback';
import { OrtHead } from '../src/engine/head/ortHead';
import { makeRng } from '../src/engine/head/random';
import { DEFAULT_WINDOW, collectWindows } from '../src/engine/head/trainer';
import { readModelConfig } from '../src/engine/modelConfig';
import { OnnxFrozenModel } from '../src/engine/modelSession';
import { BpeTokenizer } from '../src/engine/tokenizer';
import { CORPUS, REPO, sampleFiles } from './corpusFiles';

interface Position {
  wrong: boolean;
  head: number;
  /** ln of the model's probability of the token in place, from its pass on the example's tokens. */
  logProb: number;
}

/** Area under the ROC curve of `score` for telling wrong from right (ties count half). */
export function auc(rows: { wrong: boolean; score: number }[]): number {
  const sorted = [...rows].sort((a, b) => a.score - b.score);
  let rankSum = 0, wrong = 0;
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j < sorted.length && sorted[j].score === sorted[i].score) j++;
    const meanRank = (i + 1 + j) / 2; // ranks i+1 .. j share their mean
    for (let t = i; t < j; t++) if (sorted[t].wrong) {
      rankSum += meanRank;
      wrong++;
    }
    i = j;
  }
  const right = sorted.length - wrong;
  return (rankSum - (wrong * (wrong + 1)) / 2) / (wrong * right);
}

/** Share of wrong tokens scored above the threshold that flags `falseFlagRate` of the right ones. */
export function caughtAt(rows: { wrong: boolean; score: number }[], falseFlagRate: number): number {
  const right = rows.filter((r) => !r.wrong).map((r) => r.score).sort((a, b) => b - a);
  const threshold = right[Math.min(right.length - 1, Math.floor(falseFlagRate * right.length))];
  const wrong = rows.filter((r) => r.wrong);
  return wrong.filter((r) => r.score > threshold).length / wrong.length;
}

/**
 * Logistic regression on two features by full-batch gradient descent (by hand: two weights do not
 * need a library); returns the score function (the logit).
 */
function fitLogistic(rows: { wrong: boolean; x: [number, number] }[]): (x: [number, number]) => number {
  const w = [0, 0, 0];
  for (let it = 0; it < 500; it++) {
    const g = [0, 0, 0];
    for (const r of rows) {
      const z = w[0] + w[1] * r.x[0] + w[2] * r.x[1];
      const d = 1 / (1 + Math.exp(-z)) - (r.wrong ? 1 : 0);
      g[0] += d;
      g[1] += d * r.x[0];
      g[2] += d * r.x[1];
    }
    for (let j = 0; j < 3; j++) w[j] -= (0.5 * g[j]) / rows.length;
  }
  return (x) => w[0] + w[1] * x[0] + w[2] * x[1];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      model: { type: 'string', default: path.join(REPO, 'models', 'backplay-base') },
      head: { type: 'string' },
      files: { type: 'string', default: '120' },
      'max-examples': { type: 'string', default: '600' },
      k: { type: 'string', default: '1,2,3,4' },
      seed: { type: 'string', default: '7' },
    },
  });
  const modelDir = path.resolve(values.model);
  const headPath = path.resolve(values.head ?? path.join(modelDir, 'head.onnx'));
  const config = readModelConfig(modelDir);
  const tokenizer = BpeTokenizer.load(modelDir);
  const model = await OnnxFrozenModel.load(modelDir, 'cpu', undefined, config.useInt8);
  const head = await OrtHead.load(headPath, { executionProviders: ['cpu'] }, config.hiddenSize);
  const rng = makeRng(Number(values.seed));
  const files = sampleFiles(path.join(CORPUS, 'val'), Number(values.files), Number(values.seed));
  const windows = collectWindows(files, tokenizer, { ...DEFAULT_WINDOW, eomId: config.eomTokenId }, { examplesPer100Tokens: 0.5 }, Number(values['max-examples']), rng);
  const examples = await makeLookbackExamples(model, windows, {
    maskId: config.maskTokenId, tokensPerStep: values.k.split(',').map(Number), select: 'random', batchSize: 8, rng,
  });

  const positions: Position[] = [];
  for (const e of examples) {
    const pWrong = await head.pWrong(e.hidden, 1, e.seq);
    const scored: number[] = [];
    for (let i = 0; i < e.seq; i++) if (e.lossMask[i]) scored.push(i);
    const out = await model.forward(e.tokens, 1, e.seq);
    const { currentProb } = scoreSlots(out.logits, out.vocab, 0, e.tokens, { mask: config.maskTokenId, closing: [] }, scored);
    for (const i of scored) positions.push({ wrong: e.labels[i] === 1, head: pWrong[i], logProb: Math.log(Math.max(currentProb[i], 1e-9)) });
  }
  await model.release();
  await head.dispose();

  const features = (p: Position): [number, number] => [Math.log(p.head / (1 - p.head)), p.logProb];
  const combine = fitLogistic(positions.filter((_, i) => i % 2 === 0).map((p) => ({ wrong: p.wrong, x: features(p) })));
  const evalHalf = positions.filter((_, i) => i % 2 === 1);
  const signals = {
    head: (p: Position) => p.head,
    ownProbability: (p: Position) => -p.logProb,
    combination: (p: Position) => combine(features(p)),
  };
  const report = (rows: Position[]) =>
    Object.fromEntries(
      Object.entries(signals).map(([name, score]) => {
        const scored = rows.map((p) => ({ wrong: p.wrong, score: score(p) }));
        return [name, { auc: auc(scored), caughtAtFalseFlags: Object.fromEntries([0.02, 0.035, 0.05, 0.1].map((f) => [f, caughtAt(scored, f)])) }];
      }),
    );
  console.log(JSON.stringify({
    model: modelDir,
    head: headPath,
    examples: examples.length,
    positions: positions.length,
    wrong: positions.filter((p) => p.wrong).length,
    // The combination is scored on the half it was not fit on; the others on that half too, to compare.
    scoredHalf: report(evalHalf),
  }));
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
