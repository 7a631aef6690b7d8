import type { NestedResult } from '../../../lib/sampling/index.ts';
import { normaliseLogWeights } from '../../../lib/sampling/index.ts';

/** Posterior mean and standard deviation of f(θ) under the nested sampler's weights. */
export function weightedMoments(result: NestedResult, f: (theta: number[]) => number): { mean: number; sd: number } {
  const w = normaliseLogWeights(result.samples.logWeight);
  let mean = 0;
  result.samples.theta.forEach((t, i) => (mean += w[i] * f(t)));
  let variance = 0;
  result.samples.theta.forEach((t, i) => (variance += w[i] * (f(t) - mean) ** 2));
  return { mean, sd: Math.sqrt(variance) };
}

export function meanAndSd(values: number[]): { mean: number; sd: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1));
  return { mean, sd };
}
