import type { CosmologyData } from './data.ts';
import { DistanceGrid, hubbleE2, luminosityDistances } from '../../lib/cosmology/distances.ts';
import type { CosmologyModel } from './models.ts';

/**
 * Cosmic chronometers: χ²_H = Σ_i (H_i − 100 h E(z_i))² / σ_i² (independent errors, as in the
 * compilation's SimpleMC "HD" likelihood). Infinity when E² ≤ 0.
 */
export function chronometerChi2(data: CosmologyData['chronometers'], h: number, cosmology: Parameters<typeof hubbleE2>[0]): number {
  let chi2 = 0;
  for (let i = 0; i < data.z.length; i++) {
    const e2 = hubbleE2(cosmology, data.z[i]!);
    if (!(e2 > 0)) return Infinity;
    const r = (data.H[i]! - 100 * h * Math.sqrt(e2)) / data.sigma[i]!;
    chi2 += r * r;
  }
  return chi2;
}

/** Cholesky factor L (row-major, lower) of a symmetric positive-definite n × n matrix. */
export function cholesky(a: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j]!;
      for (let k = 0; k < j; k++) s -= l[i * n + k]! * l[j * n + k]!;
      if (i === j) {
        if (!(s > 0)) throw new Error('covariance is not positive definite');
        l[i * n + i] = Math.sqrt(s);
      } else l[i * n + j] = s / l[j * n + j]!;
    }
  }
  return l;
}

/** C⁻¹ from its Cholesky factor: solve L Lᵀ X = I column by column. */
export function inverseFromCholesky(l: Float64Array, n: number): Float64Array {
  const inv = new Float64Array(n * n);
  const y = new Float64Array(n);
  for (let c = 0; c < n; c++) {
    for (let i = 0; i < n; i++) {
      let s = i === c ? 1 : 0;
      for (let k = 0; k < i; k++) s -= l[i * n + k]! * y[k]!;
      y[i] = s / l[i * n + i]!;
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = y[i]!;
      for (let k = i + 1; k < n; k++) s -= l[k * n + i]! * inv[k * n + c]!;
      inv[i * n + c] = s / l[i * n + i]!;
    }
  }
  return inv;
}

/**
 * Binned Pantheon with the absolute magnitude marginalised analytically. Full covariance
 * C = C_sys + diag(dmb²). With residuals Δ_i = m_b,i − 5 log10(D_L(z_i)/D_H) (every constant —
 * M, 25, 5 log10(D_H/Mpc), hence H0 — is one offset M' common to all bins),
 *   χ²(M') = (Δ − M' 1)ᵀ C⁻¹ (Δ − M' 1) = a − 2 M' b + M'² e,
 *   a = Δᵀ C⁻¹ Δ,  b = Σ_ij (C⁻¹)_ij Δ_j,  e = Σ_ij (C⁻¹)_ij,
 * and integrating exp(−χ²/2) over M' with a flat prior gives
 *   χ²_marg = −2 ln ∫ exp(−χ²(M')/2) dM' = a − b²/e + ln(e / 2π)
 * (Goliath et al. 2001, A&A 380, 6; Conley et al. 2011, ApJS 192, 1, appendix C; SimpleMC).
 */
export class MarginalisedSupernovae {
  readonly n: number;
  readonly inverseCovariance: Float64Array;
  /** C⁻¹ 1 and e = 1ᵀ C⁻¹ 1. */
  private readonly inverseOnes: Float64Array;
  readonly e: number;
  private readonly grid: DistanceGrid;

  constructor(private readonly data: CosmologyData['supernovae']) {
    const n = (this.n = data.mb.length);
    const cov = Float64Array.from(data.covSys);
    for (let i = 0; i < n; i++) cov[i * n + i] += data.dmb[i]! ** 2;
    this.inverseCovariance = inverseFromCholesky(cholesky(cov, n), n);
    this.inverseOnes = new Float64Array(n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) this.inverseOnes[i] += this.inverseCovariance[i * n + j]!;
    this.e = this.inverseOnes.reduce((s, v) => s + v, 0);
    this.grid = new DistanceGrid(data.zcmb);
  }

  /** Δ_i = m_b,i − 5 log10(D_L/D_H); null outside the model's support. */
  residuals(cosmology: Parameters<typeof hubbleE2>[0]): Float64Array | null {
    const dl = luminosityDistances(this.grid, cosmology, this.data.zhel);
    if (!dl) return null;
    for (let i = 0; i < dl.length; i++) {
      if (!(dl[i]! > 0)) return null;
      dl[i] = this.data.mb[i]! - 5 * Math.log10(dl[i]!);
    }
    return dl;
  }

  /** a, b of the formula above for residuals Δ. */
  quadraticForms(delta: Float64Array): { a: number; b: number } {
    const n = this.n;
    const inv = this.inverseCovariance;
    let a = 0;
    let b = 0;
    for (let i = 0; i < n; i++) {
      let row = 0;
      for (let j = 0; j < n; j++) row += inv[i * n + j]! * delta[j]!;
      a += delta[i]! * row;
      b += this.inverseOnes[i]! * delta[i]!;
    }
    return { a, b };
  }

  chi2(cosmology: Parameters<typeof hubbleE2>[0]): number {
    const delta = this.residuals(cosmology);
    if (!delta) return Infinity;
    const { a, b } = this.quadraticForms(delta);
    return a - (b * b) / this.e + Math.log(this.e / (2 * Math.PI));
  }
}

/** Which data sets a likelihood uses. */
export interface LikelihoodOptions {
  chronometers: boolean;
  supernovae: boolean;
}

/**
 * ln L(θ) = −½ (χ²_H + χ²_SN,marg) for a batch of parameter vectors; −∞ outside the model's
 * support (E² ≤ 0). Normalisation constants common to every model are dropped: they cancel in
 * Bayes factors.
 */
export function cosmologyLogLikelihood(model: CosmologyModel, data: CosmologyData, options: LikelihoodOptions = { chronometers: true, supernovae: true }) {
  const sn = options.supernovae ? new MarginalisedSupernovae(data.supernovae) : null;
  return (batch: number[][]): number[] =>
    batch.map((theta) => {
      const { h, cosmology } = model.cosmology(theta);
      const chi2 = (options.chronometers ? chronometerChi2(data.chronometers, h, cosmology) : 0) + (sn ? sn.chi2(cosmology) : 0);
      return Number.isFinite(chi2) ? -0.5 * chi2 : -Infinity;
    });
}
