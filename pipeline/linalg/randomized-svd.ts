/**
 * Truncated SVD by the randomized range finder (Halko, Martinsson & Tropp 2011, https://arxiv.org/abs/0909.4061,
 * Alg. 4.4 with power iterations) over any linear operator: a sparse TF-IDF matrix (LSA) or a centred dense block
 * of embeddings (PCA per cluster node). Returns the top right singular vectors. Dense blocks are row-major
 * Float64Array; orthonormalisation is Cholesky-QR, robust to rank deficiency (a dependent column becomes zero).
 */
import { addRowTimesMatrix } from './dense.js';
import { createRng } from './random.js';

/** Compressed sparse rows. */
export interface Csr {
  rows: number;
  cols: number;
  indptr: Int32Array;
  indices: Int32Array;
  values: Float64Array;
}

/** A matrix seen only through products with dense blocks. */
export interface LinearOperator {
  rows: number;
  cols: number;
  /** (rows×l) = M · D, D is cols×l row-major. */
  mul(d: Float64Array, l: number): Float64Array;
  /** (cols×l) = Mᵀ · D, D is rows×l row-major. */
  mulT(d: Float64Array, l: number): Float64Array;
}

export function csrOperator(x: Csr): LinearOperator {
  return { rows: x.rows, cols: x.cols, mul: (d, l) => mulSparseDense(x, d, l), mulT: (d, l) => mulSparseTDense(x, d, l) };
}

/** out (rows×l) = X · D, D is cols×l row-major. */
function mulSparseDense(x: Csr, d: Float64Array, l: number): Float64Array {
  const out = new Float64Array(x.rows * l);
  for (let i = 0; i < x.rows; i++) {
    const o = i * l;
    for (let p = x.indptr[i]; p < x.indptr[i + 1]; p++) {
      const v = x.values[p];
      const r = x.indices[p] * l;
      for (let c = 0; c < l; c++) out[o + c] += v * d[r + c];
    }
  }
  return out;
}

/** out (cols×l) = Xᵀ · D, D is rows×l row-major. */
function mulSparseTDense(x: Csr, d: Float64Array, l: number): Float64Array {
  const out = new Float64Array(x.cols * l);
  for (let i = 0; i < x.rows; i++) {
    const r = i * l;
    for (let p = x.indptr[i]; p < x.indptr[i + 1]; p++) {
      const v = x.values[p];
      const o = x.indices[p] * l;
      for (let c = 0; c < l; c++) out[o + c] += v * d[r + c];
    }
  }
  return out;
}

/** AᵀA for a row-major n×l block (upper triangle filled, then mirrored). */
function gram(a: Float64Array, n: number, l: number): Float64Array {
  const g = new Float64Array(l * l);
  for (let i = 0; i < n; i++) {
    const o = i * l;
    for (let p = 0; p < l; p++) {
      const v = a[o + p];
      if (v === 0) continue;
      const gp = p * l;
      for (let q = p; q < l; q++) g[gp + q] += v * a[o + q];
    }
  }
  for (let p = 0; p < l; p++) for (let q = p + 1; q < l; q++) g[q * l + p] = g[p * l + q];
  return g;
}

/** In place: A ← A·R⁻¹ where RᵀR = AᵀA; columns that are (numerically) dependent are zeroed. */
function cholQr(a: Float64Array, n: number, l: number): void {
  const g = gram(a, n, l);
  const r = new Float64Array(l * l);
  let maxDiag = 0;
  for (let p = 0; p < l; p++) maxDiag = Math.max(maxDiag, g[p * l + p]);
  const tol = maxDiag * 1e-12;
  const live = new Uint8Array(l);
  for (let j = 0; j < l; j++) {
    let s = g[j * l + j];
    for (let k = 0; k < j; k++) s -= r[k * l + j] * r[k * l + j];
    if (s <= tol) continue;
    live[j] = 1;
    const rjj = Math.sqrt(s);
    r[j * l + j] = rjj;
    for (let c = j + 1; c < l; c++) {
      let t = g[j * l + c];
      for (let k = 0; k < j; k++) t -= r[k * l + j] * r[k * l + c];
      r[j * l + c] = t / rjj;
    }
  }
  // Explicit R⁻¹ (upper triangular), then A·R⁻¹ row by row with contiguous inner loops.
  const inv = new Float64Array(l * l);
  for (let j = l - 1; j >= 0; j--) {
    if (!live[j]) continue;
    const rjj = r[j * l + j];
    inv[j * l + j] = 1 / rjj;
    for (let c = j + 1; c < l; c++) {
      if (!live[c]) continue;
      let t = 0;
      for (let k = j + 1; k <= c; k++) t += r[j * l + k] * inv[k * l + c];
      inv[j * l + c] = -t / rjj;
    }
  }
  const y = new Float64Array(l);
  for (let i = 0; i < n; i++) {
    const o = i * l;
    y.fill(0);
    for (let k = 0; k < l; k++) {
      const v = a[o + k];
      if (v === 0 || !live[k]) continue;
      const row = k * l;
      for (let j = k; j < l; j++) y[j] += v * inv[row + j];
    }
    a.set(y, o);
  }
}

