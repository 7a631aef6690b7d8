/**
 * The little dense linear algebra the samplers need, on row-major Float64Arrays.
 *
 * Matrices are d×d with d at most a few tens, so plain O(d³) loops are fast enough and keep the
 * arithmetic order fixed: results are bit-for-bit reproducible, which checkpoint/restore relies on.
 */

/**
 * Mean (length d) and maximum-likelihood covariance (d×d, divided by n) of points stored flat
 * (point-major), optionally only those at the given indices.
 */
export function meanAndCovariance(points: Float64Array, d: number, indices?: ArrayLike<number>): { mean: Float64Array; cov: Float64Array } {
  const n = indices ? indices.length : points.length / d;
  const row = (i: number) => (indices ? indices[i] : i) * d;
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const base = row(i);
    for (let k = 0; k < d; k++) mean[k] += points[base + k];
  }
  for (let k = 0; k < d; k++) mean[k] /= n;
  const cov = new Float64Array(d * d);
  const delta = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const base = row(i);
    for (let k = 0; k < d; k++) delta[k] = points[base + k] - mean[k];
    for (let a = 0; a < d; a++) {
      const da = delta[a];
      for (let b = 0; b <= a; b++) cov[a * d + b] += da * delta[b];
    }
  }
  for (let a = 0; a < d; a++) {
    for (let b = 0; b <= a; b++) {
      const v = cov[a * d + b] / n;
      cov[a * d + b] = v;
      cov[b * d + a] = v;
    }
  }
  return { mean, cov };
}

/**
 * Lower-triangular Cholesky factor L with L Lᵀ = M, or null when M is not numerically positive
 * definite.
 */
export function cholesky(m: Float64Array, d: number): Float64Array | null {
  const l = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = m[i * d + j];
      for (let k = 0; k < j; k++) s -= l[i * d + k] * l[j * d + k];
      if (i === j) {
        if (!(s > 0)) return null;
        l[i * d + i] = Math.sqrt(s);
      } else {
        l[i * d + j] = s / l[j * d + j];
      }
    }
  }
  return l;
}

/**
 * Cholesky factor of a covariance that may be singular (e.g. all points on a line): adds a jitter
 * of 1e-10·trace/d to the diagonal, growing tenfold until the factorisation succeeds.
 */
export function regularisedCholesky(cov: Float64Array, d: number): Float64Array {
  const direct = cholesky(cov, d);
  if (direct) return direct;
  let trace = 0;
  for (let k = 0; k < d; k++) trace += cov[k * d + k];
  let jitter = Math.max(trace / d, 1e-300) * 1e-10;
  for (;;) {
    const m = Float64Array.from(cov);
    for (let k = 0; k < d; k++) m[k * d + k] += jitter;
    const l = cholesky(m, d);
    if (l) return l;
    jitter *= 10;
  }
}

/** Solves L y = x for y (forward substitution), L lower triangular; writes into `out`. */
export function forwardSolve(l: Float64Array, x: ArrayLike<number>, d: number, out: Float64Array): Float64Array {
  for (let i = 0; i < d; i++) {
    let s = x[i];
    for (let k = 0; k < i; k++) s -= l[i * d + k] * out[k];
    out[i] = s / l[i * d + i];
  }
  return out;
}

/** y = L z for lower-triangular L; writes into `out`. */
export function lowerTimes(l: Float64Array, z: ArrayLike<number>, d: number, out: Float64Array): Float64Array {
  for (let i = 0; i < d; i++) {
    let s = 0;
    for (let k = 0; k <= i; k++) s += l[i * d + k] * z[k];
    out[i] = s;
  }
  return out;
}

/**
 * Eigen-decomposition of a symmetric matrix by cyclic Jacobi rotations. Returns eigenvalues and
 * the eigenvectors as the columns of a row-major d×d matrix.
 */
export function symmetricEigen(m: Float64Array, d: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(m);
  const v = new Float64Array(d * d);
  for (let i = 0; i < d; i++) v[i * d + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < d; p++) for (let q = p + 1; q < d; q++) off += a[p * d + q] * a[p * d + q];
    if (off < 1e-30) break;
    for (let p = 0; p < d; p++) {
      for (let q = p + 1; q < d; q++) {
        const apq = a[p * d + q];
        if (apq === 0) continue;
        const theta = (a[q * d + q] - a[p * d + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < d; k++) {
          const akp = a[k * d + p];
          const akq = a[k * d + q];
          a[k * d + p] = c * akp - s * akq;
          a[k * d + q] = s * akp + c * akq;
        }
        for (let k = 0; k < d; k++) {
          const apk = a[p * d + k];
          const aqk = a[q * d + k];
          a[p * d + k] = c * apk - s * aqk;
          a[q * d + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < d; k++) {
          const vkp = v[k * d + p];
          const vkq = v[k * d + q];
          v[k * d + p] = c * vkp - s * vkq;
          v[k * d + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(d);
  for (let i = 0; i < d; i++) values[i] = a[i * d + i];
  return { values, vectors: v };
}

/** log of the volume of the unit d-ball, π^{d/2} / Γ(d/2 + 1). */
export function logUnitBallVolume(d: number): number {
  return (d / 2) * Math.log(Math.PI) - logGamma(d / 2 + 1);
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9; ~1e-15 relative accuracy). */
export function logGamma(x: number): number {
  const g = 7;
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  x -= 1;
  let a = c[0];
  const t = x + g + 0.5;
  for (let i = 1; i < g + 2; i++) a += c[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}
