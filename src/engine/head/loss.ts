// Binary cross-entropy on logits with a weight on the positive ("wrong") class, over a mask of
// positions (BACKPLAY.md section 3: non-mask, non-prompt positions carry loss). Most tokens the
// frozen model commits are right, so without the weight the head learns to say "right" everywhere.

import { Floats, zerosLike } from './gemm';

export interface BceResult {
  /** Sum of weighted per-position losses divided by `norm`. */
  loss: number;
  /** dLoss/dlogit per position (zero where the mask is 0). */
  grad: Floats;
  /** Positions that carried loss. */
  count: number;
}

/**
 * loss = sum_i mask_i * w_i * BCE(sigmoid(logit_i), label_i) / norm, w_i = posWeight for label 1.
 * `norm` defaults to the number of masked positions; a trainer that accumulates several sequences
 * into one step passes the batch's total count instead.
 */
export function weightedBce(
  logits: Floats, labels: Uint8Array, mask: Uint8Array, posWeight: number, norm?: number,
): BceResult {
  const grad = zerosLike(logits, logits.length);
  let count = 0;
  for (let i = 0; i < logits.length; i++) if (mask[i]) count++;
  const n = norm ?? Math.max(count, 1);
  let loss = 0;
  for (let i = 0; i < logits.length; i++) {
    if (!mask[i]) continue;
    const x = logits[i], y = labels[i] ? 1 : 0;
    const w = y ? posWeight : 1;
    // log(1 + exp(-|x|)) form: stable for large |x|.
    loss += w * (Math.max(x, 0) - x * y + Math.log1p(Math.exp(-Math.abs(x))));
    const p = x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
    grad[i] = (w * (p - y)) / n;
  }
  return { loss: loss / n, grad, count };
}
