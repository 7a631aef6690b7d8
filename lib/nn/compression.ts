/**
 * Data compression for simulation-based inference: the flow then models a few summaries t(x)
 * instead of a long data vector.
 *
 * - Linear score compression (Alsing & Wandelt 2018): with a Gaussian likelihood of mean μ(θ) and
 *   covariance Σ, expand at a fiducial θ*: t = (∂μ/∂θ)ᵀ Σ⁻¹ (x − μ(θ*)). t has one entry per
 *   parameter and, for a model linear in θ, keeps all the information in x (it is sufficient).
 * - PCA: the leading principal components of standardised simulations, when no model derivative is
 *   at hand.
 */
import type { Rng } from '../random.ts';
import { cholesky, choleskySolve } from './linalg.ts';
import type { Matrix } from './matrix.ts';
import { fitPca, pcaProject } from './pca.ts';
import { fitStandardization, standardize } from './standardize.ts';

export interface DataCompressor {
  /** Length of each compressed row. */
  outputDim: number;
  compress(x: Matrix): Matrix;
}

/** Builds a compressor, given the first round of simulations (θ and raw x). */
export type CompressionFactory = (firstRound: { theta: Matrix; x: Matrix }) => DataCompressor;

export interface LinearScoreModel {
  /** μ(θ*), length D. */
  fiducialMean: number[];
  /** ∂μ/∂θ at θ*: D rows × P columns. */
  meanJacobian: number[][];
  /** Σ, D × D, symmetric positive definite. */
  noiseCovariance: number[][];
}

export function linearScoreCompressor(model: LinearScoreModel): DataCompressor {
  const { fiducialMean, meanJacobian, noiseCovariance } = model;
  const d = fiducialMean.length;
  const p = meanJacobian[0].length;
  const factor = cholesky(noiseCovariance);
  // Columns of Σ⁻¹ ∂μ/∂θ, one per parameter.
  const weights = Array.from({ length: p }, (_, k) => choleskySolve(factor, meanJacobian.map((row) => row[k])));
  return {
    outputDim: p,
    compress(x: Matrix): Matrix {
      if (x.cols !== d) throw new Error(`score compression expects ${d} data values per row, got ${x.cols}`);
      const out = new Float32Array(x.rows * p);
      for (let i = 0; i < x.rows; i++) {
        for (let k = 0; k < p; k++) {
          let s = 0;
          for (let j = 0; j < d; j++) s += weights[k][j] * (x.data[i * d + j] - fiducialMean[j]);
          out[i * p + k] = s;
        }
      }
      return { rows: x.rows, cols: p, data: out };
    },
  };
}

/** PCA of the standardised first-round simulations, keeping `components` coefficients. */
export function pcaCompression(components: number, rng: Rng): CompressionFactory {
  return ({ x }) => {
    const scaling = fitStandardization(x);
    const basis = fitPca(standardize(x, scaling), components, rng);
    return { outputDim: components, compress: (data) => pcaProject(standardize(data, scaling), basis) };
  };
}