function orthonormalize(a: Float64Array, n: number, l: number): void {
  cholQr(a, n, l);
  cholQr(a, n, l); // CholeskyQR2: the second pass restores orthogonality lost to conditioning.
}

/** Eigen-decomposition of a symmetric l×l matrix by cyclic Jacobi; eigenvalues descending. */
export function symmetricEigen(m: Float64Array, l: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(m);
  const v = new Float64Array(l * l);
  for (let i = 0; i < l; i++) v[i * l + i] = 1;
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    let diag = 0;
    for (let p = 0; p < l; p++) {
      diag += a[p * l + p] ** 2;
      for (let q = p + 1; q < l; q++) off += a[p * l + q] ** 2;
    }
    if (off <= 1e-26 * diag || off === 0) break;
    for (let p = 0; p < l; p++) {
      for (let q = p + 1; q < l; q++) {
        const apq = a[p * l + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q * l + q] - a[p * l + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < l; k++) {
          const akp = a[k * l + p];
          const akq = a[k * l + q];
          a[k * l + p] = c * akp - s * akq;
          a[k * l + q] = s * akp + c * akq;
        }
        for (let k = 0; k < l; k++) {
          const apk = a[p * l + k];
          const aqk = a[q * l + k];
          a[p * l + k] = c * apk - s * aqk;
          a[q * l + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < l; k++) {
          const vkp = v[k * l + p];
          const vkq = v[k * l + q];
          v[k * l + p] = c * vkp - s * vkq;
          v[k * l + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: l }, (_, i) => i).sort((i, j) => a[j * l + j] - a[i * l + i] || i - j);
  const values = new Float64Array(l);
  const vectors = new Float64Array(l * l);
  order.forEach((src, dst) => {
    values[dst] = a[src * l + src];
    for (let k = 0; k < l; k++) vectors[k * l + dst] = v[k * l + src];
  });
  return { values, vectors };
}

export interface TruncatedSvd {
  /** cols×k row-major right singular vectors (column j ↔ σ_j); zero columns where the rank ran out. */
  components: Float64Array;
  singularValues: Float64Array;
  k: number;
}

export function randomizedSvd(x: LinearOperator, k: number, opts: { oversample?: number; powerIterations?: number; seed?: number } = {}): TruncatedSvd {
  const l = Math.min(k + (opts.oversample ?? 16), x.cols);
  const rng = createRng(opts.seed ?? 42);
  const omega = new Float64Array(x.cols * l);
  for (let i = 0; i < omega.length; i++) omega[i] = rng.normal();
  let y = x.mul(omega, l);
  for (let it = 0; it < (opts.powerIterations ?? 1); it++) {
    cholQr(y, x.rows, l); // one Cholesky-QR pass is enough between power iterations; the final Q gets two
    const z = x.mulT(y, l);
    cholQr(z, x.cols, l);
    y = x.mul(z, l);
  }
  orthonormalize(y, x.rows, l);
  const bt = x.mulT(y, l); // Bᵀ = XᵀQ, cols×l
  const { values, vectors } = symmetricEigen(gram(bt, x.cols, l), l); // BBᵀ = W Λ Wᵀ
  const components = new Float64Array(x.cols * k);
  const singularValues = new Float64Array(k);
  const tol = Math.max(values[0], 0) * 1e-12;
  for (let j = 0; j < Math.min(k, l); j++) {
    const lambda = values[j];
    if (lambda > tol) singularValues[j] = Math.sqrt(lambda);
  }
  // v_j = Bᵀ w_j / σ_j, row by row (contiguous), then each column's sign fixed so its largest-magnitude entry is
  // positive: the output is deterministic.
  const scaled = new Float64Array(l * k);
  for (let c = 0; c < l; c++) for (let j = 0; j < Math.min(k, l); j++) if (singularValues[j] > 0) scaled[c * k + j] = vectors[c * l + j] / singularValues[j];
  for (let r = 0; r < x.cols; r++) addRowTimesMatrix(components, r * k, bt, r * l, l, scaled, k);
  for (let j = 0; j < k; j++) {
    let best = 0;
    for (let r = 0; r < x.cols; r++) if (Math.abs(components[r * k + j]) > Math.abs(best)) best = components[r * k + j];
    if (best < 0) for (let r = 0; r < x.cols; r++) components[r * k + j] = -components[r * k + j];
  }
  return { components, singularValues, k };
}
