/**
 * Nested sampling with a cheap proxy likelihood L̃ (a surrogate), corrected to the true likelihood L
 * by importance weights. A proxy run's dead point i carries log w̃ᵢ = ln L̃ᵢ + ln ΔXᵢ, ΔXᵢ the prior
 * volume of its shell; the shells are a property of the run, not of L, so
 *   wᵢ = Lᵢ ΔXᵢ = exp(ln w̃ᵢ − ln L̃ᵢ + ln Lᵢ),   Z = Σ wᵢ
 * estimates the true evidence and posterior, unbiased as long as L̃ keeps mass wherever L has it
 * (a proxy with inflated errors does). Points whose proxy weight is below e^{−cut} of the largest
 * are skipped (weight 0): only the posterior bulk needs the expensive L.
 */
import { weightedMean, weightedQuantiles, weightedSd } from '../stats/weighted.ts';
import { logSumExp } from './logmath.ts';
import { normaliseLogWeights } from './weights.ts';

/** Indices of the points within `cut` nats of the largest proxy log-weight. */
export function pointsToReweight(proxyLogWeight: ArrayLike<number>, cut: number): number[] {
  let max = -Infinity;
  for (let i = 0; i < proxyLogWeight.length; i++) max = Math.max(max, proxyLogWeight[i]!);
  const out: number[] = [];
  for (let i = 0; i < proxyLogWeight.length; i++) if (proxyLogWeight[i]! >= max - cut) out.push(i);
  return out;
}

export interface Reweighted {
  logWeight: Float64Array;
  weight: Float64Array;
  logZ: number;
  /** Kish effective sample size of the corrected weights. */
  ess: number;
}

/**
 * Corrected weights for points `indices` of a proxy run, given the true ln L at those points (in the
 * same order); every other point gets weight 0.
 */
export function reweightNested(proxyLogWeight: ArrayLike<number>, proxyLogL: ArrayLike<number>, indices: readonly number[], trueLogL: ArrayLike<number>): Reweighted {
  const logWeight = new Float64Array(proxyLogWeight.length).fill(-Infinity);
  indices.forEach((i, k) => (logWeight[i] = proxyLogWeight[i]! - proxyLogL[i]! + trueLogL[k]!));
  const weight = normaliseLogWeights(logWeight);
  let sumSq = 0;
  for (const w of weight) sumSq += w * w;
  return { logWeight, weight, logZ: logSumExp(logWeight), ess: 1 / sumSq };
}

export interface LogLikelihoodShift {
  deltaLogLMean: number;
  deltaLogLSd: number;
  /** Weighted 5 %, 50 % and 95 % points: the spread without the few far-off points that can dominate the sd. */
  deltaLogLQ05: number;
  deltaLogLQ50: number;
  deltaLogLQ95: number;
}

/**
 * Mean, standard deviation (reliability-weighted) and quantiles of ln L − ln L̃ over the input posterior (its weights,
 * renormalised over the evaluated points). A constant shift only moves ln Z; the spread is what
 * reshapes the posterior (for a log-normal ratio, ESS/N ≈ e^{−sd²}).
 */
export function logLikelihoodShift(proxyWeight: ArrayLike<number>, proxyLogL: ArrayLike<number>, indices: readonly number[], trueLogL: ArrayLike<number>): LogLikelihoodShift {
  const values = Float64Array.from(indices, (i, k) => trueLogL[k]! - proxyLogL[i]!);
  const weights = Float64Array.from(indices, (i) => proxyWeight[i]!);
  const sample = { values, weights };
  const [q05, q50, q95] = weightedQuantiles(sample, [0.05, 0.5, 0.95]);
  return { deltaLogLMean: weightedMean(sample), deltaLogLSd: weightedSd(sample), deltaLogLQ05: q05!, deltaLogLQ50: q50!, deltaLogLQ95: q95! };
}
