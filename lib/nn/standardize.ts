/**
 * Per-column affine normalisation z = (v − mean) / std, so every input and output of a network is
 * O(1): Adam's step size and the initial weights then mean the same thing for every problem.
 */
import type { Matrix } from './matrix.ts';

export interface Standardization {
  mean: number[];
  std: number[];
}

/** Column means and standard deviations (float64 sums); a constant column gets std 1. */
export function fitStandardization(m: Matrix): Standardization {
  const mean = new Array<number>(m.cols).fill(0);
  const sq = new Array<number>(m.cols).fill(0);
  for (let i = 0; i < m.rows; i++) {
    for (let j = 0; j < m.cols; j++) mean[j] += m.data[i * m.cols + j];
  }
  for (let j = 0; j < m.cols; j++) mean[j] /= Math.max(m.rows, 1);
  for (let i = 0; i < m.rows; i++) {
    for (let j = 0; j < m.cols; j++) sq[j] += (m.data[i * m.cols + j] - mean[j]) ** 2;
  }
  const std = sq.map((s, j) => {
    const sd = Math.sqrt(s / Math.max(m.rows - 1, 1));
    return sd > 1e-12 * Math.max(1, Math.abs(mean[j])) ? sd : 1;
  });
  return { mean, std };
}

export function standardize(m: Matrix, s: Standardization): Matrix {
  const data = new Float32Array(m.data.length);
  for (let i = 0; i < m.rows; i++) {
    for (let j = 0; j < m.cols; j++) {
      data[i * m.cols + j] = (m.data[i * m.cols + j] - s.mean[j]) / s.std[j];
    }
  }
  return { rows: m.rows, cols: m.cols, data };
}

export function unstandardize(m: Matrix, s: Standardization): Matrix {
  const data = new Float32Array(m.data.length);
  for (let i = 0; i < m.rows; i++) {
    for (let j = 0; j < m.cols; j++) {
      data[i * m.cols + j] = m.data[i * m.cols + j] * s.std[j] + s.mean[j];
    }
  }
  return { rows: m.rows, cols: m.cols, data };
}

/** log |det ∂z/∂v| = −Σ log std: the Jacobian term a density picks up when it is standardised. */
export const logJacobian = (s: Standardization): number =>
  -s.std.reduce((acc, sd) => acc + Math.log(sd), 0);
