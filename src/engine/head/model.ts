// The correction head (BACKPLAY.md section 2): reads the frozen model's hidden states [batch, seq, d]
// and outputs one logit of P(wrong) per position. Shape: LayerNorm over d (the frozen model's hidden
// scale is unknown), a projection d -> width of the position's own state AND of its left
// neighbour's (our model predicts the token at i from position i-1, Dream-style, so the belief about
// token i lives at i-1, and the head has no positions of its own to find it), ONE pre-LN
// bidirectional transformer block
// (self-attention + GELU MLP), a final LayerNorm and a linear layer to one logit.
// Forward and backward are written by hand over typed arrays (why: see gemm.ts). The same code runs
// in float64 for exact gradient checks; production uses float32.

import {
  Floats, addColumnSums, gemmNT, matmul, matmulTransAAcc, matmulTransB, matmulTransBAcc, transpose, zerosLike,
} from './gemm';
import { Rng } from './random';

export interface HeadConfig {
  /** The frozen model's hidden size d. */
  inputSize: number;
  /** Width of the head's transformer block. */
  width: number;
  numHeads: number;
  /** Hidden width of the block's MLP. */
  mlpWidth: number;
}

/** Small enough that a look-back step costs a few percent of a model forward pass. */
export const DEFAULT_HEAD_SHAPE = { width: 64, numHeads: 4, mlpWidth: 256 } as const;

export const LN_EPS = 1e-5;
/** tanh approximation of GELU: the ONNX export uses the same formula, so both agree exactly. */
const GELU_C = Math.sqrt(2 / Math.PI);
const GELU_A = 0.044715;

export const PARAM_NAMES = [
  'ln0.gamma', 'ln0.beta', 'in.weight', 'in.wprev', 'in.bias',
  'ln1.gamma', 'ln1.beta',
  'attn.wq', 'attn.bq', 'attn.wk', 'attn.bk', 'attn.wv', 'attn.bv', 'attn.wo', 'attn.bo',
  'ln2.gamma', 'ln2.beta', 'mlp.w1', 'mlp.b1', 'mlp.w2', 'mlp.b2',
  'lnf.gamma', 'lnf.beta', 'out.weight', 'out.bias',
] as const;
export type ParamName = (typeof PARAM_NAMES)[number];
export type HeadParams = Record<ParamName, Floats>;

/** Shapes of every parameter tensor; matrices are stored [in, out] row-major (x @ W). */
export function paramShapes(c: HeadConfig): Record<ParamName, number[]> {
  const { inputSize: d, width: w, mlpWidth: f } = c;
  return {
    'ln0.gamma': [d], 'ln0.beta': [d], 'in.weight': [d, w], 'in.wprev': [d, w], 'in.bias': [w],
    'ln1.gamma': [w], 'ln1.beta': [w],
    'attn.wq': [w, w], 'attn.bq': [w], 'attn.wk': [w, w], 'attn.bk': [w],
    'attn.wv': [w, w], 'attn.bv': [w], 'attn.wo': [w, w], 'attn.bo': [w],
    'ln2.gamma': [w], 'ln2.beta': [w], 'mlp.w1': [w, f], 'mlp.b1': [f], 'mlp.w2': [f, w], 'mlp.b2': [w],
    'lnf.gamma': [w], 'lnf.beta': [w], 'out.weight': [w, 1], 'out.bias': [1],
  };
}

export function validateConfig(c: HeadConfig): void {
  for (const [k, v] of Object.entries(c)) {
    if (!Number.isInteger(v) || v <= 0) throw new Error(`head config: ${k} must be a positive integer, got ${v}`);
  }
  if (c.width % c.numHeads !== 0) throw new Error(`head config: width ${c.width} is not divisible by numHeads ${c.numHeads}`);
}

/** Zeroed tensors of every parameter's shape (gradients, Adam moments). */
export function zeroParams(c: HeadConfig, dtype: 'float32' | 'float64' = 'float32'): HeadParams {
  const shapes = paramShapes(c);
  const out = {} as HeadParams;
  for (const name of PARAM_NAMES) {
    const n = shapes[name].reduce((a, b) => a * b, 1);
    out[name] = dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
  }
  return out;
}

/**
 * Fresh weights: LayerNorm gains 1, matrices N(0, 1/fan_in), the residual outputs scaled down so
 * the block starts close to identity, the output bias at a low prior of P(wrong) (most tokens are right).
 */
