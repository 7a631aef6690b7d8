/**
 * The few dense linear-algebra kernels lib/nn needs, in float64 on plain arrays: small symmetric
 * eigenproblems (PCA's Rayleigh–Ritz step), Gram–Schmidt orthonormalisation and Cholesky solves
 * (score compression). Sizes here are tens to a few hundred, so O(n³) loops are fine.
 */
import { symmetricEigen as jacobiEigen } from '../sampling/linalg.ts';

/** Orthonormalises the `cols` columns of the row-major rows×cols matrix in place (modified Gram–Schmidt). */
export function orthonormalizeColumns(a: Float64Array, rows: number, cols: number): void {
  for (let j = 0; j < cols; j++) {
    for (let k = 0; k < j; k++) {
      let dot = 0;
      for (let i = 0; i < rows; i++) dot += a[i * cols + j] * a[i * cols + k];
      for (let i = 0; i < rows; i++) a[i * cols + j] -= dot * a[i * cols + k];
    }
    let norm = 0;
    for (let i = 0; i < rows; i++) norm += a[i * cols + j] ** 2;
    norm = Math.sqrt(norm);
    // A rank-deficient column stays zero rather than becoming noise.
    const scale = norm > 1e-300 ? 1 / norm : 0;
    for (let i = 0; i < rows; i++) a[i * cols + j] *= scale;
  }
}

export interface SymmetricEigen {
  /** Eigenvalues, largest first. */
  values: number[];
  /** vectors[k] is the unit eigenvector of values[k]; its largest-magnitude entry is positive. */
  vectors: number[][];
}

/** Eigen-decomposition of a symmetric n×n matrix (row-major), sorted and sign-fixed for PCA. */
export function symmetricEigen(matrix: ArrayLike<number>, n: number): SymmetricEigen {
  const { values, vectors: v } = jacobiEigen(Float64Array.from(matrix), n);
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => values[j]! - values[i]!);
  return {
    values: order.map((i) => values[i]!),
    vectors: order.map((i) => {
      const vec = Array.from({ length: n }, (_, k) => v[k * n + i]);
      const pivot = vec.reduce((best, x) => (Math.abs(x) > Math.abs(best) ? x : best), 0);
      return pivot < 0 ? vec.map((x) => -x) : vec;
    }),
  };
}

/** Lower-triangular L with L Lᵀ = a for a symmetric positive-definite n×n matrix. */
export function cholesky(a: readonly (readonly number[])[]): number[][] {
  const n = a.length;
  const l = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i][j];
      for (let k = 0; k < j; k++) sum -= l[i][k] * l[j][k];
      if (i === j) {
        if (!(sum > 0)) throw new Error('matrix is not positive definite');
        l[i][i] = Math.sqrt(sum);
      } else {
        l[i][j] = sum / l[j][j];
      }
    }
  }
  return l;
}

/** Solves (L Lᵀ) x = b given the Cholesky factor L. */
export function choleskySolve(l: readonly (readonly number[])[], b: readonly number[]): number[] {
  const n = l.length;
  const y = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= l[i][k] * y[k];
    y[i] = s / l[i][i];
  }
  const x = new Array<number>(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < n; k++) s -= l[k][i] * x[k];
    x[i] = s / l[i][i];
  }
  return x;
}
