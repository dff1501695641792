// Trains a correction head on a workspace's files, on the user's machine (BACKPLAY.md section 3):
// split the files into train and held-out (by file, seeded), make look-back examples with the
// frozen model (its hidden states computed once per example: the model is frozen, so epochs only
// run the small head), train with a weighted BCE and Adam, evaluate held-out loss every epoch with
// early stopping and a time budget, then write head.onnx atomically and report how the old and the
// new head flag the frozen model's errors on the same held-out examples.

import * as fs from 'fs';
import * as path from 'path';
import { CorrectionHead, FrozenModel, HeadTrainOptions, HeadTrainProgress, HeadTrainReport } from '../types';
import { Adam } from './adam';
import { weightedBce } from './loss';
import {
  AbortError, LookbackExample, LookbackWindow, Tokenize, WindowShape, completionWindow, makeLookbackExamples, plainWindows,
} from './lookback';
import { DEFAULT_HEAD_SHAPE, HeadModel, HeadParams, PARAM_NAMES, zeroParams } from './model';
import { headToOnnx } from './onnx';
import { Rng, makeRng, shuffle } from './random';

export interface TrainHeadOptions extends HeadTrainOptions {
  maskId: number;
  eomId: number;
  /** The head's shape (input size comes from the model). */
  head?: { width: number; numHeads: number; mlpWidth: number };
  /** Continue from this head instead of fresh weights (its input size must match). */
  initFrom?: HeadModel;
  /**
   * Tokens committed per step (k) by the sampler the head serves: M = k predictions are placed per
   * example and dt = k/L (N = L/k steps). A list draws one k per example. Default 2, the engine's.
   */
  tokensPerStep?: number | number[];
  select?: 'random' | 'confident';
  /** Positive labels: every wrong token (default), or only those a re-mask would fix (lookback.ts). */
  labels?: 'wrong' | 'fixable';
  window?: Partial<WindowShape>;
  /** Share of completion-shaped windows (the rest are plain windows). */
  completionShare?: number;
  /** Examples made per 100 tokens of a file, and caps. */
  examplesPer100Tokens?: number;
  maxTrainExamples?: number;
  maxHeldOutExamples?: number;
  heldOutFraction?: number;
  /** Held-out files given explicitly (e.g. files the frozen model never trained on): then all of `files` train. */
  heldOut?: { path: string; text: string }[];
  /** Model calls batch this many windows. */
  modelBatch?: number;
  epochs?: number;
  /** Stop after this many epochs without a better held-out loss. */
  patience?: number;
  lr?: number;
  /** Sequences per optimizer step. */
  batchSize?: number;
  /** Weight of the "wrong" class; 'auto' = sqrt(right/wrong) counted on the training examples. */
  posWeight?: number | 'auto';
  /** The flag threshold at which errorsCaught / falseFlags are reported. */
  tau?: number;
  /** The head in use before this run, evaluated on the same held-out examples ("before"). */
  oldHead?: CorrectionHead;
  /** Completion exact match on held-out files with a head (the engine's code); NaN when not given. */
  evaluateExactMatch?: (which: 'before' | 'after', headPath: string | undefined, heldOut: { path: string; text: string }[]) => Promise<number>;
}

export interface EpochRecord {
  epoch: number;
  trainLoss: number;
  heldOutLoss: number;
  ms: number;
}

export interface HeadTrainResult extends HeadTrainReport {
  history: EpochRecord[];
  posWeight: number;
  /** Wrong labels among the loss positions of train / held-out examples. */
  trainPositives: number;
  heldOutPositives: number;
  heldOutPositions: number;
  stoppedBy: 'converged' | 'epochs' | 'time';
  head: HeadModel;
}

export interface TrainHooks {
  onProgress?: (p: HeadTrainProgress) => void;
  signal?: AbortSignal;
}

export const DEFAULT_WINDOW: Omit<WindowShape, 'eomId'> = { plainLength: 128, canvasSlots: 24, prefixTokens: 128, suffixTokens: 48 };

