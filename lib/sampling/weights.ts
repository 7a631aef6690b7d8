/**
 * Weighted samples: normalisation, effective sample size and equal-weight resampling.
 */
import type { Rng } from '../random.ts';
import { logSumExp } from './logmath.ts';

/** Normalised weights wᵢ = exp(logwᵢ − log Σ exp(logw)). */
export function normaliseLogWeights(logWeights: ArrayLike<number>): Float64Array {
  const total = logSumExp(logWeights);
  const w = new Float64Array(logWeights.length);
  for (let i = 0; i < w.length; i++) w[i] = Math.exp(logWeights[i] - total);
  return w;
}

/**
 * Systematic resampling: one uniform offset u, then n evenly spaced positions (u + k)/n through the
 * cumulative weights. Returns the n chosen indices (sorted). Its variance is below multinomial
 * resampling's, and every sample with weight ≥ 1/n appears at least once.
 */
export function systematicResample(weights: ArrayLike<number>, n: number, rng: Rng): number[] {
  let total = 0;
  for (let i = 0; i < weights.length; i++) total += weights[i];
  const indices: number[] = new Array(n);
  const offset = rng.uniform();
  let cumulative = weights[0] / total;
  let j = 0;
  for (let k = 0; k < n; k++) {
    const position = (offset + k) / n;
    while (position > cumulative && j < weights.length - 1) {
      j++;
      cumulative += weights[j] / total;
    }
    indices[k] = j;
  }
  return indices;
}