export function initParams(c: HeadConfig, rng: Rng, dtype: 'float32' | 'float64' = 'float32'): HeadParams {
  validateConfig(c);
  const p = zeroParams(c, dtype);
  const shapes = paramShapes(c);
  for (const name of PARAM_NAMES) {
    const shape = shapes[name];
    if (name.endsWith('gamma')) p[name].fill(1);
    else if (shape.length === 2) {
      let std = 1 / Math.sqrt(shape[0]);
      if (name === 'attn.wo' || name === 'mlp.w2') std *= 0.5;
      if (name === 'out.weight') std *= 0.1;
      for (let i = 0; i < p[name].length; i++) p[name][i] = rng.normal() * std;
    }
  }
  p['out.bias'][0] = -2;
  return p;
}

/** Everything the backward pass needs from a forward pass. */
export interface ForwardCache {
  batch: number;
  seq: number;
  input: Floats;
  xhat0: Floats; rstd0: Floats; n0: Floats; n0prev: Floats;
  h0: Floats; xhat1: Floats; rstd1: Floats; a: Floats;
  q: Floats; k: Floats; v: Floats; probs: Floats; ctx: Floats;
  h1: Floats; xhat2: Floats; rstd2: Floats; m: Floats;
  u: Floats; g: Floats;
  h2: Floats; xhatf: Floats; rstdf: Floats; fo: Floats;
}

export class HeadModel {
  constructor(readonly config: HeadConfig, readonly params: HeadParams) {
    validateConfig(config);
    const shapes = paramShapes(config);
    for (const name of PARAM_NAMES) {
      const n = shapes[name].reduce((a, b) => a * b, 1);
      if (!params[name] || params[name].length !== n) {
        throw new Error(`head parameter ${name}: expected ${n} values, got ${params[name]?.length}`);
      }
    }
  }

  static create(config: HeadConfig, rng: Rng, dtype: 'float32' | 'float64' = 'float32'): HeadModel {
    return new HeadModel(config, initParams(config, rng, dtype));
  }

  parameterCount(): number {
    return PARAM_NAMES.reduce((s, n) => s + this.params[n].length, 0);
  }

  /** P(wrong) per position, [batch, seq]. */
  pWrong(hidden: Floats, batch: number, seq: number): Floats {
    const { logits } = this.forward(hidden, batch, seq);
    for (let i = 0; i < logits.length; i++) logits[i] = sigmoid(logits[i]);
    return logits;
  }

  /** Logits [batch*seq] and the cache for backward. `hidden` is [batch, seq, inputSize]. */
  forward(hidden: Floats, batch: number, seq: number): { logits: Floats; cache: ForwardCache } {
    const { inputSize: d, width: w, mlpWidth: f } = this.config;
    const P = this.params;
    const R = batch * seq;
    if (hidden.length !== R * d) {
      throw new Error(`head input: expected ${batch}x${seq}x${d} = ${R * d} values, got ${hidden.length}`);
    }
    const like = P['in.weight'];
    const z = (n: number): Floats => zerosLike(like, n);
    // The input may be float32 while the head runs in float64 (gradient checks): convert once.
    const input = hidden.constructor === like.constructor ? hidden : copyAs(like, hidden);

    const xhat0 = z(R * d), rstd0 = z(R), n0 = z(R * d);
    layerNorm(input, P['ln0.gamma'], P['ln0.beta'], n0, xhat0, rstd0, R, d);
    const h0 = z(R * w);
    matmul(n0, P['in.weight'], h0, R, d, w, P['in.bias']);
    const n0prev = shiftRight(n0, batch, seq, d);
    const hPrev = z(R * w);
    matmul(n0prev, P['in.wprev'], hPrev, R, d, w);
    for (let i = 0; i < h0.length; i++) h0[i] += hPrev[i];

    const xhat1 = z(R * w), rstd1 = z(R), a = z(R * w);
    layerNorm(h0, P['ln1.gamma'], P['ln1.beta'], a, xhat1, rstd1, R, w);
    const q = z(R * w), k = z(R * w), v = z(R * w);
    matmul(a, P['attn.wq'], q, R, w, w, P['attn.bq']);
    matmul(a, P['attn.wk'], k, R, w, w, P['attn.bk']);
    matmul(a, P['attn.wv'], v, R, w, w, P['attn.bv']);
    const probs = z(batch * this.config.numHeads * seq * seq), ctx = z(R * w);
    this.attentionForward(q, k, v, probs, ctx, batch, seq);
    const h1 = z(R * w);
    matmul(ctx, P['attn.wo'], h1, R, w, w, P['attn.bo']);
    for (let i = 0; i < h1.length; i++) h1[i] += h0[i];

    const xhat2 = z(R * w), rstd2 = z(R), m = z(R * w);
    layerNorm(h1, P['ln2.gamma'], P['ln2.beta'], m, xhat2, rstd2, R, w);
    const u = z(R * f), g = z(R * f);
    matmul(m, P['mlp.w1'], u, R, w, f, P['mlp.b1']);
    for (let i = 0; i < u.length; i++) g[i] = gelu(u[i]);
    const h2 = z(R * w);
    matmul(g, P['mlp.w2'], h2, R, f, w, P['mlp.b2']);
    for (let i = 0; i < h2.length; i++) h2[i] += h1[i];

    const xhatf = z(R * w), rstdf = z(R), fo = z(R * w);
    layerNorm(h2, P['lnf.gamma'], P['lnf.beta'], fo, xhatf, rstdf, R, w);
    const logits = z(R);
    matmul(fo, P['out.weight'], logits, R, w, 1, P['out.bias']);

    return {
      logits,
      cache: {
        batch, seq, input, xhat0, rstd0, n0, n0prev, h0, xhat1, rstd1, a, q, k, v, probs, ctx,
        h1, xhat2, rstd2, m, u, g, h2, xhatf, rstdf, fo,
      },
    };
  }

