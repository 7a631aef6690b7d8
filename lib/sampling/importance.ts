/**
 * Importance-sampling evidence: Ẑ = (1/N) Σ L(θᵢ) π(θᵢ) / q(θᵢ), θᵢ ~ q, with q a Gaussian mixture
 * fitted (EM) to posterior samples and widened. An independent check of a nested sampler's ln Z
 * that needs no mixing: unbiased in Z whenever q > 0 wherever L·π > 0, with a standard error from
 * the weights themselves. Its weak point is a region of posterior mass q barely covers (a missed
 * mode): a few huge weights then dominate — hence the reported ESS and largest weight's share,
 * and the widened components (heavier tails than the samples'). Fit q on samples from runs other
 * than the ones judged, if possible.
 */
import { cholesky } from '../nn/linalg.ts';
import type { Rng } from '../random.ts';
import { kishEss, resampleIndices } from '../stats/weighted.ts';
import { logSumExp } from './logmath.ts';

export interface GaussianMixture {
  weights: number[];
  means: number[][];
  /** Lower Cholesky factors of the covariances. */
  chol: number[][][];
}

const LOG_2PI = Math.log(2 * Math.PI);

function logGaussian(x: readonly number[], mean: readonly number[], l: readonly (readonly number[])[]): number {
  const d = x.length;
  const z = new Array<number>(d);
  let q = 0;
  let logDet = 0;
  for (let i = 0; i < d; i++) {
    let s = x[i]! - mean[i]!;
    for (let k = 0; k < i; k++) s -= l[i]![k]! * z[k]!;
    z[i] = s / l[i]![i]!;
    q += z[i]! * z[i]!;
    logDet += Math.log(l[i]![i]!);
  }
  return -0.5 * q - logDet - 0.5 * d * LOG_2PI;
}

export function mixtureLogDensity(mix: GaussianMixture, x: readonly number[]): number {
  return logSumExp(mix.weights.map((w, k) => Math.log(w) + logGaussian(x, mix.means[k]!, mix.chol[k]!)));
}

export function sampleMixture(mix: GaussianMixture, rng: Rng): number[] {
  let u = rng.uniform();
  let k = 0;
  while (k < mix.weights.length - 1 && u > mix.weights[k]!) u -= mix.weights[k++]!;
  const l = mix.chol[k]!;
  const z = mix.means[k]!.map(() => rng.normal());
  return mix.means[k]!.map((m, i) => {
    let v = m;
    for (let j = 0; j <= i; j++) v += l[i]![j]! * z[j]!;
    return v;
  });
}

/**
 * EM fit of a `components`-Gaussian mixture to `size` points resampled by weight from weighted
 * samples (nested-sampling posteriors carry weights). Seeded: same samples and rng state, same fit.
 * A small diagonal floor (1e-6 of each coordinate's variance) keeps every covariance invertible.
 */
export function fitGaussianMixture(
  samples: { points: readonly (readonly number[])[]; weights?: ArrayLike<number> },
  options: { components: number; size?: number; iterations?: number; rng: Rng },
): GaussianMixture {
  const { components, rng } = options;
  const picks = resampleIndices(samples.points.length, samples.weights, options.size ?? 6000, rng);
  const x = Array.from(picks, (i) => samples.points[i]!);
  const n = x.length;
  const d = x[0]!.length;
  const globalMean = Array.from({ length: d }, (_, a) => x.reduce((s, p) => s + p[a]!, 0) / n);
  const floor = globalMean.map((m, a) => 1e-6 * (x.reduce((s, p) => s + (p[a]! - m) ** 2, 0) / n) + 1e-300);
  const covariance = (mean: number[], resp: (i: number) => number, total: number) =>
    Array.from({ length: d }, (_, a) =>
      Array.from({ length: d }, (_, b) => x.reduce((s, p, i) => s + resp(i) * (p[a]! - mean[a]!) * (p[b]! - mean[b]!), 0) / total + (a === b ? floor[a]! : 0)),
    );
  const globalCov = covariance(globalMean, () => 1, n);
  let mix: GaussianMixture = {
    weights: new Array<number>(components).fill(1 / components),
    means: Array.from({ length: components }, () => [...x[rng.int(n)]!]),
    chol: Array.from({ length: components }, () => cholesky(globalCov)),
  };
  for (let it = 0; it < (options.iterations ?? 50); it++) {
    const resp = x.map((p) => {
      const logs = mix.weights.map((w, k) => Math.log(w) + logGaussian(p, mix.means[k]!, mix.chol[k]!));
      const total = logSumExp(logs);
      return logs.map((l) => Math.exp(l - total));
    });
    const next: GaussianMixture = { weights: [], means: [], chol: [] };
    for (let k = 0; k < components; k++) {
      const nk = resp.reduce((s, r) => s + r[k]!, 0);
      // A component that lost all its points is dropped (the others keep the mass).
      if (nk < d + 1) continue;
      const mean = Array.from({ length: d }, (_, a) => x.reduce((s, p, i) => s + resp[i]![k]! * p[a]!, 0) / nk);
      next.weights.push(nk / n);
      next.means.push(mean);
      next.chol.push(cholesky(covariance(mean, (i) => resp[i]![k]!, nk)));
    }
    const total = next.weights.reduce((a, b) => a + b, 0);
    next.weights = next.weights.map((w) => w / total);
    mix = next;
  }
  return mix;
}

