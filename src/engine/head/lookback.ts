// Look-back Correction training examples (BACKPLAY.md section 3), made from the frozen model's own
// mistakes:
//   t  ~ U(0, 1);       x_t      = x0 with each maskable token masked with probability t
//   t' ~ U(dt, 1 - t);  x_{t+t'} = x_t with more tokens masked (consistent with x_t)
//   y  = the frozen model's argmax on x_{t+t'} (the mask token's logit excluded)
//   M  = floor(L dt) positions masked in x_{t+t'} but visible in x_t (random, or most confident)
//   z  = x_t with M overwritten by y;  h = the frozen model's hidden states on z
//   labels z_i != x0_i over the non-mask, non-prompt positions.
// Windows are either plain (every token maskable) or completion-shaped (`prefix canvas suffix`,
// as the engine lays out a completion: only the canvas is maskable; prompt tokens carry no loss).

import { FrozenModel } from '../types';
import { Rng } from './random';

export interface LookbackWindow {
  /** x0: the true token ids. */
  ids: Int32Array;
  /** 1 where a token can be masked and generated; 0 for prompt tokens (never masked, no loss). */
  maskable: Uint8Array;
}

export interface LookbackExample {
  seq: number;
  /** z itself (x_t with M placed): what the hidden states were computed on. */
  tokens: Int32Array;
  /** The frozen model's hidden states on z, [seq, hiddenSize]. */
  hidden: Float32Array;
  /** 1 where z differs from x0. */
  labels: Uint8Array;
  /** 1 where the position carries loss: maskable and not masked in z. */
  lossMask: Uint8Array;
  /** |M|, and how many of those the model got wrong. */
  placed: number;
  placedWrong: number;
}

export interface LookbackOptions {
  maskId: number;
  /**
   * The step size dt = 1/N. `steps`: N itself, for every window. `tokensPerStep`: k tokens per step
   * as the sampler commits them, so N = L/k for a window of L maskable tokens (M = k); a list draws
   * one k per window, so that one head sees the errors of several speeds. Given both, k wins.
   */
  steps?: number;
  tokensPerStep?: number | number[];
  /** How M is chosen among the candidates (the paper: random; an unofficial reading: most confident). */
  select: 'random' | 'confident';
  /**
   * What a positive label means. 'wrong' (the paper): z_i != x0_i. 'fixable': wrong AND a re-mask
   * would fix it: the model, asked again at i with M masked in z (x_t with M masked), predicts
   * x0_i. A third model call per batch. For a head that flags what a re-mask can repair.
   */
  labels?: 'wrong' | 'fixable';
  /** Windows per model call (windows of equal length are batched together). */
  batchSize: number;
  rng: Rng;
  signal?: AbortSignal;
  /** Called after each batch with the number of windows done. */
  onBatch?: (done: number, total: number) => void;
}

/** Corrupted states of one window before the model is asked. */
interface Draft {
  window: LookbackWindow;
  /** x_t as ids (mask where masked). */
  xt: Int32Array;
  /** x_{t+t'}. */
  xtt: Int32Array;
  /** Positions masked in x_{t+t'} but visible in x_t. */
  candidates: number[];
  /** |M| = max(1, floor(L dt)), L = number of maskable positions. */
  placeCount: number;
}

export class AbortError extends Error {
  constructor() {
    super('head training cancelled');
    this.name = 'AbortError';
  }
}

/** Draws x_t and x_{t+t'} for one window (no model call). */
export function corrupt(window: LookbackWindow, options: Pick<LookbackOptions, 'maskId' | 'steps' | 'tokensPerStep' | 'rng'>): Draft {
  const { maskId, rng, tokensPerStep: kOption } = options;
  const positions: number[] = [];
  for (let i = 0; i < window.ids.length; i++) if (window.maskable[i]) positions.push(i);
  const L = positions.length;
  const k = Array.isArray(kOption) ? kOption[rng.int(kOption.length)] : kOption;
  if (k === undefined && options.steps === undefined) throw new Error('look-back examples need steps or tokensPerStep');
  const dt = k !== undefined ? Math.min(1, k / Math.max(1, L)) : 1 / Math.max(1, options.steps!);
  // floor(L dt); with k given that is k itself (computed directly: L * (k/L) may round below k).
  const placeCount = k !== undefined ? Math.max(1, Math.min(k, L)) : Math.max(1, Math.floor(L * dt));
  const xt = Int32Array.from(window.ids);
  const xtt = Int32Array.from(window.ids);
  if (L === 0) return { window, xt, xtt, candidates: [], placeCount };
  // t < 1 - dt so that U(dt, 1 - t) is not empty; redraw while x_t keeps no maskable token visible
  // (nothing could be placed then), which for L >= 2 is rare.
  let candidates: number[] = [];
  for (let attempt = 0; attempt < 8 && candidates.length === 0; attempt++) {
    const t = rng.next() * (1 - dt);
    const tPrime = dt + rng.next() * (1 - t - dt);
    const moreRate = tPrime / (1 - t); // a visible token of x_t is masked with this: P(masked) = t + t'
    candidates = [];
    for (const i of positions) {
      if (rng.next() < t) {
        xt[i] = maskId;
        xtt[i] = maskId;
      } else {
        xt[i] = window.ids[i];
        if (rng.next() < moreRate) {
          xtt[i] = maskId;
          candidates.push(i);
        } else xtt[i] = window.ids[i];
      }
    }
  }
  return { window, xt, xtt, candidates, placeCount };
}

