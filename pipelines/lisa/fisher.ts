/**
 * Fisher matrix and linear score compression of the Whittle likelihood at a fiducial point.
 *
 * For d = h(θ) + n with the inner product of data-model.ts, the score at θ* is
 * t_i = (∂_i h | d − h(θ*)) and the Fisher matrix F_ij = (∂_i h | ∂_j h) (Cutler & Flanagan 1994).
 * The compressed statistic returned is the quasi-maximum-likelihood offset Δθ̂ = F⁻¹ t
 * (Alsing & Wandelt 2018, arXiv:1712.00012, Eq. 6), which has parameter units and O(1) spread per σ,
 * so the flow of SNL sees well-scaled numbers. It is sufficient when h is linear in θ over the prior.
 */
import { cholesky, choleskySolve } from '../../lib/nn/linalg.ts';
import { innerProduct, type FrequencyGrid } from './data-model.ts';
import type { Signal } from './waveform.ts';

export type SignalModel = (theta: readonly number[]) => Signal;

/** ∂h/∂θ_i by central differences with the given steps. */
export function signalJacobian(model: SignalModel, theta: readonly number[], steps: readonly number[]): Signal[] {
  return steps.map((step, i) => {
    const up = [...theta];
    const down = [...theta];
    up[i]! += step;
    down[i]! -= step;
    const a = model(up);
    const b = model(down);
    return { re: a.re.map((x, k) => (x - b.re[k]!) / (2 * step)), im: a.im.map((x, k) => (x - b.im[k]!) / (2 * step)) };
  });
}

export function fisherMatrix(grid: FrequencyGrid, jacobian: Signal[]): number[][] {
  return jacobian.map((a) => jacobian.map((b) => innerProduct(grid, a, b)));
}

/** F⁻¹ by Cholesky, column by column. */
export function inverse(matrix: number[][]): number[][] {
  const factor = cholesky(matrix);
  const columns = matrix.map((_, j) => choleskySolve(factor, matrix.map((_, i) => (i === j ? 1 : 0))));
  return matrix.map((_, i) => columns.map((c) => c[i]!));
}

export interface ScoreCompressor {
  fisher: number[][];
  covariance: number[][];
  compress(data: Signal): number[];
}

/** Δθ̂ = F⁻¹ (∂h | d − h(θ*)) at the fiducial θ*. */
export function scoreCompressor(grid: FrequencyGrid, model: SignalModel, fiducial: readonly number[], steps: readonly number[]): ScoreCompressor {
  const jacobian = signalJacobian(model, fiducial, steps);
  const fisher = fisherMatrix(grid, jacobian);
  const covariance = inverse(fisher);
  const mean = model(fiducial);
  return {
    fisher,
    covariance,
    compress(data) {
      const residual = { re: data.re.map((x, k) => x - mean.re[k]!), im: data.im.map((x, k) => x - mean.im[k]!) };
      const score = jacobian.map((j) => innerProduct(grid, j, residual));
      return covariance.map((row) => row.reduce((s, c, j) => s + c * score[j]!, 0));
    },
  };
}
