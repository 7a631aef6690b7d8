/**
 * Reference problems with known answers, shared by the lib/nn tests and bench/neural.ts so the
 * benchmark measures exactly what the tests check.
 */
import { Rng } from '../../../lib/random.ts';
import { linearScoreCompressor, type LinearScoreModel } from '../../../lib/nn/compression.ts';
import type { Prior, Simulator, SnlOptions } from '../../../lib/nn/snl.ts';

/** Φ(x) via erf (Abramowitz & Stegun 7.1.26, |error| < 1.5e-7). */
export function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-z * z);
  return x >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/** y_j(a, μ, w): two Gaussian lines on a flat continuum, sampled at 50 wavelengths (3 → 50). */
const grid = Array.from({ length: 50 }, (_, j) => j / 49);
export const spectrum = ([a, mu, w]: number[]): number[] =>
  grid.map(
    (x) =>
      0.5 +
      a * Math.exp(-((x - mu) ** 2) / (2 * w * w)) +
      0.6 * Math.exp(-((x - 0.5 * mu - 0.3) ** 2) / (2 * (1.5 * w) ** 2)),
  );
export const drawSpectrumParameters = (rng: Rng): number[] => [
  0.5 + rng.uniform(),
  0.2 + 0.6 * rng.uniform(),
  0.08 + 0.12 * rng.uniform(),
];

/** Banana: x₁ ~ N(0, 1), x₂ | x₁ ~ N(b(x₁² − 1), s²) with b = 0.6, s = 0.4. */
export const banana = {
  b: 0.6,
  s: 0.4,
  draw(rng: Rng): number[] {
    const x1 = rng.normal();
    return [x1, banana.b * (x1 * x1 - 1) + banana.s * rng.normal()];
  },
  logDensity([x1, x2]: number[]): number {
    return -0.5 * x1 * x1 - 0.5 * ((x2 - banana.b * (x1 * x1 - 1)) / banana.s) ** 2 - Math.log(2 * Math.PI * banana.s);
  },
};

/**
 * L(θ) = N(θ; μ, 0.3² I₅) under a uniform prior on [−1, 1]⁵, so
 * Z = Π_k [Φ((1 − μ_k)/σ) − Φ((−1 − μ_k)/σ)] / 2.
 */
const mu = [0.1, -0.2, 0, 0.3, -0.1];
const sigma = 0.3;
export const gaussian5d = {
  ndim: 5,
  priorTransform: (u: number[]): number[] => u.map((v) => 2 * v - 1),
  logLikelihood: (theta: number[]): number =>
    theta.reduce((s, x, k) => s - 0.5 * ((x - mu[k]) / sigma) ** 2, 0) - 5 * Math.log(sigma * Math.sqrt(2 * Math.PI)),
  analyticLogZ: mu.reduce((s, m) => s + Math.log((normalCdf((1 - m) / sigma) - normalCdf((-1 - m) / sigma)) / 2), 0),
};

/**
 * Linear-Gaussian simulator: x = A θ + ε, ε ~ N(0, σ² I₁₀), σ = 0.5, prior θ ~ N(0, 2² I₂),
 * observed at θ = (0.7, −0.4). Posterior N(m, P⁻¹) with P = I/4 + AᵀA/σ², m = P⁻¹ Aᵀ x_o / σ².
 */
const lgSigma = 0.5;
const lgPriorStd = 2;
const lgA = Array.from({ length: 10 }, (_, i) => [Math.cos(0.6 * i), Math.sin(0.6 * i) + 0.3]);
const lgSimulateOne = (theta: number[], rng: Rng) =>
  lgA.map((row) => row[0] * theta[0] + row[1] * theta[1] + lgSigma * rng.normal());
const lgObservation = lgSimulateOne([0.7, -0.4], Rng.fromSeed(42));

function lgPosterior(): { mean: number[]; std: number[] } {
  const p = [[1 / lgPriorStd ** 2, 0], [0, 1 / lgPriorStd ** 2]];
  const b = [0, 0];
  lgA.forEach((row, i) => {
    for (let r = 0; r < 2; r++) {
      b[r] += (row[r] * lgObservation[i]) / lgSigma ** 2;
      for (let c = 0; c < 2; c++) p[r][c] += (row[r] * row[c]) / lgSigma ** 2;
    }
  });
  const det = p[0][0] * p[1][1] - p[0][1] ** 2;
  const cov = [[p[1][1] / det, -p[0][1] / det], [-p[1][0] / det, p[0][0] / det]];
  return {
    mean: [cov[0][0] * b[0] + cov[0][1] * b[1], cov[1][0] * b[0] + cov[1][1] * b[1]],
    std: [Math.sqrt(cov[0][0]), Math.sqrt(cov[1][1])],
  };
}

const lgPrior: Prior = {
  dim: 2,
  sample: (rng) => [lgPriorStd * rng.normal(), lgPriorStd * rng.normal()],
  logDensity: (t) => (-0.5 * (t[0] ** 2 + t[1] ** 2)) / lgPriorStd ** 2,
  fromUnitCube: (u) => u.map((v) => lgPriorStd * inverseNormalCdf(v)),
};

export const linearGaussian = {
  prior: lgPrior,
  simulator: (async (thetas, rng) => thetas.map((t) => lgSimulateOne(t, rng))) as Simulator,
  observation: lgObservation,
  posterior: lgPosterior(),
  /** The exact ln p(x_o | θ) up to a constant, for likelihood-based MCMC references. */
  logLikelihood: (theta: number[]): number =>
    lgA.reduce((s, row, i) => s - 0.5 * ((lgObservation[i] - row[0] * theta[0] - row[1] * theta[1]) / lgSigma) ** 2, 0),
  /** Score compression at θ* = 0: exact for a model linear in θ. */
  scoreModel: {
    fiducialMean: new Array(10).fill(0),
    meanJacobian: lgA,
    noiseCovariance: lgA.map((_, i) => lgA.map((__, j) => (i === j ? lgSigma ** 2 : 0))),
  } as LinearScoreModel,
};

/** Φ⁻¹(p) by Acklam's rational approximation (relative error < 1.2e-9). */
export function inverseNormalCdf(p: number): number {
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const tail = (q: number) =>
    (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  if (p < 0.02425) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/** The SNL run of the tests and the neural bench: 3 rounds × 500 simulations, score-compressed data. */
export const linearGaussianSnlOptions = (overrides: Partial<SnlOptions> = {}): SnlOptions => ({
  prior: linearGaussian.prior,
  simulator: linearGaussian.simulator,
  observation: linearGaussian.observation,
  rounds: 3,
  simulationsPerRound: 500,
  posteriorSamples: 4000,
  // x → 2 score summaries, sufficient for this model, so the posterior is unchanged.
  compression: () => linearScoreCompressor(linearGaussian.scoreModel),
  training: { epochs: 100 },
  seed: 3,
  ...overrides,
});
