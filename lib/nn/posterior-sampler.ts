/**
 * The small sampler interface SNL needs, and a built-in fallback that satisfies it.
 *
 * Any MCMC or nested sampler from lib/sampling can be plugged in by wrapping it as a
 * {@link PosteriorSampler}: given a batched unnormalised log density (and, for nested sampling,
 * the likelihood and prior separately) and starting points, return approximately independent draws.
 *
 * The fallback is lib/sampling's affine-invariant ensemble sampler (Goodman & Weare 2010, emcee's
 * stretch move), which evaluates each half of the walkers in one batched call.
 */
import type { Rng } from '../random.ts';
import { EnsembleSampler } from '../sampling/mcmc/ensemble.ts';

export type BatchedLogDensity = (points: number[][]) => Promise<number[]>;

export interface Prior {
  dim: number;
  sample(rng: Rng): number[];
  /** log p(θ) up to a constant; −Infinity outside the support. */
  logDensity(theta: readonly number[]): number;
  /** Maps a point of the unit cube to θ ~ p(θ); needed only by nested samplers. */
  fromUnitCube?(u: readonly number[]): number[];
}

export interface PosteriorSamplingRequest {
  /** Unnormalised log posterior, log L(θ) + log p(θ), −Infinity outside the prior's support. */
  logDensity: BatchedLogDensity;
  /** The two terms separately, for samplers that treat them apart (nested sampling); SNL gives both. */
  logLikelihood?: BatchedLogDensity;
  prior?: Prior;
  /** Candidate starting points, e.g. prior draws or the previous round's posterior. */
  initial: number[][];
  samples: number;
  seed: number;
}

export type PosteriorSampler = (request: PosteriorSamplingRequest) => Promise<number[][]>;

export interface EnsembleSamplerOptions {
  walkers?: number;
  burnIn?: number;
  /** Keep every `thin`-th step of every walker. */
  thin?: number;
  /** Stretch scale a (emcee's default 2). */
  stretch?: number;
}

/** The fallback: lib/sampling's ensemble MCMC, started from the best candidates, burnt in and thinned. */
export function ensembleSampler(options: EnsembleSamplerOptions = {}): PosteriorSampler {
  return async ({ logDensity, initial, samples, seed }) => {
    const dim = initial[0].length;
    const walkers = 2 * Math.ceil(Math.max(options.walkers ?? 64, 2 * dim + 2) / 2);
    const burnIn = options.burnIn ?? 300;
    const thin = options.thin ?? 5;

    // Start from the best of the candidates: well inside the posterior and spread across it.
    const candidateLogP = await logDensity(initial);
    const ranked = initial
      .map((point, i) => ({ point, logP: candidateLogP[i] }))
      .filter((c) => Number.isFinite(c.logP))
      .sort((x, y) => y.logP - x.logP);
    if (ranked.length < walkers) {
      throw new Error(`ensemble sampler needs ${walkers} starting points with finite density, got ${ranked.length}`);
    }
    const sampler = new EnsembleSampler(
      { ndim: dim, logProb: logDensity },
      ranked.slice(0, walkers).map((c) => [...c.point]),
      { seed, a: options.stretch ?? 2 },
    );
    await sampler.run(burnIn + thin * Math.ceil(samples / walkers));
    return sampler.flatChain({ discard: burnIn, thin }).slice(0, samples);
  };
}