  /**
   * Adds the gradients of the loss to `grads`, given dLoss/dlogits [batch*seq]. Returns
   * dLoss/dhidden only when `wantInputGrad` (the trainer never needs it; the gradient check does).
   */
  backward(cache: ForwardCache, dLogits: Floats, grads: HeadParams, wantInputGrad = false): Floats | undefined {
    const { inputSize: d, width: w, mlpWidth: f } = this.config;
    const P = this.params;
    const { batch, seq } = cache;
    const R = batch * seq;
    const z = (n: number): Floats => zerosLike(P['in.weight'], n);

    matmulTransAAcc(cache.fo, dLogits, grads['out.weight'], R, w, 1);
    addColumnSums(dLogits, grads['out.bias'], R, 1);
    const dfo = z(R * w);
    const wout = P['out.weight'];
    for (let r = 0; r < R; r++) {
      const g = dLogits[r];
      for (let c = 0; c < w; c++) dfo[r * w + c] = g * wout[c];
    }
    const dh2 = z(R * w);
    layerNormBackward(dfo, cache.xhatf, cache.rstdf, P['lnf.gamma'], grads['lnf.gamma'], grads['lnf.beta'], dh2, R, w);

    // MLP branch: h2 = h1 + gelu(m @ w1 + b1) @ w2 + b2.
    matmulTransAAcc(cache.g, dh2, grads['mlp.w2'], R, f, w);
    addColumnSums(dh2, grads['mlp.b2'], R, w);
    const du = z(R * f);
    matmulTransB(dh2, P['mlp.w2'], du, R, w, f);
    for (let i = 0; i < du.length; i++) du[i] *= geluGrad(cache.u[i]);
    matmulTransAAcc(cache.m, du, grads['mlp.w1'], R, w, f);
    addColumnSums(du, grads['mlp.b1'], R, f);
    const dm = z(R * w);
    matmulTransB(du, P['mlp.w1'], dm, R, f, w);
    const dh1 = dh2; // the residual passes dh2 through; LN2's input gradient is added to it
    layerNormBackward(dm, cache.xhat2, cache.rstd2, P['ln2.gamma'], grads['ln2.gamma'], grads['ln2.beta'], dh1, R, w, true);

    // Attention branch: h1 = h0 + attention(a) @ wo + bo.
    matmulTransAAcc(cache.ctx, dh1, grads['attn.wo'], R, w, w);
    addColumnSums(dh1, grads['attn.bo'], R, w);
    const dctx = z(R * w);
    matmulTransB(dh1, P['attn.wo'], dctx, R, w, w);
    const dq = z(R * w), dk = z(R * w), dv = z(R * w);
    this.attentionBackward(cache, dctx, dq, dk, dv);
    const da = z(R * w);
    for (const [dx, wName, bName] of [
      [dq, 'attn.wq', 'attn.bq'], [dk, 'attn.wk', 'attn.bk'], [dv, 'attn.wv', 'attn.bv'],
    ] as const) {
      matmulTransAAcc(cache.a, dx, grads[wName], R, w, w);
      addColumnSums(dx, grads[bName], R, w);
      matmulTransBAcc(dx, P[wName], da, R, w, w);
    }
    const dh0 = dh1;
    layerNormBackward(da, cache.xhat1, cache.rstd1, P['ln1.gamma'], grads['ln1.gamma'], grads['ln1.beta'], dh0, R, w, true);

    // Input projection and the input LayerNorm.
    matmulTransAAcc(cache.n0, dh0, grads['in.weight'], R, d, w);
    addColumnSums(dh0, grads['in.bias'], R, w);
    const dn0 = z(R * d);
    matmulTransB(dh0, P['in.weight'], dn0, R, w, d);
    matmulTransAAcc(cache.n0prev, dh0, grads['in.wprev'], R, d, w);
    const dPrev = z(R * d);
    matmulTransB(dh0, P['in.wprev'], dPrev, R, w, d);
    addShiftedLeft(dPrev, dn0, batch, seq, d);
    // LN0's parameter gradients are always needed; its input gradient only on request.
    const dInput = z(R * d);
    layerNormBackward(dn0, cache.xhat0, cache.rstd0, P['ln0.gamma'], grads['ln0.gamma'], grads['ln0.beta'], dInput, R, d);
    return wantInputGrad ? dInput : undefined;
  }

