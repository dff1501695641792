// Adam with decoupled weight decay (AdamW) on the matrices only, and gradient clipping by global
// norm, over the head's named parameter tensors.

import { Floats } from './gemm';

export interface AdamOptions {
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** Decoupled weight decay, applied to tensors for which `decay(name)` is true. */
  weightDecay?: number;
  /** Clip the global gradient norm to this (0 or undefined: no clipping). */
  clipNorm?: number;
}

export class Adam<N extends string> {
  private readonly m = new Map<N, Floats>();
  private readonly v = new Map<N, Floats>();
  private t = 0;

  constructor(
    private readonly params: Record<N, Floats>,
    readonly options: AdamOptions,
    private readonly decay: (name: N) => boolean = () => true,
  ) {
    for (const name of Object.keys(params) as N[]) {
      const n = params[name].length;
      this.m.set(name, params[name] instanceof Float64Array ? new Float64Array(n) : new Float32Array(n));
      this.v.set(name, params[name] instanceof Float64Array ? new Float64Array(n) : new Float32Array(n));
    }
  }

  /** One update from `grads` (same names and sizes as the parameters). Returns the pre-clip norm. */
  step(grads: Record<N, Floats>, lr = this.options.lr): number {
    const { beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weightDecay = 0, clipNorm = 0 } = this.options;
    let sq = 0;
    for (const name of this.m.keys()) for (const g of grads[name]) sq += g * g;
    const norm = Math.sqrt(sq);
    const clip = clipNorm > 0 && norm > clipNorm ? clipNorm / norm : 1;
    this.t++;
    const c1 = 1 - Math.pow(beta1, this.t), c2 = 1 - Math.pow(beta2, this.t);
    for (const [name, m] of this.m) {
      const v = this.v.get(name)!, p = this.params[name], g = grads[name];
      const wd = this.decay(name) ? weightDecay * lr : 0;
      for (let i = 0; i < p.length; i++) {
        const gi = g[i] * clip;
        m[i] = beta1 * m[i] + (1 - beta1) * gi;
        v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
        p[i] -= lr * (m[i] / c1) / (Math.sqrt(v[i] / c2) + eps) + wd * p[i];
      }
    }
    return norm;
  }
}