/**
 * The mixture with every covariance scaled by factor² for each (factor, share) pair: e.g.
 * [[1.5, 0.85], [3, 0.15]] gives each component a core 1.5× wider than fitted and tails 3× wider.
 */
export function widenMixture(mix: GaussianMixture, widths: readonly (readonly [factor: number, share: number])[]): GaussianMixture {
  const out: GaussianMixture = { weights: [], means: [], chol: [] };
  for (const [factor, share] of widths) {
    mix.weights.forEach((w, k) => {
      out.weights.push(w * share);
      out.means.push(mix.means[k]!);
      out.chol.push(mix.chol[k]!.map((row) => row.map((v) => v * factor)));
    });
  }
  const total = out.weights.reduce((a, b) => a + b, 0);
  out.weights = out.weights.map((w) => w / total);
  return out;
}

export interface ImportanceEvidence {
  logZ: number;
  /** Standard error of ln Ẑ (delta method: sd of the weights / (√N · mean weight)). */
  logZerr: number;
  draws: number;
  /** Kish effective sample size of the weights. */
  ess: number;
  /** The largest single weight's share of their sum (near 1/ESS when well behaved; large: q misses mass). */
  maxWeightShare: number;
  /** Fraction of draws outside the prior's support (weight 0). */
  outside: number;
}

type LogTarget = (batch: number[][]) => ArrayLike<number> | Promise<ArrayLike<number>>;
interface DrawOptions {
  draws: number;
  rng: Rng;
  /** Points per logTarget call (default 500). */
  batch?: number;
}

/**
 * ln wᵢ = ln L(θᵢ) + ln π(θᵢ) − ln q(θᵢ) for `draws` draws θᵢ of `proposal`; `logTarget(batch)`
 * returns ln L + ln π per point (−Infinity outside the prior's support), batched like a likelihood.
 * Chunks drawn with different seeds combine by concatenation (summariseWeights).
 */
export async function importanceLogWeights(logTarget: LogTarget, proposal: GaussianMixture, options: DrawOptions): Promise<number[]> {
  const batchSize = options.batch ?? 500;
  const logW: number[] = [];
  for (let start = 0; start < options.draws; start += batchSize) {
    const batch = Array.from({ length: Math.min(batchSize, options.draws - start) }, () => sampleMixture(proposal, options.rng));
    const target = await logTarget(batch);
    batch.forEach((x, i) => logW.push(target[i]! === -Infinity ? -Infinity : target[i]! - mixtureLogDensity(proposal, x)));
  }
  return logW;
}

/** Ẑ from `draws` draws of `proposal` (importanceLogWeights, summarised). */
export async function importanceEvidence(logTarget: LogTarget, proposal: GaussianMixture, options: DrawOptions): Promise<ImportanceEvidence> {
  return summariseWeights(await importanceLogWeights(logTarget, proposal, options));
}

export function summariseWeights(logW: readonly number[]): ImportanceEvidence {
  const n = logW.length;
  const max = logW.reduce((a, b) => Math.max(a, b), -Infinity);
  if (max === -Infinity) throw new Error(`none of ${n} importance draws fell inside the prior's support`);
  const w = logW.map((l) => Math.exp(l - max));
  const sum = w.reduce((a, b) => a + b, 0);
  const mean = sum / n;
  const variance = w.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1);
  return {
    logZ: max + Math.log(mean),
    logZerr: Math.sqrt(variance / n) / mean,
    draws: n,
    ess: kishEss(w),
    maxWeightShare: w.reduce((a, b) => Math.max(a, b), 0) / sum,
    outside: logW.filter((l) => l === -Infinity).length / n,
  };
}