  // Attention runs per (sequence, head) on contiguous copies of that head's columns, so that every
  // product goes through gemmNT with long inner loops.

  private attentionForward(q: Floats, k: Floats, v: Floats, probs: Floats, ctx: Floats, batch: number, seq: number): void {
    const { width: w, numHeads: H } = this.config;
    const dh = w / H;
    const scale = 1 / Math.sqrt(dh);
    const ctxH = zerosLike(q, seq * dh);
    for (let b = 0; b < batch; b++) {
      for (let h = 0; h < H; h++) {
        const qh = gatherHead(q, b, h, seq, w, dh), kh = gatherHead(k, b, h, seq, w, dh);
        const vhT = transpose(gatherHead(v, b, h, seq, w, dh), seq, dh);
        const base = (b * H + h) * seq * seq;
        const scores = probs.subarray(base, base + seq * seq);
        gemmNT(qh, kh, scores, seq, dh, seq);
        for (let i = 0; i < seq; i++) {
          const row = i * seq;
          let max = -Infinity;
          for (let j = 0; j < seq; j++) {
            const x = scores[row + j] * scale;
            scores[row + j] = x;
            if (x > max) max = x;
          }
          let sum = 0;
          for (let j = 0; j < seq; j++) {
            const e = Math.exp(scores[row + j] - max);
            scores[row + j] = e;
            sum += e;
          }
          const inv = 1 / sum;
          for (let j = 0; j < seq; j++) scores[row + j] *= inv;
        }
        gemmNT(scores, vhT, ctxH, seq, seq, dh);
        scatterHead(ctxH, ctx, b, h, seq, w, dh);
      }
    }
  }

  private attentionBackward(cache: ForwardCache, dctx: Floats, dq: Floats, dk: Floats, dv: Floats): void {
    const { width: w, numHeads: H } = this.config;
    const { batch, seq, q, k, v, probs } = cache;
    const dh = w / H;
    const scale = 1 / Math.sqrt(dh);
    const out = zerosLike(q, seq * dh);
    const ds = zerosLike(q, seq * seq);
    for (let b = 0; b < batch; b++) {
      for (let h = 0; h < H; h++) {
        const base = (b * H + h) * seq * seq;
        const P = probs.subarray(base, base + seq * seq);
        const dctxH = gatherHead(dctx, b, h, seq, w, dh);
        // dP = dctx V^T, then the softmax backward and the 1/sqrt(dh) scale: dS.
        gemmNT(dctxH, gatherHead(v, b, h, seq, w, dh), ds, seq, dh, seq);
        for (let i = 0; i < seq; i++) {
          const row = i * seq;
          let dot = 0;
          for (let j = 0; j < seq; j++) dot += ds[row + j] * P[row + j];
          for (let j = 0; j < seq; j++) ds[row + j] = P[row + j] * (ds[row + j] - dot) * scale;
        }
        // dV = P^T dctx; dQ = dS K; dK = dS^T Q.
        const dctxT = transpose(dctxH, seq, dh);
        gemmNT(transpose(P, seq, seq), dctxT, out, seq, seq, dh);
        scatterHead(out, dv, b, h, seq, w, dh);
        gemmNT(ds, transpose(gatherHead(k, b, h, seq, w, dh), seq, dh), out, seq, seq, dh);
        scatterHead(out, dq, b, h, seq, w, dh);
        gemmNT(transpose(ds, seq, seq), transpose(gatherHead(q, b, h, seq, w, dh), seq, dh), out, seq, seq, dh);
        scatterHead(out, dk, b, h, seq, w, dh);
      }
    }
  }
}

