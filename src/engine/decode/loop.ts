// The one denoising loop: `prefix [MASK]*n suffix`, semi-autoregressive blocks, a policy that
// commits and (on look-back steps) re-masks, cut at the first end-of-middle. Works on ids only;
// the engine turns ids into text.
import type { CorrectionHead, CorrectionSettings, FrozenModel, SlotState } from '../types';
import { seededRng } from '../rng';
import type { Policy } from './policies';
import { jsScorer, type Scorer } from './scores';

export interface SpecialIds {
  mask: number;
  eom: number;
  eot: number;
}

export interface DecodeInput {
  model: FrozenModel;
  head?: CorrectionHead;
  policy: Policy;
  special: SpecialIds;
  prefixIds: number[];
  suffixIds: number[];
  /** Canvas size n: the most tokens the completion may have. */
  slots: number;
  /** Tokens that end the completion like end-of-middle does (a one-line request: the line-break tokens). */
  endTokens?: readonly number[];
  tokensPerStep: number;
  blockLength: number;
  correction: CorrectionSettings;
  seed: number;
  signal?: AbortSignal;
  /** How logits become per-slot predictions and confidences (default: in JS). */
  scorer?: Scorer;
  /** Called after every step with the slot ids and their states (ids of flagged slots: the token that was re-masked). */
  onStep?: (step: number, ids: Int32Array, states: SlotState[]) => void;
}

export interface DecodeResult {
  /** Completion ids, cut before the first end-of-middle / end-of-text (or the first slot left masked). */
  ids: number[];
  /** Every slot holds a token and none ended the middle: the model had more to write than the canvas held. */
  filled: boolean;
  steps: number;
  forwardPasses: number;
  headCalls: number;
  remasks: number;
  modelMs: number;
  headMs: number;
  /** Turning logits into per-slot predictions (the scorer: an onnxruntime graph in the engine). */
  scoreMs: number;
}

export class AbortError extends Error {
  constructor() {
    super('completion cancelled');
    this.name = 'AbortError';
  }
}

/** Re-masking stops after this many steps per slot so that every run ends (then <= 1 more step per slot). */
const REMASK_STEPS_PER_SLOT = 2;

/**
 * The middle ends at the first open slot when the model gives end-of-middle (end-of-text, or one of
 * `endTokens`) there at least this probability. Only that slot may end it: training pads every
 * canvas after its middle, so the model predicts padding for most slots it cannot yet fill, and
 * ending the middle wherever padding was likely cut most completions after 2-3 tokens
 * (bench/tasks/heldout.jsonl, model 0.1.0).
 */
export const CLOSE_AT = 0.5;

