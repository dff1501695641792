// Row-major matrix products over typed arrays, for the head's hand-written forward and backward.
// Hand-written because no maintained JS library fits: the head is trained on the user's machine
// without PyTorch, tfjs-node needs a native download that fails here, and onnxruntime-node has no
// training API. Loops run i-p-j so the innermost loop walks contiguous memory, and four values of
// p are folded into one pass so each output element is loaded and stored once per four products.

/** Float storage of the head: float32 in production, float64 for exact gradient checks. */
export type Floats = Float32Array | Float64Array;

/** A zeroed array of the same element type as `like`. */
export function zerosLike(like: Floats, n: number): Floats {
  return like instanceof Float64Array ? new Float64Array(n) : new Float32Array(n);
}

/**
 * c[m,n] = a[m,k] @ b[k,n] (+ bias[n] on every row when given); overwrites c.
 * Offsets let callers address a row block inside a larger buffer.
 */
export function matmul(
  a: Floats, b: Floats, c: Floats, m: number, k: number, n: number, bias?: Floats,
): void {
  for (let i = 0; i < m; i++) {
    const ci = i * n;
    if (bias) for (let j = 0; j < n; j++) c[ci + j] = bias[j];
    else c.fill(0, ci, ci + n);
    accumulateRow(a, i * k, b, c, ci, k, n);
  }
}

/** c[m,n] += a[m,k] @ b[k,n]. */
export function matmulAcc(a: Floats, b: Floats, c: Floats, m: number, k: number, n: number): void {
  for (let i = 0; i < m; i++) accumulateRow(a, i * k, b, c, i * n, k, n);
}

/** c[ci..ci+n) += a[ai..ai+k) @ b[k,n]. */
function accumulateRow(a: Floats, ai: number, b: Floats, c: Floats, ci: number, k: number, n: number): void {
  let p = 0;
  for (; p + 4 <= k; p += 4) {
    const a0 = a[ai + p], a1 = a[ai + p + 1], a2 = a[ai + p + 2], a3 = a[ai + p + 3];
    const b0 = p * n, b1 = b0 + n, b2 = b1 + n, b3 = b2 + n;
    for (let j = 0; j < n; j++) {
      c[ci + j] += a0 * b[b0 + j] + a1 * b[b1 + j] + a2 * b[b2 + j] + a3 * b[b3 + j];
    }
  }
  for (; p < k; p++) {
    const av = a[ai + p], bp = p * n;
    for (let j = 0; j < n; j++) c[ci + j] += av * b[bp + j];
  }
}

/** c[k,n] += a[m,k]^T @ b[m,n]: the weight gradient of a linear layer (a = inputs, b = output grads). */
export function matmulTransAAcc(a: Floats, b: Floats, c: Floats, m: number, k: number, n: number): void {
  let i = 0;
  for (; i + 4 <= m; i += 4) {
    const a0 = i * k, a1 = a0 + k, a2 = a1 + k, a3 = a2 + k;
    const b0 = i * n, b1 = b0 + n, b2 = b1 + n, b3 = b2 + n;
    for (let p = 0; p < k; p++) {
      const x0 = a[a0 + p], x1 = a[a1 + p], x2 = a[a2 + p], x3 = a[a3 + p];
      const cp = p * n;
      for (let j = 0; j < n; j++) {
        c[cp + j] += x0 * b[b0 + j] + x1 * b[b1 + j] + x2 * b[b2 + j] + x3 * b[b3 + j];
      }
    }
  }
  for (; i < m; i++) {
    const ai = i * k, bi = i * n;
    for (let p = 0; p < k; p++) {
      const x = a[ai + p], cp = p * n;
      for (let j = 0; j < n; j++) c[cp + j] += x * b[bi + j];
    }
  }
}

/**
 * c[m,k] = a[m,n] @ b[k,n]^T: the input gradient of a linear layer (a = output grads, b = weight
 * stored [k,n]). b is transposed once into a scratch buffer so the product runs in i-p-j order.
 */
export function matmulTransB(a: Floats, b: Floats, c: Floats, m: number, n: number, k: number): void {
  const bt = zerosLike(b, n * k);
  for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) bt[j * k + p] = b[p * n + j];
  matmul(a, bt, c, m, n, k);
}

/** c[m,k] += a[m,n] @ b[k,n]^T. */
export function matmulTransBAcc(a: Floats, b: Floats, c: Floats, m: number, n: number, k: number): void {
  const bt = zerosLike(b, n * k);
  for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) bt[j * k + p] = b[p * n + j];
  matmulAcc(a, bt, c, m, n, k);
}

/** out[n] += column sums of a[m,n]: the bias gradient of a linear layer. */
export function addColumnSums(a: Floats, out: Floats, m: number, n: number): void {
  for (let i = 0; i < m; i++) {
    const ai = i * n;
    for (let j = 0; j < n; j++) out[j] += a[ai + j];
  }
}
