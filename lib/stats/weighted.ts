/**
 * Summaries of weighted samples {(x_i, w_i)}: nested sampling returns importance-weighted points,
 * MCMC and neural samplers return equal weights (weights omitted). Weights need not be normalised.
 */
import type { Rng } from '../random.ts';

/** One parameter's draws with optional non-negative importance weights (equal weights when absent). */
export interface WeightedSample {
  values: ArrayLike<number>;
  weights?: ArrayLike<number>;
}

/** Posterior draws as named columns sharing one optional weight column (how the run store holds them). */
export interface SampleSet {
  samples: Record<string, ArrayLike<number>>;
  weights?: ArrayLike<number>;
}

/** Columns of a stored posterior table that are not parameters: weights, ln L, chain bookkeeping. */
export const POSTERIOR_BOOKKEEPING = new Set(['weight', 'logWeight', 'logL', 'chain', 'step', 'walker']);

/** Weights normalised to sum 1; validates length, sign and finiteness once for every caller. */
export function normalizedWeights(n: number, weights?: ArrayLike<number>): Float64Array {
  if (n === 0) throw new Error('no samples');
  const w = new Float64Array(n);
  if (!weights) return w.fill(1 / n);
  if (weights.length !== n) throw new Error(`weights have length ${weights.length}, samples ${n}`);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const wi = weights[i];
    if (!(wi >= 0) || !Number.isFinite(wi)) throw new Error(`weight ${i} is ${wi}; weights must be finite and >= 0`);
    total += wi;
  }
  if (!(total > 0)) throw new Error('weights sum to zero');
  for (let i = 0; i < n; i++) w[i] = weights[i] / total;
  return w;
}

/** Kish effective sample size (Σw)² / Σw²: n for equal weights, 1 when one weight dominates. */
export function kishEss(weights: ArrayLike<number> | undefined, n = weights?.length ?? 0): number {
  if (!weights) return n;
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < weights.length; i++) {
    s += weights[i];
    s2 += weights[i] * weights[i];
  }
  return s2 > 0 ? (s * s) / s2 : 0;
}

/** Weighted mean Σ wᵢxᵢ / Σ wᵢ. */
export function weightedMean(sample: WeightedSample): number {
  const { values } = sample;
  const w = normalizedWeights(values.length, sample.weights);
  let m = 0;
  for (let i = 0; i < values.length; i++) m += w[i] * values[i];
  return m;
}

/**
 * Weighted standard deviation with the reliability-weights correction
 * σ² = Σ wᵢ(xᵢ−μ)² / (1 − Σ wᵢ²) for normalised w, which reduces to the n−1 estimator for equal weights.
 */
export function weightedSd(sample: WeightedSample): number {
  const { values } = sample;
  const n = values.length;
  if (n < 2) return 0;
  const w = normalizedWeights(n, sample.weights);
  let m = 0;
  for (let i = 0; i < n; i++) m += w[i] * values[i];
  let ss = 0;
  let w2 = 0;
  for (let i = 0; i < n; i++) {
    const d = values[i] - m;
    ss += w[i] * d * d;
    w2 += w[i] * w[i];
  }
  return w2 < 1 ? Math.sqrt(ss / (1 - w2)) : 0;
}

/**
 * Weighted quantiles by the midpoint rule: sorted point i sits at cumulative probability
 * Cᵢ − wᵢ/2 and quantiles interpolate linearly between those positions (Hazen's (i+½)/n for equal
 * weights). One sort serves every requested probability.
 */
export function weightedQuantiles(sample: WeightedSample, probs: readonly number[]): number[] {
  const { values } = sample;
  const n = values.length;
  const w = normalizedWeights(n, sample.weights);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a] - values[b]);
  const positions = new Float64Array(n);
  let cumulative = 0;
  for (let k = 0; k < n; k++) {
    const wk = w[order[k]];
    positions[k] = cumulative + wk / 2;
    cumulative += wk;
  }
  return probs.map((p) => {
    if (!(p >= 0 && p <= 1)) throw new Error(`quantile probability ${p} outside [0, 1]`);
    if (p <= positions[0]) return values[order[0]];
    if (p >= positions[n - 1]) return values[order[n - 1]];
    let lo = 0;
    let hi = n - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (positions[mid] <= p) lo = mid;
      else hi = mid;
    }
    const t = positions[hi] > positions[lo] ? (p - positions[lo]) / (positions[hi] - positions[lo]) : 0;
    return values[order[lo]] + t * (values[order[hi]] - values[order[lo]]);
  });
}

export function weightedQuantile(sample: WeightedSample, p: number): number {
  return weightedQuantiles(sample, [p])[0];
}

/** Central (equal-tailed) credible interval holding `mass` of the posterior: [q((1−m)/2), q((1+m)/2)]. */
export function credibleInterval(sample: WeightedSample, mass: number): [number, number] {
  if (!(mass > 0 && mass < 1)) throw new Error(`credible mass ${mass} outside (0, 1)`);
  const [lo, hi] = weightedQuantiles(sample, [(1 - mass) / 2, (1 + mass) / 2]);
  return [lo, hi];
}

/** The median and the 68 % and 95 % central credible intervals of one parameter. */
export interface CentralIntervals {
  median: number;
  ci68: [number, number];
  ci95: [number, number];
}

export function centralIntervals(sample: WeightedSample): CentralIntervals {
  const [q025, q16, q50, q84, q975] = weightedQuantiles(sample, [0.025, 0.16, 0.5, 0.84, 0.975]);
  return { median: q50, ci68: [q16, q84], ci95: [q025, q975] };
}

/** centralIntervals of every parameter of a sample set, in its column order. */
export function intervalsByParameter(set: SampleSet): ({ name: string } & CentralIntervals)[] {
  return Object.entries(set.samples).map(([name, values]) => ({ name, ...centralIntervals({ values, weights: set.weights }) }));
}

/** Mean, sd, median, the 68 % and 95 % central intervals and the Kish ESS of one parameter. */
export interface ParameterSummary extends CentralIntervals {
  mean: number;
  sd: number;
  ess: number;
}

export function summarize(sample: WeightedSample): ParameterSummary {
  return {
    mean: weightedMean(sample),
    sd: weightedSd(sample),
    ...centralIntervals(sample),
    ess: kishEss(sample.weights, sample.values.length),
  };
}

/**
 * Systematic resampling: `count` indices drawn with probability ∝ wᵢ from one uniform offset, so the
 * result has the lowest variance among unbiased schemes and is fixed by the generator's state.
 */
export function resampleIndices(n: number, weights: ArrayLike<number> | undefined, count: number, rng: Rng): Uint32Array {
  const w = normalizedWeights(n, weights);
  const out = new Uint32Array(count);
  const u0 = rng.uniform() / count;
  let cumulative = w[0];
  let i = 0;
  for (let k = 0; k < count; k++) {
    const u = u0 + k / count;
    while (u > cumulative && i < n - 1) cumulative += w[++i];
    out[k] = i;
  }
  // Systematic resampling keeps the input order; shuffling makes any prefix a fair subsample.
  const idx = Array.from(out);
  rng.shuffle(idx);
  return Uint32Array.from(idx);
}