export async function trainHead(
  model: FrozenModel,
  tokenizer: Tokenize,
  options: TrainHeadOptions,
  hooks: TrainHooks = {},
): Promise<HeadTrainResult> {
  const started = Date.now();
  const deadline = options.timeBudgetMs !== undefined ? started + options.timeBudgetMs : Infinity;
  const { signal } = hooks;
  const progress = (phase: HeadTrainProgress['phase'], fraction: number, message: string): void =>
    hooks.onProgress?.({ phase, fraction: Math.min(1, Math.max(0, fraction)), message });
  const checkAbort = (): void => {
    if (signal?.aborted) throw new AbortError();
  };
  const rng = makeRng(options.seed);

  // Split by file so held-out examples never share text with training ones.
  progress('collect', 0, `${options.files.length} files`);
  const nonEmpty = (list: { path: string; text: string }[]) => list.filter((f) => f.text.trim().length > 0);
  const files = shuffle(nonEmpty(options.files), rng);
  let heldOutFiles: { path: string; text: string }[], trainFiles: { path: string; text: string }[];
  if (options.heldOut) {
    heldOutFiles = nonEmpty(options.heldOut);
    trainFiles = files;
    if (heldOutFiles.length === 0 || trainFiles.length === 0) throw new Error('head training needs non-empty train and held-out files');
  } else {
    if (files.length < 2) throw new Error(`head training needs at least 2 non-empty files (one is held out), got ${files.length}`);
    const heldCount = Math.min(files.length - 1, Math.max(1, Math.round(files.length * (options.heldOutFraction ?? 0.2))));
    heldOutFiles = files.slice(0, heldCount);
    trainFiles = files.slice(heldCount);
  }

  const shape: WindowShape = { ...DEFAULT_WINDOW, ...options.window, eomId: options.eomId };
  const trainWindows = collectWindows(trainFiles, tokenizer, shape, options, options.maxTrainExamples ?? 1500, rng);
  const heldWindows = collectWindows(heldOutFiles, tokenizer, shape, options, options.maxHeldOutExamples ?? 300, rng);
  if (trainWindows.length === 0 || heldWindows.length === 0) throw new Error('the files gave no training windows (too short?)');
  checkAbort();

  const total = trainWindows.length + heldWindows.length;
  const lookback = {
    maskId: options.maskId,
    tokensPerStep: options.tokensPerStep ?? 2,
    select: options.select ?? 'random',
    labels: options.labels ?? 'wrong',
    batchSize: options.modelBatch ?? 8,
    rng,
    signal,
  } as const;
  const train = await makeLookbackExamples(model, trainWindows, {
    ...lookback,
    onBatch: (done) => progress('examples', (0.4 * done) / total, `look-back examples ${done}/${total}`),
  });
  const heldOut = await makeLookbackExamples(model, heldWindows, {
    ...lookback,
    onBatch: (done) => progress('examples', (0.4 * (trainWindows.length + done)) / total, `look-back examples ${trainWindows.length + done}/${total}`),
  });
  const hiddenSize = train[0].hidden.length / train[0].seq;

  const count = (xs: LookbackExample[]): { pos: number; all: number } => {
    let pos = 0, all = 0;
    for (const e of xs) for (let i = 0; i < e.seq; i++) if (e.lossMask[i]) { all++; pos += e.labels[i]; }
    return { pos, all };
  };
  const trainCount = count(train), heldCountPos = count(heldOut);
  const posWeight = options.posWeight === undefined || options.posWeight === 'auto'
    ? Math.sqrt(Math.max(1, trainCount.all - trainCount.pos) / Math.max(1, trainCount.pos))
    : options.posWeight;

  const headShape = options.head ?? DEFAULT_HEAD_SHAPE;
  let head: HeadModel;
  if (options.initFrom) {
    if (options.initFrom.config.inputSize !== hiddenSize) {
      throw new Error(`initFrom head reads hidden size ${options.initFrom.config.inputSize}, the model has ${hiddenSize}`);
    }
    head = new HeadModel(options.initFrom.config, copyParams(options.initFrom.params));
  } else {
    head = HeadModel.create({ inputSize: hiddenSize, ...headShape }, rng);
  }
  const adam = new Adam(head.params, { lr: options.lr ?? 1e-3, weightDecay: 0.01, clipNorm: 1 }, (n) => n.endsWith('weight') || /\.w[a-z0-9]*$/.test(n));

  const maxEpochs = options.epochs ?? 8;
  const patience = options.patience ?? 2;
  const batchSize = options.batchSize ?? 8;
  const history: EpochRecord[] = [];
  let best = { loss: heldOutLoss(head, heldOut, posWeight, checkAbort), params: copyParams(head.params) };
  let stoppedBy: HeadTrainResult['stoppedBy'] = 'epochs';
  let sinceBest = 0;
  const stepsPerEpoch = Math.ceil(train.length / batchSize);

  epochs: for (let epoch = 1; epoch <= maxEpochs; epoch++) {
    const t0 = Date.now();
    const order = shuffle(train.slice(), rng);
    let lossSum = 0, lossCount = 0;
    for (let s = 0; s < stepsPerEpoch; s++) {
      checkAbort();
      if (Date.now() > deadline) {
        stoppedBy = 'time';
        break epochs;
      }
      const batch = order.slice(s * batchSize, (s + 1) * batchSize);
      const positions = batch.reduce((acc, e) => acc + e.lossMask.reduce((a, b) => a + b, 0), 0);
      if (positions === 0) continue;
      const grads = zeroParams(head.config);
      for (const e of batch) {
        const { logits, cache } = head.forward(e.hidden, 1, e.seq);
        const bce = weightedBce(logits, e.labels, e.lossMask, posWeight, positions);
        lossSum += bce.loss * positions;
        lossCount += bce.count;
        head.backward(cache, bce.grad, grads);
      }
      adam.step(grads);
      progress('train', 0.4 + 0.5 * ((epoch - 1 + (s + 1) / stepsPerEpoch) / maxEpochs), `epoch ${epoch}/${maxEpochs}`);
      // Let the event loop breathe (cancellation, messages) between steps.
      await new Promise((r) => setImmediate(r));
    }
    const held = heldOutLoss(head, heldOut, posWeight, checkAbort);
    history.push({ epoch, trainLoss: lossSum / Math.max(1, lossCount), heldOutLoss: held, ms: Date.now() - t0 });
    progress('train', 0.4 + (0.5 * epoch) / maxEpochs, `epoch ${epoch}: train ${(lossSum / Math.max(1, lossCount)).toFixed(4)}, held-out ${held.toFixed(4)}`);
    if (held < best.loss) {
      best = { loss: held, params: copyParams(head.params) };
      sinceBest = 0;
    } else if (++sinceBest >= patience) {
      stoppedBy = 'converged';
      break;
    }
  }
  // A step cut short by the time budget still counts if it improved the held-out loss.
  if (stoppedBy === 'time') {
    const held = heldOutLoss(head, heldOut, posWeight, checkAbort);
    if (held < best.loss) best = { loss: held, params: copyParams(head.params) };
  }
  for (const name of PARAM_NAMES) head.params[name].set(best.params[name]);
  checkAbort();

  progress('evaluate', 0.92, 'evaluating old and new head on held-out examples');
  const tau = options.tau ?? 0.5;
  const newFlags = flagRates(heldOut, tau, async (e) => head.pWrong(e.hidden, 1, e.seq));
  const oldHead = options.oldHead;
  const oldFlags = oldHead ? flagRates(heldOut, tau, (e) => oldHead.pWrong(e.hidden, 1, e.seq)) : Promise.resolve({ caught: 0, falseFlags: 0 });
  const [after, before] = [await newFlags, await oldFlags];
  const exactBefore = options.evaluateExactMatch ? await options.evaluateExactMatch('before', undefined, heldOutFiles) : NaN;
  checkAbort();

  progress('save', 0.97, `writing ${options.outPath}`);
  writeAtomically(options.outPath, headToOnnx(head), signal);
  const exactAfter = options.evaluateExactMatch ? await options.evaluateExactMatch('after', options.outPath, heldOutFiles) : NaN;
  progress('save', 1, `saved ${options.outPath}`);

  return {
    outPath: options.outPath,
    trainFiles: trainFiles.length,
    heldOutFiles: heldOutFiles.length,
    examples: train.length + heldOut.length,
    epochs: history.length,
    ms: Date.now() - started,
    before: { errorsCaught: before.caught, falseFlags: before.falseFlags, exactMatch: exactBefore },
    after: { errorsCaught: after.caught, falseFlags: after.falseFlags, exactMatch: exactAfter },
    history,
    posWeight,
    trainPositives: trainCount.pos,
    heldOutPositives: heldCountPos.pos,
    heldOutPositions: heldCountPos.all,
    stoppedBy,
    head,
  };
}