/** Argmax over the vocabulary without the mask token, and its softmax probability. */
export function predictAt(logits: Float32Array, vocab: number, row: number, maskId: number): { id: number; prob: number } {
  const base = row * vocab;
  let best = maskId === 0 ? 1 : 0;
  let bestLogit = -Infinity;
  for (let v = 0; v < vocab; v++) {
    if (v === maskId) continue;
    if (logits[base + v] > bestLogit) {
      bestLogit = logits[base + v];
      best = v;
    }
  }
  let sum = 0;
  for (let v = 0; v < vocab; v++) if (v !== maskId) sum += Math.exp(logits[base + v] - bestLogit);
  return { id: best, prob: sum > 0 && Number.isFinite(sum) ? 1 / sum : 0 };
}

/**
 * Makes one example per window, with two batched model calls per batch of equal-length windows:
 * one on x_{t+t'} (predictions y), one on z (hidden states h).
 */
export async function makeLookbackExamples(
  model: FrozenModel,
  windows: LookbackWindow[],
  options: LookbackOptions,
): Promise<LookbackExample[]> {
  const drafts = windows.map((w) => corrupt(w, options));
  // Group by length so that every model call is one rectangular batch.
  const byLength = new Map<number, Draft[]>();
  for (const d of drafts) {
    const list = byLength.get(d.window.ids.length) ?? [];
    list.push(d);
    byLength.set(d.window.ids.length, list);
  }
  const examples: LookbackExample[] = [];
  let done = 0;
  for (const [seq, group] of byLength) {
    for (let b0 = 0; b0 < group.length; b0 += options.batchSize) {
      if (options.signal?.aborted) throw new AbortError();
      const batch = group.slice(b0, b0 + options.batchSize);
      examples.push(...(await makeBatch(model, batch, seq, options)));
      done += batch.length;
      options.onBatch?.(done, drafts.length);
    }
  }
  return examples;
}

async function makeBatch(model: FrozenModel, batch: Draft[], seq: number, options: LookbackOptions): Promise<LookbackExample[]> {
  const { maskId, rng } = options;
  const B = batch.length;
  const ids = new Int32Array(B * seq);
  batch.forEach((d, b) => ids.set(d.xtt, b * seq));
  const first = await model.forward(ids, B, seq);

  const zs = batch.map((d, b) => {
    const z = Int32Array.from(d.xt);
    const predictions = d.candidates.map((i) => ({ i, ...predictAt(first.logits, first.vocab, b * seq + i, maskId) }));
    if (options.select === 'confident') predictions.sort((a, c) => c.prob - a.prob);
    else shuffleInPlace(predictions, rng);
    const placed = predictions.slice(0, Math.min(d.placeCount, predictions.length));
    for (const p of placed) z[p.i] = p.id;
    return { z, placed };
  });

  ids.fill(0);
  zs.forEach(({ z }, b) => ids.set(z, b * seq));
  const second = await model.forward(ids, B, seq);
  const d = second.hiddenSize;

  // 'fixable': the model's second guess at M, with M masked again in z (that is x_t with M masked).
  const secondGuess = new Map<number, number>(); // b * seq + i -> id
  if (options.labels === 'fixable') {
    zs.forEach(({ z, placed }, b) => {
      const again = Int32Array.from(z);
      for (const p of placed) again[p.i] = maskId;
      ids.set(again, b * seq);
    });
    const third = await model.forward(ids, B, seq);
    zs.forEach(({ placed }, b) => {
      for (const p of placed) secondGuess.set(b * seq + p.i, predictAt(third.logits, third.vocab, b * seq + p.i, maskId).id);
    });
  }

  return batch.map((draft, b) => {
    const { z, placed } = zs[b];
    const labels = new Uint8Array(seq);
    const lossMask = new Uint8Array(seq);
    for (let i = 0; i < seq; i++) {
      if (!draft.window.maskable[i] || z[i] === maskId) continue;
      lossMask[i] = 1;
      const wrong = z[i] !== draft.window.ids[i];
      labels[i] = wrong && (options.labels !== 'fixable' || secondGuess.get(b * seq + i) === draft.window.ids[i]) ? 1 : 0;
    }
    return {
      seq,
      tokens: z,
      hidden: second.hidden.slice(b * seq * d, (b + 1) * seq * d),
      labels,
      lossMask,
      placed: placed.length,
      placedWrong: placed.filter((p) => p.id !== draft.window.ids[p.i]).length,
    };
  });
}

