/**
 * Principal component analysis for compressing high-dimensional outputs (spectra) before a network
 * regresses them, and for compressing simulated data in SNL.
 *
 * With centred data X (n × D), the leading k principal directions are the top eigenvectors of the
 * covariance C = XᵀX / (n − 1). They are found without forming the D × D matrix by randomised
 * subspace iteration (Halko, Martinsson & Tropp 2011): start from Z = orth(Xᵀ X Ω) for a Gaussian
 * D × ℓ matrix Ω (ℓ = k + oversampling), repeat Z ← orth(Xᵀ X Z), then diagonalise the small
 * ℓ × ℓ matrix Zᵀ C Z (Rayleigh–Ritz). Each iteration costs O(n D ℓ).
 */
import type { Rng } from '../random.ts';
import { orthonormalizeColumns, symmetricEigen } from './linalg.ts';
import type { Matrix } from './matrix.ts';

export interface PcaBasis {
  /** Column means removed before projecting (length D). */
  mean: number[];
  /** k unit-length principal directions, each of length D, by decreasing variance. */
  components: number[][];
  /** Variance of the data along each component. */
  variances: number[];
  /** Σ of all column variances, so variances / totalVariance is the explained fraction. */
  totalVariance: number;
}

export interface PcaOptions {
  /** Extra directions carried through the iteration to sharpen the leading k (default 10). */
  oversampling?: number;
  /** Subspace iterations (default 6; the error shrinks like (λ_{ℓ+1}/λ_k)^(2·iterations)). */
  iterations?: number;
}

/** X Z for row-major X (n × d) and Z (d × l). */
function multiply(x: Float64Array, n: number, d: number, z: Float64Array, l: number): Float64Array {
  const out = new Float64Array(n * l);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const xij = x[i * d + j];
      if (xij === 0) continue;
      for (let c = 0; c < l; c++) out[i * l + c] += xij * z[j * l + c];
    }
  }
  return out;
}

/** Xᵀ Y for row-major X (n × d) and Y (n × l). */
function multiplyTransposed(x: Float64Array, n: number, d: number, y: Float64Array, l: number): Float64Array {
  const out = new Float64Array(d * l);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const xij = x[i * d + j];
      if (xij === 0) continue;
      for (let c = 0; c < l; c++) out[j * l + c] += xij * y[i * l + c];
    }
  }
  return out;
}

export function fitPca(data: Matrix, components: number, rng: Rng, options: PcaOptions = {}): PcaBasis {
  const { rows: n, cols: d } = data;
  if (components < 1 || components > Math.min(n, d)) {
    throw new Error(`PCA needs 1 ≤ components ≤ min(rows, cols) = ${Math.min(n, d)}, got ${components}`);
  }
  const mean = new Array<number>(d).fill(0);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += data.data[i * d + j] / n;
  const x = new Float64Array(n * d);
  let totalVariance = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const v = data.data[i * d + j] - mean[j];
      x[i * d + j] = v;
      totalVariance += (v * v) / (n - 1);
    }
  }

  const l = Math.min(components + (options.oversampling ?? 10), d, n);
  let z: Float64Array = new Float64Array(d * l);
  for (let i = 0; i < z.length; i++) z[i] = rng.normal();
  orthonormalizeColumns(z, d, l);
  for (let it = 0; it < (options.iterations ?? 6) + 1; it++) {
    z = multiplyTransposed(x, n, d, multiply(x, n, d, z, l), l);
    orthonormalizeColumns(z, d, l);
  }

  // Rayleigh–Ritz: diagonalise Zᵀ C Z = (XZ)ᵀ(XZ)/(n−1) and rotate Z onto its eigenvectors.
  const projected = multiply(x, n, d, z, l);
  const small = multiplyTransposed(projected, n, l, projected, l).map((v) => v / (n - 1));
  const eig = symmetricEigen(small, l);
  const basis: number[][] = [];
  for (let k = 0; k < components; k++) {
    const w = eig.vectors[k];
    const direction = new Array<number>(d).fill(0);
    for (let j = 0; j < d; j++) for (let c = 0; c < l; c++) direction[j] += z[j * l + c] * w[c];
    basis.push(direction);
  }
  return { mean, components: basis, variances: eig.values.slice(0, components), totalVariance };
}

/** Coefficients c = V (x − mean) of each row (n × k). */
export function pcaProject(data: Matrix, basis: PcaBasis): Matrix {
  const k = basis.components.length;
  const out = new Float32Array(data.rows * k);
  for (let i = 0; i < data.rows; i++) {
    for (let c = 0; c < k; c++) {
      const v = basis.components[c];
      let s = 0;
      for (let j = 0; j < data.cols; j++) s += (data.data[i * data.cols + j] - basis.mean[j]) * v[j];
      out[i * k + c] = s;
    }
  }
  return { rows: data.rows, cols: k, data: out };
}

/** Rows x̂ = mean + Vᵀ c back in the original D dimensions. */
export function pcaReconstruct(coefficients: Matrix, basis: PcaBasis): Matrix {
  const d = basis.mean.length;
  const k = basis.components.length;
  const out = new Float32Array(coefficients.rows * d);
  for (let i = 0; i < coefficients.rows; i++) {
    for (let j = 0; j < d; j++) {
      let s = basis.mean[j];
      for (let c = 0; c < k; c++) s += coefficients.data[i * k + c] * basis.components[c][j];
      out[i * d + j] = s;
    }
  }
  return { rows: coefficients.rows, cols: d, data: out };
}