/** Plain and completion-shaped windows from files, about examplesPer100Tokens per 100 tokens, at most `cap`. */
export function collectWindows(
  files: { path: string; text: string }[],
  tok: Tokenize,
  shape: WindowShape,
  options: Pick<TrainHeadOptions, 'examplesPer100Tokens' | 'completionShare'>,
  cap: number,
  rng: Rng,
): LookbackWindow[] {
  const density = options.examplesPer100Tokens ?? 1;
  const share = options.completionShare ?? 0.5;
  const out: LookbackWindow[] = [];
  for (const file of files) {
    const ids = tok.encode(file.text.slice(0, 400_000));
    const want = Math.max(1, Math.round((ids.length / 100) * density));
    const completions = Math.round(want * share);
    out.push(...plainWindows(ids, shape, want - completions, rng));
    for (let c = 0, tries = 0; c < completions && tries < completions * 4; tries++) {
      const w = completionWindow(file.text, tok, shape, rng);
      if (w) {
        out.push(w);
        c++;
      }
    }
  }
  return shuffle(out, rng).slice(0, cap);
}

function heldOutLoss(head: HeadModel, examples: LookbackExample[], posWeight: number, checkAbort: () => void): number {
  let sum = 0, count = 0;
  for (const e of examples) {
    checkAbort();
    const { logits } = head.forward(e.hidden, 1, e.seq);
    const r = weightedBce(logits, e.labels, e.lossMask, posWeight, 1);
    sum += r.loss;
    count += r.count;
  }
  return sum / Math.max(1, count);
}

