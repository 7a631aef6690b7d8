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
 *   area: −1.745642 (d=2), −5.673601 (d=5), −14.590491 (d=10), −36.086548 (d=20). The radial integral is
 *   the exact Gaussian moment E[r^{d−1}] = Σ_{k even} C(d−1, k) 2^{d−1−k} 0.1^k (k − 1)!! (mpmath, 40
 *   digits); the normal's tail below r = 0 (−20σ) and the shells' mass outside the cube are negligible.
 * - eggbox: ln L = (2 + cos(x/2) cos(y/2))⁵, prior U[0,10π]²: 235.85594 (Gauss–Legendre, 8000² nodes).
 * - rosenbrock: ln L = −[(1 − x)² + 100(y − x²)²]/2, prior U[−10,10]². Untruncated Z = 2π/10/400
 *   (ln = −6.45606); the prior cuts y = x² at |x| > √10, losing Φ(1 − √10) of the x-marginal:
 *   ln Z = −6.471617.
 * - logGamma(d) (Beaujean & Caldwell 2013; the nautilus and UltraNest papers): prior U[0,1]^d, a product
 *   of 1-D densities, so Z = Π of each factor's mass inside [0,1], computed in code (logGammaFactors) from
 *   the closed-form CDFs of log-gamma LG(loc, s), 1 − exp(−e^y), and normal N(m, s), s = 1/30. Only the
 *   log-gamma left tails matter (loc = 1/3 loses 1 − exp(−e^{−10}) = 4.5e-5 below 0):
 *   −2.2700738e-5 (d=2), −2.2708982e-5 (d=10); mpmath (40 digits) agrees to 1e-16.
 */
import { logAddExp } from './logmath.ts';
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
  const truths: Record<number, number> = { 2: -1.7456418720467646, 5: -5.6736012362002155, 10: -14.59049107438517, 20: -36.08654764081048 };
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

/** One coordinate's factor of a separable likelihood: its ln density and its mass outside [0,1]. */
interface Factor {
  logDensity(x: number): number;
  /** Kept as the small mass outside, so ln(mass inside) = log1p(−outside) keeps its digits near 0. */
  outside: number;
}

/** Log-gamma density LG(x; loc, s) = (1/s)·exp(y − eʸ), y = (x − loc)/s; CDF F(y) = 1 − exp(−eʸ). */
function logGammaFactor(loc: number, s: number): Factor {
  const below = -Math.expm1(-Math.exp((0 - loc) / s));
  const above = Math.exp(-Math.exp((1 - loc) / s));
  return {
    logDensity: (x) => {
      const y = (x - loc) / s;
      return y - Math.exp(y) - Math.log(s);
    },
    outside: below + above,
  };
}

function normalFactor(mean: number, s: number): Factor {
  return {
    logDensity: (x) => {
      const z = (x - mean) / s;
      return -0.5 * z * z - Math.log(s) - 0.5 * LOG_2PI;
    },
    outside: normalUpperTail(mean / s) + normalUpperTail((1 - mean) / s),
  };
}

/** ½ a + ½ b, in log space: at x = 1 one component's density is e^{−5·10⁸}, the other's e^{−22000}. */
function evenMixture(a: Factor, b: Factor): Factor {
  return {
    logDensity: (x) => logAddExp(a.logDensity(x), b.logDensity(x)) - Math.LN2,
    outside: 0.5 * (a.outside + b.outside),
  };
}

/**
 * Q(z) = P(Z > z) for a standard normal: erf's Maclaurin series below 3 (~1e-13 relative), Laplace's
 * continued fraction Q = φ(z)/(z + 1/(z + 2/(z + …))) from 3 up (~1e-15), evaluated from the tail up.
 */
function normalUpperTail(z: number): number {
  if (z < 0) return 1 - normalUpperTail(-z);
  if (z < 3) {
    const x = z / Math.SQRT2;
    let term = x;
    let sum = x;
    for (let n = 1; n < 100 && Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
      term *= (-x * x) / n;
      sum += term / (2 * n + 1);
    }
    return 0.5 - sum / Math.sqrt(Math.PI);
  }
  let t = z;
  for (let k = 300; k >= 1; k--) t = z + k / t;
  return Math.exp(-0.5 * z * z - 0.5 * LOG_2PI) / t;
}

/** The LogGamma problem's factors x₁ … x_d (see the header): bimodal in x₁ and x₂, unimodal after. */
function logGammaFactors(d: number): Factor[] {
  const s = 1 / 30;
  const factors = [
    evenMixture(logGammaFactor(1 / 3, s), logGammaFactor(2 / 3, s)),
    evenMixture(normalFactor(1 / 3, s), normalFactor(2 / 3, s)),
  ];
  // 1-based i = 3 … d: log-gamma up to (d + 2)/2, normal after.
  for (let i = 3; i <= d; i++) factors.push(i <= (d + 2) / 2 ? logGammaFactor(2 / 3, s) : normalFactor(2 / 3, s));
  return factors;
}

/**
 * The LogGamma problem (not ln Γ: that is linalg.ts's logGamma): skewed (exponential left tails) and
 * bimodal factors on U[0,1]^d. Defined for any d ≥ 2; the benchmark uses d = 2 and 10.
 */
export function logGamma(d: number): ReferenceProblem {
  if (!Number.isInteger(d) || d < 2) throw new Error(`logGamma: d must be an integer ≥ 2, got ${d}`);
  const factors = logGammaFactors(d);
  return {
    name: `loggamma-${d}d`,
    ndim: d,
    truth: factors.reduce((sum, f) => sum + Math.log1p(-f.outside), 0),
    priorTransform: (u) => u,
    logLikelihood: perPoint((x) => {
      let sum = 0;
      for (let k = 0; k < d; k++) sum += factors[k].logDensity(x[k]);
      return sum;
    }),
  };
}
