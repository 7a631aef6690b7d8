/**
 * Retrieval problems: the uniform prior, the observed (or injected) spectrum, and the Gaussian
 * likelihood with either the full forward model or the neural surrogate in place of radiative
 * transfer (Himes et al. 2022).
 */
import { cholesky } from '../../lib/nn/linalg.ts';
import { toMatrix } from '../../lib/nn/matrix.ts';
import { Surrogate, type SerializedSurrogate } from '../../lib/nn/surrogate.ts';
import { Rng } from '../../lib/random.ts';
import { DEFAULT_RESOLUTION, PARAMETERS, PARAM_NAMES } from './constants.ts';
import { DATA_DIR, loadEclipseSpectrum, type EclipseSpectrum } from './data.ts';
import { ForwardModel, type Resolution } from './forward.ts';

export function priorTransform(u: readonly number[]): number[] {
  return PARAMETERS.map((p, i) => p.low + (p.high - p.low) * u[i]!);
}

export function samplePrior(rng: Rng): number[] {
  return priorTransform(PARAMETERS.map(() => rng.uniform()));
}

const spectra = new Map<string, EclipseSpectrum>();
/** The eclipse spectrum in `dir`, read once per process. */
export function cachedSpectrum(dir = DATA_DIR): EclipseSpectrum {
  if (!spectra.has(dir)) spectra.set(dir, loadEclipseSpectrum(dir));
  return spectra.get(dir)!;
}

const models = new Map<string, ForwardModel>();
/** One forward model (opacity tables built once) per data folder and resolution. */
export function cachedForwardModel(dir = DATA_DIR, resolution: Resolution = { ...DEFAULT_RESOLUTION }): ForwardModel {
  const key = JSON.stringify([dir, resolution]);
  if (!models.has(key)) models.set(key, new ForwardModel(cachedSpectrum(dir).bands, resolution));
  return models.get(key)!;
}

export interface Observation {
  depth: Float64Array;
  error: Float64Array;
  truth?: number[];
}

/** Random stream of injection `index` in a run with seed `runSeed` (the same in every stage, report and bench). */
export function injectionRng(runSeed: number, index: number): Rng {
  return Rng.fromSeed(runSeed + 2).fork(index);
}

/**
 * A synthetic observation: the forward model at θ_true plus Gaussian noise at the real error bars,
 * θ_true drawn from the prior by `rng` unless given.
 */
export function injectObservation(model: ForwardModel, error: Float64Array, rng: Rng, truth?: number[]): Observation {
  const theta = truth ?? samplePrior(rng);
  const clean = model.depths(theta);
  return { depth: clean.map((d, i) => d + error[i]! * rng.normal()), error, truth: theta };
}

/** ln L = −½ Σ (d − m)² / s² − Σ ln s − (n/2) ln 2π, s the observation's errors. */
export function gaussianLogLikelihood(obs: Observation, model: ArrayLike<number>): number {
  let chi2 = 0;
  let logNorm = 0;
  const n = obs.depth.length;
  for (let i = 0; i < n; i++) {
    const r = obs.depth[i]! - model[i]!;
    chi2 += (r * r) / (obs.error[i]! * obs.error[i]!);
    logNorm += Math.log(obs.error[i]!);
  }
  return -0.5 * chi2 - logNorm - 0.5 * n * Math.log(2 * Math.PI);
}

/** Batched ln L with the full radiative-transfer model. */
export function fullLogLikelihood(model: ForwardModel, obs: Observation): (batch: number[][]) => number[] {
  const buffer = new Float64Array(model.nBands);
  return (batch) => batch.map((theta) => gaussianLogLikelihood(obs, model.depths(theta, buffer)));
}

/**
 * The observation with the surrogate's own error folded in: s² = σ² + (scale × rmse)², rmse the
 * surrogate's held-out error per band (measured on prior draws at training, so independent of the
 * data). The surrogate posterior then stays wide enough to cover the full model's.
 */
export function withModelError(obs: Observation, rmse: ArrayLike<number>, scale: number): Observation {
  return { ...obs, error: obs.error.map((e, i) => Math.hypot(e, scale * rmse[i]!)) };
}

/**
 * Batched ln L with the surrogate: one ensemble prediction for the whole batch (per-call overhead
 * of the network dominates single-point calls).
 */
export function surrogateLogLikelihood(surrogate: Surrogate, obs: Observation): (batch: number[][]) => number[] {
  return (batch) => {
    const { mean } = surrogate.predictMatrix(toMatrix(batch, PARAM_NAMES.length));
    const cols = mean.cols;
    return batch.map((_, r) => gaussianLogLikelihood(obs, mean.data.subarray(r * cols, (r + 1) * cols)));
  };
}

/** Parse the `surrogate` JSON artifact (a one-row `json` table, RunStore.putJson). */
export function surrogateFromArtifact(json: string): Surrogate {
  return Surrogate.restore(JSON.parse(json) as SerializedSurrogate);
}


/**
 * A region of parameter space around a posterior, for local refinement of the surrogate: the
 * posterior's weighted mean and covariance widened by `widen` (Σ_region = widen² Σ_posterior),
 * held as the Cholesky factor L of Σ_region. Points are drawn from N(mean, Σ_region) truncated to
 * the prior box; membership is the Mahalanobis distance d² = (θ − mean)ᵀ Σ_region⁻¹ (θ − mean).
 */
export interface Region {
  mean: number[];
  chol: number[][];
}