/** Fraction of wrong tokens flagged (p > tau) and of right tokens flagged, over loss positions. */
export async function flagRates(
  examples: LookbackExample[], tau: number, pWrong: (e: LookbackExample) => Promise<ArrayLike<number>>,
): Promise<{ caught: number; falseFlags: number }> {
  let wrong = 0, caught = 0, right = 0, falsely = 0;
  for (const e of examples) {
    const p = await pWrong(e);
    for (let i = 0; i < e.seq; i++) {
      if (!e.lossMask[i]) continue;
      const flagged = p[i] > tau;
      if (e.labels[i]) {
        wrong++;
        if (flagged) caught++;
      } else {
        right++;
        if (flagged) falsely++;
      }
    }
  }
  return { caught: wrong ? caught / wrong : 0, falseFlags: right ? falsely / right : 0 };
}

function copyParams(p: HeadParams): HeadParams {
  const out = {} as HeadParams;
  for (const name of PARAM_NAMES) out[name] = p[name].slice();
  return out;
}

/**
 * Writes to a temporary file in the same folder, then renames it over the target: a reader sees
 * either the old file or the whole new one, and a run cancelled before the rename leaves the old one.
 */
export function writeAtomically(target: string, bytes: Uint8Array, signal?: AbortSignal): void {
  const dir = path.dirname(path.resolve(target));
  fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(target)}.${process.pid}.${Date.now()}.tmp`);
  try {
    const fd = fs.openSync(tmp, 'w');
    try {
      fs.writeSync(fd, bytes);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    if (signal?.aborted) throw new AbortError();
    fs.renameSync(tmp, target);
  } finally {
    if (fs.existsSync(tmp)) fs.rmSync(tmp, { force: true });
  }
}

export { AbortError };