export async function denoise(input: DecodeInput): Promise<DecodeResult> {
  const { special, slots: n, policy } = input;
  const k = Math.max(1, Math.floor(input.tokensPerStep));
  const blockLength = Math.max(1, Math.floor(input.blockLength));
  const start = input.prefixIds.length;
  const seq = start + n + input.suffixIds.length;
  const canvas = new Int32Array(seq);
  canvas.set(input.prefixIds, 0);
  canvas.fill(special.mask, start, start + n);
  canvas.set(input.suffixIds, start + n);

  const rng = seededRng(input.seed);
  const scorer = input.scorer ?? jsScorer;
  const everRemasked = new Uint8Array(n);
  const padFilled = new Uint8Array(n); // filled with eom after the middle ended: no step spent
  const tokens = { mask: special.mask, closing: [special.eom, special.eot, ...(input.endTokens ?? [])] };
  const fifo: number[] = [];
  const stride = Math.max(1, Math.floor(input.correction.stride));
  const result: DecodeResult = { ids: [], filled: false, steps: 0, forwardPasses: 0, headCalls: 0, remasks: 0, modelMs: 0, headMs: 0, scoreMs: 0 };

  const slot = (s: number) => canvas[start + s];
  const isMasked = (s: number) => canvas[start + s] === special.mask;
  const closes = (id: number) => id === special.eom || id === special.eot;
  /** Slots up to and including the first committed end-of-middle; later ones do not matter. */
  const liveEnd = () => {
    for (let s = 0; s < n; s++) if (closes(slot(s))) return s + 1;
    return n;
  };
  const firstMaskedBefore = (end: number) => {
    for (let s = 0; s < end; s++) if (isMasked(s)) return s;
    return -1;
  };

  const countingHead: CorrectionHead | undefined = input.head && {
    pWrong: async (hidden, batch, len, rows) => {
      const t0 = performance.now();
      try {
        return await input.head!.pWrong(hidden, batch, len, rows);
      } finally {
        result.headMs += performance.now() - t0;
        result.headCalls++;
      }
    },
  };

  while (n > 0) {
    const live = liveEnd();
    const firstMasked = firstMaskedBefore(live);
    if (firstMasked < 0) break;
    // Let a pending cancel message be handled before the next pass (a macrotask boundary), whatever
    // onnxruntime's promise timing is; costs microseconds.
    if (input.signal) await new Promise((resolve) => setImmediate(resolve));
    if (input.signal?.aborted) throw new AbortError();
    if (result.steps > (REMASK_STEPS_PER_SLOT + 1) * n) break; // unreachable with our policies; a guard against a hang

    const visibleBefore = Array.from({ length: n }, (_, s) => !isMasked(s) && !padFilled[s]);
    const t0 = performance.now();
    const out = await input.model.forward(canvas, 1, seq);
    result.modelMs += performance.now() - t0;
    result.forwardPasses++;
    if (out.seq !== seq) throw new Error(`model returned ${out.seq} positions for ${seq} input tokens`);

    const blockStart = Math.floor(firstMasked / blockLength) * blockLength;
    const blockEnd = Math.min(blockStart + blockLength, live);
    const maskedInBlock: number[] = [];
    for (let s = blockStart; s < blockEnd; s++) if (isMasked(s)) maskedInBlock.push(s);
    const lookBack =
      policy.remask !== undefined &&
      input.correction.maxRemask >= 1 &&
      result.steps % stride === stride - 1 &&
      result.steps < REMASK_STEPS_PER_SLOT * n;
    // Look-back candidates: generated slots the model saw (not masked) in this very pass.
    const visible: number[] = [];
    if (lookBack) for (let s = 0; s < live; s++) if (visibleBefore[s] && !fifo.includes(s)) visible.push(s);
    const t1 = performance.now();
    const scores = await scorer(out.logits, out.vocab, start, canvas.subarray(start, start + n), tokens, [...maskedInBlock, ...visible]);
    result.scoreMs += performance.now() - t1;

    let committed: number[];
    if (scores.closeProb[firstMasked] >= CLOSE_AT) {
      committed = [firstMasked];
      canvas[start + firstMasked] = special.eom;
    } else {
      // Slots the model sees as padding wait: they fill for free once the middle ends.
      const content = maskedInBlock.filter((s) => scores.confidence[s] >= scores.closeProb[s]);
      committed = policy.commit({ scores, maskedInBlock: content.length > 0 ? content : maskedInBlock, tokensPerStep: k });
      for (const s of committed) canvas[start + s] = scores.predicted[s];
    }

    let flagged: number[] = [];
    const liveNow = liveEnd(); // a committed end-of-middle may have closed the span
    const candidates = visible.filter((s) => s < liveNow);
    if (candidates.length > 0) {
      flagged = await policy.remask!({
        scores,
        candidates,
        canvasStart: start,
        hidden: out.hidden,
        seq,
        tau: input.correction.tau,
        maxRemask: Math.max(0, Math.floor(input.correction.maxRemask)),
        rng,
        head: countingHead,
      });
    }
    const flaggedIds = flagged.map((s) => slot(s));
    for (const s of flagged) {
      canvas[start + s] = special.mask;
      everRemasked[s] = 1;
      fifo.push(s);
      if (fifo.length > input.correction.fifo) fifo.shift();
    }
    result.remasks += flagged.length;

    // An end-of-middle closes the span: later slots become padding, as the model saw in training.
    const closedAt = liveEnd();
    for (let s = closedAt; s < n; s++) {
      if (isMasked(s)) {
        canvas[start + s] = special.eom;
        padFilled[s] = 1;
      }
    }
    result.steps++;

    if (input.onStep) {
      const ids = Int32Array.from(canvas.subarray(start, start + n));
      const committedNow = new Set(committed);
      const flaggedNow = new Map(flagged.map((s, i) => [s, flaggedIds[i]]));
      const states: SlotState[] = [];
      for (let s = 0; s < n; s++) {
        if (flaggedNow.has(s)) {
          ids[s] = flaggedNow.get(s)!;
          states.push('flagged');
        } else if (isMasked(s)) states.push('masked');
        else if (everRemasked[s]) states.push('rewritten');
        else states.push(committedNow.has(s) ? 'committed' : 'stable');
      }
      input.onStep(result.steps, ids, states);
    }
  }

  for (let s = 0; s < n; s++) {
    const id = slot(s);
    if (closes(id) || id === special.mask) break;
    result.ids.push(id);
  }
  result.filled = result.ids.length === n;
  return result;
}
