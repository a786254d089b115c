/**
 * Dense kernels shared by PCA and the randomized SVD. Plain JS has no SIMD; what V8 rewards is fewer loads and
 * stores per multiply, so both kernels take four input rows per pass over the output row (measured 3.2× faster
 * than the one-row loop for 512×66 blocks).
 */
type Vec = Float32Array | Float64Array;

/** out[o : o+l] += Σ_j x[xo + j] · m[j·l : j·l+l]  for j < len (a row times a len×l row-major matrix). */
export function addRowTimesMatrix(out: Float64Array, o: number, x: Vec, xo: number, len: number, m: Float64Array, l: number): void {
  let j = 0;
  for (; j + 4 <= len; j += 4) {
    const a0 = x[xo + j];
    const a1 = x[xo + j + 1];
    const a2 = x[xo + j + 2];
    const a3 = x[xo + j + 3];
    if (a0 === 0 && a1 === 0 && a2 === 0 && a3 === 0) continue;
    const m0 = j * l;
    const m1 = m0 + l;
    const m2 = m1 + l;
    const m3 = m2 + l;
    for (let c = 0; c < l; c++) out[o + c] += a0 * m[m0 + c] + a1 * m[m1 + c] + a2 * m[m2 + c] + a3 * m[m3 + c];
  }
  for (; j < len; j++) {
    const a = x[xo + j];
    if (a === 0) continue;
    const mj = j * l;
    for (let c = 0; c < l; c++) out[o + c] += a * m[mj + c];
  }
}

/**
 * out (len×l) += Σ_r x_rᵀ · y_r over the given rows: x_r is row `rows[r]` of x (width len), y_r is row r of y
 * (width l). This is Xᵀ·Y restricted to a subset of X's rows.
 */
export function addTransposedProduct(out: Float64Array, x: Vec, rows: ArrayLike<number>, len: number, y: Float64Array, l: number): void {
  let r = 0;
  for (; r + 4 <= rows.length; r += 4) {
    const x0 = rows[r] * len;
    const x1 = rows[r + 1] * len;
    const x2 = rows[r + 2] * len;
    const x3 = rows[r + 3] * len;
    const y0 = r * l;
    const y1 = y0 + l;
    const y2 = y1 + l;
    const y3 = y2 + l;
    for (let j = 0; j < len; j++) {
      const a0 = x[x0 + j];
      const a1 = x[x1 + j];
      const a2 = x[x2 + j];
      const a3 = x[x3 + j];
      const oj = j * l;
      for (let c = 0; c < l; c++) out[oj + c] += a0 * y[y0 + c] + a1 * y[y1 + c] + a2 * y[y2 + c] + a3 * y[y3 + c];
    }
  }
  for (; r < rows.length; r++) {
    const xr = rows[r] * len;
    const yr = r * l;
    for (let j = 0; j < len; j++) {
      const a = x[xr + j];
      if (a === 0) continue;
      const oj = j * l;
      for (let c = 0; c < l; c++) out[oj + c] += a * y[yr + c];
    }
  }
}