function shuffleInPlace<T>(items: T[], rng: Rng): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [items[i], items[j]] = [items[j], items[i]];
  }
}

// ---- Windows from source files -------------------------------------------------------------

export interface WindowShape {
  /** Plain windows: this many tokens, all maskable. */
  plainLength: number;
  /** Completion windows: canvas slots (the engine's maxNewTokens), holding the middle then eom pads. */
  canvasSlots: number;
  /** Completion windows: at most this many prefix and suffix tokens around the canvas. */
  prefixTokens: number;
  suffixTokens: number;
  eomId: number;
}

export interface Tokenize {
  encode(text: string): number[];
}

/** Plain windows: consecutive slices of the file's tokens, `count` of them at random offsets. */
export function plainWindows(ids: number[], shape: WindowShape, count: number, rng: Rng): LookbackWindow[] {
  const L = shape.plainLength;
  if (ids.length < L) return ids.length >= 8 ? [{ ids: Int32Array.from(ids), maskable: new Uint8Array(ids.length).fill(1) }] : [];
  const out: LookbackWindow[] = [];
  for (let c = 0; c < count; c++) {
    const start = rng.int(ids.length - L + 1);
    out.push({ ids: Int32Array.from(ids.slice(start, start + L)), maskable: new Uint8Array(L).fill(1) });
  }
  return out;
}

/**
 * A completion-shaped window at a random cursor in `text`: the middle is the rest of the line or
 * the next 1-3 lines (as completions are asked for), cut to the canvas, followed by eom pads; prefix
 * and suffix are encoded separately, as the engine encodes them. Undefined when there is no middle.
 */
export function completionWindow(text: string, tok: Tokenize, shape: WindowShape, rng: Rng): LookbackWindow | undefined {
  if (text.length < 2) return undefined;
  const cursor = rng.int(text.length - 1);
  const n = shape.canvasSlots;
  // The middle must fit the canvas whole (the suffix starts right after it): fewer lines if not.
  let middleIds: number[] = [];
  let end = cursor;
  for (let lines = rng.next() < 0.5 ? 1 : 1 + rng.int(3); lines >= 1; lines--) {
    end = lineEnd(text, cursor, lines);
    middleIds = tok.encode(text.slice(cursor, end));
    if (middleIds.length <= n) break;
  }
  if (middleIds.length === 0 || middleIds.length > n) return undefined;
  const prefixIds = encodeEnd(tok, text.slice(0, cursor), shape.prefixTokens);
  const suffixIds = encodeStart(tok, text.slice(end), shape.suffixTokens);
  const seq = prefixIds.length + n + suffixIds.length;
  const ids = new Int32Array(seq);
  ids.set(prefixIds, 0);
  ids.fill(shape.eomId, prefixIds.length, prefixIds.length + n);
  ids.set(middleIds, prefixIds.length);
  ids.set(suffixIds, prefixIds.length + n);
  const maskable = new Uint8Array(seq);
  maskable.fill(1, prefixIds.length, prefixIds.length + n);
  return { ids, maskable };
}

/** Where the `lines`-th line break at or after `from` is (the break itself stays in the suffix). */
function lineEnd(text: string, from: number, lines: number): number {
  let end = from;
  for (let l = 0; l < lines; l++) {
    const nl = text.indexOf('\n', l === 0 ? end : end + 1);
    if (nl < 0) return text.length;
    end = nl;
  }
  return end;
}

/** The last `keep` tokens of a text, encoding only its end (a cut slice's first token is dropped). */
function encodeEnd(tok: Tokenize, text: string, keep: number): number[] {
  if (keep <= 0 || text.length === 0) return [];
  const chars = keep * 10;
  if (chars >= text.length) return tok.encode(text).slice(-keep);
  return tok.encode(text.slice(text.length - chars)).slice(1).slice(-keep);
}

/** The first `keep` tokens of a text, encoding only its start (a cut slice's last token is dropped). */
function encodeStart(tok: Tokenize, text: string, keep: number): number[] {
  if (keep <= 0 || text.length === 0) return [];
  const chars = keep * 10;
  if (chars >= text.length) return tok.encode(text).slice(0, keep);
  return tok.encode(text.slice(0, chars)).slice(0, -1).slice(0, keep);
}