/** Row i of each sequence gets row i-1 (row 0 keeps its own): x [batch*seq, n]. */
function shiftRight(x: Floats, batch: number, seq: number, n: number): Floats {
  const out = zerosLike(x, x.length);
  for (let b = 0; b < batch; b++) {
    const o = b * seq * n;
    if (seq > 0) out.set(x.subarray(o, o + n), o);
    if (seq > 1) out.set(x.subarray(o, o + (seq - 1) * n), o + n);
  }
  return out;
}

/** The backward of shiftRight: adds the gradient of row i (i >= 1) to row i-1, of row 0 to row 0. */
function addShiftedLeft(dShifted: Floats, dx: Floats, batch: number, seq: number, n: number): void {
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < seq; i++) {
      const src = (b * seq + i) * n, dst = (b * seq + Math.max(0, i - 1)) * n;
      for (let j = 0; j < n; j++) dx[dst + j] += dShifted[src + j];
    }
  }
}

/** Head h's columns of sequence b of x [batch*seq, w], as a contiguous [seq, dh]. */
function gatherHead(x: Floats, b: number, h: number, seq: number, w: number, dh: number): Floats {
  const out = zerosLike(x, seq * dh);
  for (let i = 0; i < seq; i++) {
    const src = (b * seq + i) * w + h * dh;
    for (let c = 0; c < dh; c++) out[i * dh + c] = x[src + c];
  }
  return out;
}

/** Writes a [seq, dh] block back into head h's columns of sequence b (overwrites). */
function scatterHead(block: Floats, x: Floats, b: number, h: number, seq: number, w: number, dh: number): void {
  for (let i = 0; i < seq; i++) {
    const dst = (b * seq + i) * w + h * dh;
    for (let c = 0; c < dh; c++) x[dst + c] = block[i * dh + c];
  }
}

export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

export function gelu(x: number): number {
  return 0.5 * x * (1 + Math.tanh(GELU_C * (x + GELU_A * x * x * x)));
}

function geluGrad(x: number): number {
  const t = Math.tanh(GELU_C * (x + GELU_A * x * x * x));
  return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * GELU_C * (1 + 3 * GELU_A * x * x);
}

function copyAs(like: Floats, src: Floats): Floats {
  const out = zerosLike(like, src.length);
  out.set(src);
  return out;
}

/** y = gamma * (x - mean) / sqrt(var + eps) + beta over rows of n; keeps xhat and 1/std for backward. */
function layerNorm(x: Floats, gamma: Floats, beta: Floats, y: Floats, xhat: Floats, rstd: Floats, rows: number, n: number): void {
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    let mean = 0;
    for (let j = 0; j < n; j++) mean += x[o + j];
    mean /= n;
    let vr = 0;
    for (let j = 0; j < n; j++) {
      const c = x[o + j] - mean;
      vr += c * c;
    }
    const rs = 1 / Math.sqrt(vr / n + LN_EPS);
    rstd[r] = rs;
    for (let j = 0; j < n; j++) {
      const xh = (x[o + j] - mean) * rs;
      xhat[o + j] = xh;
      y[o + j] = gamma[j] * xh + beta[j];
    }
  }
}

/** Adds gamma/beta gradients; writes (or adds, when `accumulate`) the input gradient into dx. */
function layerNormBackward(
  dy: Floats, xhat: Floats, rstd: Floats, gamma: Floats, dgamma: Floats, dbeta: Floats,
  dx: Floats, rows: number, n: number, accumulate = false,
): void {
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    let sumD = 0, sumDX = 0;
    for (let j = 0; j < n; j++) {
      const g = dy[o + j];
      dgamma[j] += g * xhat[o + j];
      dbeta[j] += g;
      const dxh = g * gamma[j];
      sumD += dxh;
      sumDX += dxh * xhat[o + j];
    }
    const mD = sumD / n, mDX = sumDX / n, rs = rstd[r];
    for (let j = 0; j < n; j++) {
      const val = rs * (dy[o + j] * gamma[j] - mD - xhat[o + j] * mDX);
      dx[o + j] = accumulate ? dx[o + j] + val : val;
    }
  }
}
