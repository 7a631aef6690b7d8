/**
 * The MBHB experiment both inference stages share: the injected TaylorF2 signal plus one seeded
 * noise realisation, a uniform prior box around the injection, the exact Whittle likelihood (for
 * nested sampling) and the simulator with linear score compression (for SNL).
 */
import { Rng } from '../../lib/random.ts';
import { addSignals, drawNoise, whittleLogLikelihood, type FrequencyGrid } from './data-model.ts';
import { scoreCompressor, type ScoreCompressor } from './fisher.ts';
import { boxPrior } from './prior.ts';
import { binarySignal, injectedBinary, sourceGrid, type SourceConfig } from './source.ts';
import type { Signal } from './waveform.ts';

export interface MbhbSettings {
  source: SourceConfig;
  /** Seed of the observed noise realisation. */
  noiseSeed: number;
  /** Prior half-widths in Fisher σ of each parameter (q also capped at 1). */
  priorHalfWidth: number;
}

export interface MbhbExperiment {
  grid: FrequencyGrid;
  truth: number[];
  data: Signal;
  prior: ReturnType<typeof boxPrior>;
  compressor: ScoreCompressor;
  logLikelihood(batch: number[][]): number[];
  /** Compressed simulations Δθ̂ = F⁻¹ (∂h | h(θ) + n − h(θ*)), one per θ. */
  simulate(thetas: number[][], rng: Rng): number[][];
  observation: number[];
}

/** Finite-difference steps for ∂h/∂θ: well inside the posterior width, far above round-off. */
export function derivativeSteps(theta: readonly number[]): number[] {
  return [theta[0]! * 1e-7, 1e-5, theta[2]! * 1e-5, 0.05, 1e-4];
}

export function mbhbExperiment(settings: MbhbSettings): MbhbExperiment {
  const { source, noiseSeed, priorHalfWidth } = settings;
  const grid = sourceGrid(source);
  const truth = injectedBinary(source);
  const model = (theta: readonly number[]) => binarySignal(grid, theta);
  const data = addSignals(model(truth), drawNoise(grid, Rng.fromSeed(noiseSeed)));
  // The fiducial point is the prior's centre (the injection, as in the seed paper's priors).
  const compressor = scoreCompressor(grid, model, truth, derivativeSteps(truth));
  const sigma = compressor.covariance.map((row, i) => Math.sqrt(row[i]!));
  const lower = truth.map((t, i) => t - priorHalfWidth * sigma[i]!);
  const upper = truth.map((t, i) => (i === 1 ? Math.min(1, t + priorHalfWidth * sigma[i]!) : t + priorHalfWidth * sigma[i]!));
  return {
    grid,
    truth,
    data,
    prior: boxPrior(lower, upper),
    compressor,
    logLikelihood: (batch) => batch.map((theta) => whittleLogLikelihood(grid, data, model(theta))),
    simulate: (thetas, rng) => thetas.map((theta) => compressor.compress(addSignals(model(theta), drawNoise(grid, rng)))),
    observation: compressor.compress(data),
  };
}
