/**
 * Retrieval problems: the (folded) uniform prior, the observed (or injected) spectrum, the Gaussian
 * likelihood with the full forward model or a neural surrogate in place of radiative transfer
 * (Himes et al. 2022), and the guide of the surrogate-guided exact retrieval.
 */
import type { Table } from 'apache-arrow';
import { toMatrix } from '../../lib/nn/matrix.ts';
import { surrogateFromTable } from '../../lib/nn/network-table.ts';
import { Surrogate } from '../../lib/nn/surrogate.ts';
import { Rng } from '../../lib/random.ts';
import { DEFAULT_RESOLUTION, PARAMETERS, PARAM_NAMES } from './constants.ts';
import { DATA_DIR, loadEclipseSpectrum, type EclipseSpectrum } from './data.ts';
import { ForwardModel, type Resolution } from './forward.ts';
import { foldedPriorTransform } from './symmetry.ts';

/** BART's uniform prior, folded onto the profile's canonical copy (symmetry.ts): every retrieval samples it. */
export const priorTransform = foldedPriorTransform;

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
 * The observation with a surrogate's own error added: s² = σ² + (scale × rmse)², rmse its held-out
 * error per band. Only the search retrieval uses it (a wide first posterior for round 1 to train on).
 */
export function withModelError(obs: Observation, rmse: ArrayLike<number>, scale: number): Observation {
  return { ...obs, error: obs.error.map((e, i) => Math.hypot(e, scale * rmse[i]!)) };
}

/**
 * Batched surrogate likelihood from one ensemble prediction per batch (the network's per-call
 * overhead dominates single points): ln L̃ at the ensemble-mean spectrum, and as `spread` the
 * standard deviation over members of each member's own ln L — the ensemble's disagreement in nats,
 * the unit of the guided sampler's margin. A posterior-trained ensemble agrees where it was
 * trained and disagrees where it extrapolates, so the margin widens where the surrogate knows least.
 */
export function surrogateLikelihood(surrogate: Surrogate, obs: Observation): (batch: number[][]) => { logL: number[]; spread: number[] } {
  return (batch) => {
    const members = surrogate.predictMembers(toMatrix(batch, PARAM_NAMES.length));
    const cols = surrogate.outputDim;
    const k = members.length;
    const mean = new Float64Array(cols);
    const memberLogL = new Float64Array(k);
    const logL: number[] = [];
    const spread: number[] = [];
    for (let r = 0; r < batch.length; r++) {
      mean.fill(0);
      members.forEach((m, j) => {
        const row = m.data.subarray(r * cols, (r + 1) * cols);
        for (let i = 0; i < cols; i++) mean[i]! += row[i]! / k;
        memberLogL[j] = gaussianLogLikelihood(obs, row);
      });
      const avg = memberLogL.reduce((a, b) => a + b, 0) / k;
      const variance = memberLogL.reduce((a, l) => a + (l - avg) ** 2, 0) / k;
      logL.push(gaussianLogLikelihood(obs, mean));
      // Far outside the training data members can disagree beyond floating point: "huge", not NaN.
      spread.push(Number.isFinite(variance) ? Math.sqrt(variance) : Number.MAX_VALUE);
    }
    return { logL, spread };
  };
}

export type GuideFunction = (batch: number[][]) => { logL: number[]; spread: number[] };

/** Where the guide trusts the network, and how it widens the coarse model's margin (guideLikelihood). */
export interface GuideTrust {
  /** The best full-model ln L the network was trained around (its training set's): depths are measured from it. */
  peakLogL: number;
  /** The network answers within this many nats of the peak (by its own ln L̃)… */
  trustDepth: number;
  /** …where its members agree to this spread (nats). */
  maxSpread: number;
  /** Elsewhere the coarse model answers, with spread = this fraction of its depth below the peak. */
  relativeSpread: number;
}

/**
 * The guided retrieval's surrogate: the posterior-trained ensemble where it was trained — near
 * the peak, members agreeing — and a coarse radiative-transfer grid (GUIDE_RESOLUTION) elsewhere.
 * Why both: a nested run spends about half its iterations on contours tens to thousands of nats
 * below the peak, where a network trained on the posterior underestimates ln L by as much; one such
 * underestimate at a live point widens the guided sampler's margin for the rest of the run (measured:
 * 1168 and 14967 nats after the first hundred iterations). The coarse grid's underestimates stay
 * within a few nats there; its spread grows with depth (relativeSpread) to cover the rest.
 */
export function guideLikelihood(network: GuideFunction, coarse: (batch: number[][]) => ArrayLike<number>, trust: GuideTrust): GuideFunction {
  return (batch) => {
    const { logL, spread } = network(batch);
    const far = batch.flatMap((_, i) => (trust.peakLogL - logL[i]! > trust.trustDepth || spread[i]! > trust.maxSpread ? [i] : []));
    if (far.length) {
      const values = coarse(far.map((i) => batch[i]!));
      far.forEach((i, k) => {
        logL[i] = values[k]!;
        spread[i] = trust.relativeSpread * Math.max(0, trust.peakLogL - values[k]!);
      });
    }
    return { logL, spread };
  };
}

/** Restore the `surrogate` artifact (a network table, lib/nn/network-table.ts). */
export function surrogateFromArtifact(table: Table): Surrogate {
  return Surrogate.restore(surrogateFromTable(table));
}
