/**
 * An ellipsoid E = { x : (x − c)ᵀ (L Lᵀ)⁻¹ (x − c) ≤ 1 } = { c + L z : |z| ≤ 1 }, held by its centre c
 * and the lower-triangular factor L. Its volume is V_d · det L, with V_d the unit d-ball's volume.
 *
 * `fitEllipsoid` follows Mukherjee, Parkinson & Liddle (2006) and dynesty: the shape is the points'
 * covariance Σ, scaled by the largest Mahalanobis distance so that every point lies inside.
 */
import type { Rng } from '../../random.ts';
import { forwardSolve, logUnitBallVolume, lowerTimes, meanAndCovariance, regularisedCholesky, symmetricEigen } from '../linalg.ts';

/** The plain-number form stored in checkpoints. */
export interface EllipsoidJson {
  centre: number[];
  chol: number[];
}

export class Ellipsoid {
  readonly logVolume: number;
  private readonly scratch: Float64Array;

  constructor(
    readonly dim: number,
    readonly centre: Float64Array,
    /** L, row-major lower triangular: x = c + L z maps the unit ball onto the ellipsoid. */
    readonly chol: Float64Array,
  ) {
    let logDet = 0;
    for (let k = 0; k < dim; k++) logDet += Math.log(chol[k * dim + k]);
    this.logVolume = logUnitBallVolume(dim) + logDet;
    this.scratch = new Float64Array(dim);
  }

  /** Squared Mahalanobis distance |L⁻¹(x − c)|²; ≤ 1 inside. */
  distance2(x: ArrayLike<number>, offset = 0): number {
    const d = this.dim;
    const y = this.scratch;
    const l = this.chol;
    let sum = 0;
    for (let i = 0; i < d; i++) {
      let s = x[offset + i] - this.centre[i];
      for (let k = 0; k < i; k++) s -= l[i * d + k] * y[k];
      const yi = s / l[i * d + i];
      y[i] = yi;
      sum += yi * yi;
    }
    return sum;
  }

  contains(x: ArrayLike<number>, offset = 0): boolean {
    return this.distance2(x, offset) <= 1;
  }

  /** A point uniform inside: direction uniform on the sphere, radius distributed as U^{1/d}. */
  sampleInto(rng: Rng, out: Float64Array): Float64Array {
    const d = this.dim;
    const z = this.scratch;
    let norm2 = 0;
    for (let k = 0; k < d; k++) {
      z[k] = rng.normal();
      norm2 += z[k] * z[k];
    }
    const radius = Math.pow(rng.uniform(), 1 / d) / Math.sqrt(norm2);
    for (let k = 0; k < d; k++) z[k] *= radius;
    lowerTimes(this.chol, z, d, out);
    for (let k = 0; k < d; k++) out[k] += this.centre[k];
    return out;
  }

  /** The same ellipsoid with its volume multiplied by `volumeFactor` (axes by its d-th root). */
  enlarged(volumeFactor: number): Ellipsoid {
    const f = Math.pow(volumeFactor, 1 / this.dim);
    return new Ellipsoid(this.dim, this.centre, this.chol.map((v) => v * f));
  }

  /** The two ends c ± a·v of the longest axis (a, v: largest eigenvalue/vector of L Lᵀ). */
  majorAxisEndpoints(): [Float64Array, Float64Array] {
    const d = this.dim;
    const m = new Float64Array(d * d);
    for (let i = 0; i < d; i++) {
      for (let j = 0; j <= i; j++) {
        let s = 0;
        for (let k = 0; k <= j; k++) s += this.chol[i * d + k] * this.chol[j * d + k];
        m[i * d + j] = s;
        m[j * d + i] = s;
      }
    }
    const { values, vectors } = symmetricEigen(m, d);
    let best = 0;
    for (let k = 1; k < d; k++) if (values[k] > values[best]) best = k;
    const half = Math.sqrt(Math.max(values[best], 0));
    const p1 = new Float64Array(d);
    const p2 = new Float64Array(d);
    for (let k = 0; k < d; k++) {
      p1[k] = this.centre[k] + half * vectors[k * d + best];
      p2[k] = this.centre[k] - half * vectors[k * d + best];
    }
    return [p1, p2];
  }

  toJson(): EllipsoidJson {
    return { centre: Array.from(this.centre), chol: Array.from(this.chol) };
  }

  static fromJson(json: EllipsoidJson): Ellipsoid {
    return new Ellipsoid(json.centre.length, Float64Array.from(json.centre), Float64Array.from(json.chol));
  }
}

/**
 * The covariance-shaped ellipsoid that just encloses the points (flat, point-major; optionally only
 * those at `indices`): Σ = cov(points), L = √f · chol(Σ) with f = maxᵢ (xᵢ − c)ᵀ Σ⁻¹ (xᵢ − c),
 * widened by a hair (1e-9) so that round-off never leaves the outermost point outside.
 */
export function fitEllipsoid(points: Float64Array, d: number, indices?: ArrayLike<number>): Ellipsoid {
  const { mean, cov } = meanAndCovariance(points, d, indices);
  const l = regularisedCholesky(cov, d);
  const n = indices ? indices.length : points.length / d;
  const y = new Float64Array(d);
  const delta = new Float64Array(d);
  let fmax = 0;
  for (let i = 0; i < n; i++) {
    const base = (indices ? indices[i] : i) * d;
    for (let k = 0; k < d; k++) delta[k] = points[base + k] - mean[k];
    forwardSolve(l, delta, d, y);
    let f = 0;
    for (let k = 0; k < d; k++) f += y[k] * y[k];
    if (f > fmax) fmax = f;
  }
  const scale = Math.sqrt(fmax > 0 ? fmax : 1) * (1 + 1e-9);
  for (let k = 0; k < l.length; k++) l[k] *= scale;
  return new Ellipsoid(d, mean, l);
}
