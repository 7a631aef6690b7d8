/**
 * Retrieval problems: the uniform prior, the observed (or injected) spectrum, and the Gaussian
 * likelihood with either the full forward model or the neural surrogate in place of radiative
 * transfer (Himes et al. 2022).
 */
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

