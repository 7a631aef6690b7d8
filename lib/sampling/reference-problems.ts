/**
 * Standard nested-sampling test problems with known evidences, shared by the tests and by
 * bench/nested-sampling.ts (whose Python peers in bench/peers/ define the same functions).
 *
 * Every `truth` below was recomputed independently (scipy quadrature / closed forms):
 * - gaussian(d): N(c, 0.1²·I) normalised, prior U[0,1]^d, cᵢ = (0.5 sin(i/2) + 1)/2. Z is the mass
 *   inside the cube, Πᵢ [Φ((1 − cᵢ)/σ) − Φ(−cᵢ/σ)]: −7.2506e-5 (d=2), −0.0019621 (d=3), −0.0080815 (d=4),
 *   −0.0112847 (d=5), −0.0177823 (d=10), −0.0345490 (d=20) (d = 3–5: mpmath, 30 digits).
 * - correlated: N(μ, Σ) normalised, μ = (−1, 0, 1), unit variances, all correlations 0.95,
 *   prior U[−10,10]³ holding all its mass: ln Z = −3 ln 20 = −8.98720.
 * - shells(d): two Gaussian shells (radius 2, width 0.1, centres (∓3.5, 0, …)), each normalised in r,
 *   prior U[−6,6]^d: Z = 2 S_{d−1} ∫ r^{d−1} N(r; 2, 0.1²) dr / 12^d with S_{d−1} the unit sphere's
 *   area: −1.745642 (d=2), −5.673601 (d=5), −14.590491 (d=10).
 * - eggbox: ln L = (2 + cos(x/2) cos(y/2))⁵, prior U[0,10π]²: 235.85594 (Gauss–Legendre, 8000² nodes).
 * - rosenbrock: ln L = −[(1 − x)² + 100(y − x²)²]/2, prior U[−10,10]². Untruncated Z = 2π/10/400
 *   (ln = −6.45606); the prior cuts y = x² at |x| > √10, losing Φ(1 − √10) of the x-marginal:
 *   ln Z = −6.471617.
 */
import type { NestedProblem } from './nested/types.ts';

export interface ReferenceProblem extends NestedProblem {
  name: string;
  /** ln Z, exact to the digits given. */
  truth: number;
  /** Posterior mean and per-parameter standard deviation where known in closed form. */
  posteriorMean?: number[];
  posteriorSd?: number[];
}

const LOG_2PI = Math.log(2 * Math.PI);

/** Vectorised ln L from a per-point function. */
function perPoint(f: (x: number[]) => number): (batch: number[][]) => number[] {
  return (batch) => batch.map(f);
}

export function gaussian(d: number): ReferenceProblem {
  const sigma = 0.1;
  const centre = Array.from({ length: d }, (_, i) => (0.5 * Math.sin(i / 2) + 1) / 2);
  const norm = -d * (Math.log(sigma) + 0.5 * LOG_2PI);
  const truths: Record<number, number> = { 2: -7.250608079326329e-5, 3: -0.001962110864756302, 4: -0.008081545781262783, 5: -0.011284681972443807, 10: -0.017782251291318128, 20: -0.03454902462691241, 30: -0.05720563553536514 };
  if (!(d in truths)) throw new Error(`gaussian: no reference evidence for d = ${d}`);
  return {
    name: `gauss-${d}d`,
    ndim: d,
    truth: truths[d],
    posteriorMean: centre,
    posteriorSd: centre.map(() => sigma),
    priorTransform: (u) => u,
    logLikelihood: perPoint((x) => {
      let s = 0;
      for (let k = 0; k < d; k++) {
        const z = (x[k] - centre[k]) / sigma;
        s += z * z;
      }
      return norm - 0.5 * s;
    }),
  };
}

export function correlatedGaussian(): ReferenceProblem {
  const d = 3;
  const rho = 0.95;
  const mean = [-1, 0, 1];
  // Σ = (1 − ρ)I + ρ11ᵀ, so Σ⁻¹ = [I − ρ/(1 + (d−1)ρ) 11ᵀ]/(1 − ρ) and det Σ = (1 − ρ)^{d−1}(1 + (d−1)ρ).
  const a = 1 / (1 - rho);
  const b = rho / (1 + (d - 1) * rho) / (1 - rho);
  const logDet = (d - 1) * Math.log(1 - rho) + Math.log(1 + (d - 1) * rho);
  const norm = -0.5 * (d * LOG_2PI + logDet);
  return {
    name: 'correlated-3d',
    ndim: d,
    truth: -3 * Math.log(20),
    posteriorMean: mean,
    posteriorSd: [1, 1, 1],
    priorTransform: (u) => u.map((v) => 20 * v - 10),
    logLikelihood: perPoint((x) => {
      let sum = 0;
      let sq = 0;
      for (let k = 0; k < d; k++) {
        const z = x[k] - mean[k];
        sum += z;
        sq += z * z;
      }
      return norm - 0.5 * (a * sq - b * sum * sum);
    }),
  };
}

export function gaussianShells(d: number): ReferenceProblem {
  const radius = 2;
  const width = 0.1;
  const offset = 3.5;
  const constant = -0.5 * Math.log(2 * Math.PI * width * width);
  const truths: Record<number, number> = { 2: -1.7456418720467646, 5: -5.6736012362002155, 10: -14.59049107438517 };
  if (!(d in truths)) throw new Error(`gaussianShells: no reference evidence for d = ${d}`);
  const logShell = (x: number[], c: number) => {
    let r2 = (x[0] - c) * (x[0] - c);
    for (let k = 1; k < d; k++) r2 += x[k] * x[k];
    const dr = Math.sqrt(r2) - radius;
    return constant - (dr * dr) / (2 * width * width);
  };
  return {
    name: `shells-${d}d`,
    ndim: d,
    truth: truths[d],
    priorTransform: (u) => u.map((v) => 12 * v - 6),
    logLikelihood: perPoint((x) => {
      const l1 = logShell(x, -offset);
      const l2 = logShell(x, offset);
      return l1 > l2 ? l1 + Math.log1p(Math.exp(l2 - l1)) : l2 + Math.log1p(Math.exp(l1 - l2));
    }),
  };
}

export function eggbox(): ReferenceProblem {
  return {
    name: 'eggbox-2d',
    ndim: 2,
    truth: 235.8559403322541,
    priorTransform: (u) => u.map((v) => 10 * Math.PI * v),
    logLikelihood: perPoint((x) => Math.pow(2 + Math.cos(x[0] / 2) * Math.cos(x[1] / 2), 5)),
  };
}

export function rosenbrock(): ReferenceProblem {
  return {
    name: 'rosenbrock-2d',
    ndim: 2,
    truth: -6.471617353385722,
    priorTransform: (u) => u.map((v) => 20 * v - 10),
    logLikelihood: perPoint((x) => {
      const p = 1 - x[0];
      const q = x[1] - x[0] * x[0];
      return -(p * p + 100 * q * q) / 2;
    }),
  };
}