/** The region of a weighted posterior sample (rows θ, weights summing to any positive total). */
export function posteriorRegion(thetas: readonly (readonly number[])[], weights: ArrayLike<number>, widen: number): Region {
  const d = thetas[0]!.length;
  let total = 0;
  for (let i = 0; i < thetas.length; i++) total += weights[i]!;
  const mean = new Array<number>(d).fill(0);
  thetas.forEach((t, i) => t.forEach((x, a) => (mean[a]! += (weights[i]! / total) * x)));
  const cov = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  thetas.forEach((t, i) => {
    const w = weights[i]! / total;
    for (let a = 0; a < d; a++) for (let b = 0; b <= a; b++) cov[a]![b]! += w * (t[a]! - mean[a]!) * (t[b]! - mean[b]!);
  });
  // Symmetrise, widen, and add (1e-4 × prior range)² to the diagonal (a posterior collapsed onto
  // a prior bound, or a degenerate direction, would otherwise give a singular covariance).
  for (let a = 0; a < d; a++) {
    for (let b = 0; b < a; b++) cov[b]![a] = cov[a]![b] = cov[a]![b]! * widen * widen;
    const range = PARAMETERS[a]!.high - PARAMETERS[a]!.low;
    cov[a]![a] = cov[a]![a]! * widen * widen + (1e-4 * range) ** 2;
  }
  return { mean, chol: cholesky(cov) };
}

/** d² of θ from the region's mean in units of its covariance. */
export function mahalanobis2(region: Region, theta: readonly number[]): number {
  const { chol, mean } = region;
  const d = mean.length;
  const y = new Array<number>(d);
  let s2 = 0;
  for (let i = 0; i < d; i++) {
    let s = theta[i]! - mean[i]!;
    for (let k = 0; k < i; k++) s -= chol[i]![k]! * y[k]!;
    y[i] = s / chol[i]![i]!;
    s2 += y[i]! * y[i]!;
  }
  return s2;
}

const insidePrior = (theta: readonly number[]) => PARAMETERS.every((p, i) => theta[i]! >= p.low && theta[i]! <= p.high);

/**
 * θ ~ N(mean, Σ_region) truncated to the prior box (rejection; after 1000 rejections a draw from
 * the prior, so the loop always ends).
 */
export function sampleRegion(region: Region, rng: Rng): number[] {
  const d = region.mean.length;
  for (let attempt = 0; attempt < 1000; attempt++) {
    const z = Array.from({ length: d }, () => rng.normal());
    const theta = region.mean.map((m, i) => {
      let s = m;
      for (let k = 0; k <= i; k++) s += region.chol[i]![k]! * z[k]!;
      return s;
    });
    if (insidePrior(theta)) return theta;
  }
  return samplePrior(rng);
}

/**
 * One level of a refined likelihood: a surrogate network, its (error-inflated) observation, and
 * where it is trusted (null: everywhere). Level 0 predicts the spectrum; every later level predicts
 * the residual of the full model after the levels below it (trained on full − previous prediction
 * in its region), so level j's spectrum is the sum of networks 0…j and its held-out RMSE is the
 * error of that sum.
 */
export interface SurrogateLevel {
  surrogate: Surrogate;
  obs: Observation;
  region: Region | null;
  /** Trusted where d² < maxD2. */
  maxD2: number;
}

/** Σ of the first `count` networks' ensemble means at each row of `batch` (row-major, outputDim columns). */
export function stackedPrediction(surrogates: readonly Surrogate[], batch: readonly (readonly number[])[], count = surrogates.length): Float64Array {
  const cols = surrogates[0]!.outputDim;
  const out = new Float64Array(batch.length * cols);
  if (!batch.length) return out;
  const inputs = toMatrix(batch as number[][], PARAM_NAMES.length);
  for (let j = 0; j < count; j++) {
    const { mean } = surrogates[j]!.predictMatrix(inputs);
    for (let k = 0; k < out.length; k++) out[k]! += mean.data[k]!;
  }
  return out;
}

/**
 * Batched ln L with stacked surrogates (base surrogate everywhere, each refinement's residual
 * network added inside its region): each point uses the last level whose region contains it, so
 * nested sampling explores the whole prior with the base surrogate and the posterior bulk with the
 * most refined sum. Points outside the innermost region get `outsidePenalty` nats less: the outer
 * levels only guide the sampler towards the region (their shape is kept), and neither their
 * spurious peaks nor the normalisation of their error-inflated likelihoods can pull posterior mass
 * or evidence out of it — the result is the posterior and evidence of the prior restricted to the
 * innermost region, equal to the unrestricted ones when the region holds the posterior.
 */
export function refinedLogLikelihood(levels: readonly SurrogateLevel[], outsidePenalty = 0): (batch: number[][]) => number[] {
  const surrogates = levels.map((l) => l.surrogate);
  return (batch) => {
    const level = batch.map((theta) => {
      for (let j = levels.length - 1; j > 0; j--) {
        const l = levels[j]!;
        if (!l.region || mahalanobis2(l.region, theta) < l.maxD2) return j;
      }
      return 0;
    });
    const out = new Array<number>(batch.length);
    levels.forEach((l, j) => {
      const rows = batch.flatMap((_, i) => (level[i] === j ? [i] : []));
      if (!rows.length) return;
      const mean = stackedPrediction(surrogates, rows.map((i) => batch[i]!), j + 1);
      const cols = surrogates[0]!.outputDim;
      const penalty = j < levels.length - 1 ? outsidePenalty : 0;
      rows.forEach((i, k) => (out[i] = gaussianLogLikelihood(l.obs, mean.subarray(k * cols, (k + 1) * cols)) - penalty));
    });
    return out;
  };
}
