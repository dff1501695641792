// Per-slot numbers the policies choose from, computed once per forward pass, and only for the slots
// a policy can act on this step (a softmax over a 4k vocabulary per slot is not free in JS).

const SKIP_BELOW = 18;

/** Scores the listed slots; `scoreSlots` in JS, or onnxruntime's softmax (ortScorer.ts) in the engine. */
export type Scorer = (
  logits: Float32Array,
  vocab: number,
  start: number,
  current: ArrayLike<number>,
  tokens: ScoredTokens,
  which: number[],
) => Promise<SlotScores>;

/** The token ids scoring treats apart. */
export interface ScoredTokens {
  /** Never predicted, and left out of the softmax. */
  mask: number;
  /** Tokens that end the middle (end-of-middle, end-of-text, a one-line request's line breaks): never the prediction; their summed probability is `closeProb`. */
  closing: readonly number[];
}

export const jsScorer: Scorer = async (logits, vocab, start, current, tokens, which) => scoreSlots(logits, vocab, start, current, tokens, which);

export interface SlotScores {
  /** Greedy prediction per slot among the content tokens (neither mask nor closing); -1 for slots not scored. */
  predicted: Int32Array;
  /** Softmax probability of that prediction. */
  confidence: Float32Array;
  /** Probability that the middle ends at this slot (the closing tokens' summed softmax probability). */
  closeProb: Float32Array;
  /** Softmax probability of the token currently in the slot (meaningful for committed slots). */
  currentProb: Float32Array;
}

/**
 * Reads logits [seq, vocab] (batch 1) for the slots listed in `which` (slot s is canvas position
 * start + s). `current` holds the canvas ids of all slots. The mask's logit is excluded from the
 * argmax and the softmax, so a mask is never committed and confidences are over real tokens.
 */
export function scoreSlots(
  logits: Float32Array,
  vocab: number,
  start: number,
  current: ArrayLike<number>,
  tokens: ScoredTokens,
  which: Iterable<number>,
): SlotScores {
  const slots = current.length;
  const maskId = tokens.mask;
  const predicted = new Int32Array(slots).fill(-1);
  const confidence = new Float32Array(slots);
  const closeProb = new Float32Array(slots);
  const currentProb = new Float32Array(slots);
  const closing = new Set(tokens.closing);
  for (const s of which) {
    const row = (start + s) * vocab;
    // Pass 1: max and content argmax (comparisons only). Pass 2: sum of exponentials, skipping logits
    // more than SKIP_BELOW under the max: each adds < 1.6e-8, so even 4k of them move a confidence by
    // < 7e-5, and Math.exp is most of the cost of a step outside onnxruntime.
    let best = -1;
    let max = -Infinity;
    let bestLogit = -Infinity;
    for (let v = 0; v < vocab; v++) {
      const x = logits[row + v];
      if (v === maskId) continue;
      if (x > max) max = x;
      if (x > bestLogit && !closing.has(v)) {
        bestLogit = x;
        best = v;
      }
    }
    let sum = 0;
    const floor = max - SKIP_BELOW;
    for (let v = 0; v < vocab; v++) {
      const x = logits[row + v];
      if (x > floor && v !== maskId) sum += Math.exp(x - max);
    }
    if (best < 0 || !(sum > 0) || !Number.isFinite(sum)) {
      // Every logit NaN (a broken model): the middle ends here (an empty completion), never throw.
      predicted[s] = maskId === 0 ? 1 : 0;
      closeProb[s] = 1;
      continue;
    }
    predicted[s] = best;
    confidence[s] = Math.exp(bestLogit - max) / sum;
    for (const c of closing) if (c >= 0 && c < vocab) closeProb[s] += Math.exp(logits[row + c] - max) / sum;
    const cur = current[s];
    currentProb[s] = cur === maskId || cur < 0 || cur >= vocab ? 0 : Math.exp(logits[row + cur] - max) / sum;
  }
  return { predicted, confidence, closeProb, currentProb };
}
