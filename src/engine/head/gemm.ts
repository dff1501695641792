// Row-major matrix products over typed arrays, for the head's hand-written forward and backward.
// Hand-written because no maintained JS library fits: the head is trained on the user's machine
// without PyTorch, tfjs-node needs a native download that fails here, and onnxruntime-node has no
// training API. Every product is reduced to one kernel (gemmNT) over contiguous rows.

/** Float storage of the head: float32 in production, float64 for exact gradient checks. */
export type Floats = Float32Array | Float64Array;

/** A zeroed array of the same element type as `like`. */
export function zerosLike(like: Floats, n: number): Floats {
  return like instanceof Float64Array ? new Float64Array(n) : new Float32Array(n);
}

/**
 * c[m,n] (+)= a[m,k] @ bt[n,k]^T: every output is a dot product of two contiguous rows. Blocks of
 * 4 rows of a by 2 rows of bt keep eight sums in registers, so each loaded value feeds several
 * products and nothing is stored inside the inner loop: about twice the speed of the i-p-j order
 * in V8 (measured: 3.9 vs 1.5 GFLOP/s at 200x256x64).
 */
export function gemmNT(a: Floats, bt: Floats, c: Floats, m: number, k: number, n: number, accumulate = false): void {
  const m4 = m - (m % 4), n2 = n - (n % 2);
  for (let i = 0; i < m4; i += 4) {
    const a0 = i * k, a1 = a0 + k, a2 = a1 + k, a3 = a2 + k;
    const c0 = i * n, c1 = c0 + n, c2 = c1 + n, c3 = c2 + n;
    for (let j = 0; j < n2; j += 2) {
      const b0 = j * k, b1 = b0 + k;
      let s00 = 0, s01 = 0, s10 = 0, s11 = 0, s20 = 0, s21 = 0, s30 = 0, s31 = 0;
      for (let p = 0; p < k; p++) {
        const y0 = bt[b0 + p], y1 = bt[b1 + p];
        let x = a[a0 + p];
        s00 += x * y0; s01 += x * y1;
        x = a[a1 + p];
        s10 += x * y0; s11 += x * y1;
        x = a[a2 + p];
        s20 += x * y0; s21 += x * y1;
        x = a[a3 + p];
        s30 += x * y0; s31 += x * y1;
      }
      if (accumulate) {
        c[c0 + j] += s00; c[c0 + j + 1] += s01; c[c1 + j] += s10; c[c1 + j + 1] += s11;
        c[c2 + j] += s20; c[c2 + j + 1] += s21; c[c3 + j] += s30; c[c3 + j + 1] += s31;
      } else {
        c[c0 + j] = s00; c[c0 + j + 1] = s01; c[c1 + j] = s10; c[c1 + j + 1] = s11;
        c[c2 + j] = s20; c[c2 + j + 1] = s21; c[c3 + j] = s30; c[c3 + j + 1] = s31;
      }
    }
    for (let j = n2; j < n; j++) for (let r = 0; r < 4; r++) dotInto(a, (i + r) * k, bt, j * k, k, c, (i + r) * n + j, accumulate);
  }
  for (let i = m4; i < m; i++) for (let j = 0; j < n; j++) dotInto(a, i * k, bt, j * k, k, c, i * n + j, accumulate);
}

function dotInto(a: Floats, ai: number, b: Floats, bi: number, k: number, c: Floats, ci: number, accumulate: boolean): void {
  let s = 0;
  for (let p = 0; p < k; p++) s += a[ai + p] * b[bi + p];
  c[ci] = accumulate ? c[ci] + s : s;
}

/** The [cols, rows] transpose of x[rows, cols]. */
export function transpose(x: Floats, rows: number, cols: number): Floats {
  const t = zerosLike(x, rows * cols);
  for (let i = 0; i < rows; i++) {
    const xi = i * cols;
    for (let j = 0; j < cols; j++) t[j * rows + i] = x[xi + j];
  }
  return t;
}

/** c[m,n] = a[m,k] @ b[k,n] (+ bias[n] on every row when given); overwrites c. */
export function matmul(
  a: Floats, b: Floats, c: Floats, m: number, k: number, n: number, bias?: Floats,
): void {
  gemmNT(a, transpose(b, k, n), c, m, k, n);
  if (bias) {
    for (let i = 0; i < m; i++) {
      const ci = i * n;
      for (let j = 0; j < n; j++) c[ci + j] += bias[j];
    }
  }
}

/** c[k,n] += a[m,k]^T @ b[m,n]: the weight gradient of a linear layer (a = inputs, b = output grads). */
export function matmulTransAAcc(a: Floats, b: Floats, c: Floats, m: number, k: number, n: number): void {
  gemmNT(transpose(a, m, k), transpose(b, m, n), c, k, m, n, true);
}

/** c[m,k] = a[m,n] @ b[k,n]^T: the input gradient of a linear layer (a = output grads, b = weight stored [k,n]). */
export function matmulTransB(a: Floats, b: Floats, c: Floats, m: number, n: number, k: number): void {
  gemmNT(a, b, c, m, n, k);
}

/** c[m,k] += a[m,n] @ b[k,n]^T. */
export function matmulTransBAcc(a: Floats, b: Floats, c: Floats, m: number, n: number, k: number): void {
  gemmNT(a, b, c, m, n, k, true);
}

/** out[n] += column sums of a[m,n]: the bias gradient of a linear layer. */
export function addColumnSums(a: Floats, out: Floats, m: number, n: number): void {
  for (let i = 0; i < m; i++) {
    const ai = i * n;
    for (let j = 0; j < n; j++) out[j] += a[ai + j];
  }
}
