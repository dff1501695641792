// Per-slot numbers the policies choose from, computed once per forward pass over the canvas slots only.

export interface SlotScores {
  /** Greedy prediction per slot (the mask token is never predicted). */
  predicted: Int32Array;
  /** Softmax probability of that prediction. */
  confidence: Float32Array;
  /** Softmax probability of the token currently in the slot (meaningful for committed slots). */
  currentProb: Float32Array;
}

/**
 * Reads logits [seq, vocab] (batch 1) at canvas positions start..start+slots-1.
 * `current` holds the canvas ids of those slots; `maskId`'s logit is excluded from the argmax
 * and from the softmax, so a mask is never committed and confidences are over real tokens.
 */
export function scoreSlots(
  logits: Float32Array,
  vocab: number,
  start: number,
  current: ArrayLike<number>,
  maskId: number,
): SlotScores {
  const slots = current.length;
  const predicted = new Int32Array(slots);
  const confidence = new Float32Array(slots);
  const currentProb = new Float32Array(slots);
  for (let s = 0; s < slots; s++) {
    const row = (start + s) * vocab;
    let best = -1;
    let bestLogit = -Infinity;
    for (let v = 0; v < vocab; v++) {
      if (v === maskId) continue;
      const x = logits[row + v];
      if (x > bestLogit) {
        bestLogit = x;
        best = v;
      }
    }
    if (best < 0) {
      // Every logit NaN (a broken model): predict end-of-text with zero confidence, never throw.
      best = maskId === 0 ? 1 : 0;
      bestLogit = 0;
    }
    let sum = 0;
    for (let v = 0; v < vocab; v++) if (v !== maskId) sum += Math.exp(logits[row + v] - bestLogit);
    predicted[s] = best;
    confidence[s] = Number.isFinite(sum) && sum > 0 ? 1 / sum : 0;
    const cur = current[s];
    currentProb[s] = cur === maskId || cur < 0 || cur >= vocab ? 0 : Math.exp(logits[row + cur] - bestLogit) / sum;
  }
  return { predicted, confidence, currentProb };
}
