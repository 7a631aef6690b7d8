import { z } from 'zod';
import { checkpointSecondsKey, seedKey } from '../../lib/engine/common-keys.ts';
import type { PipelineDefinition, StageDefinition } from '../../lib/engine/pipeline.ts';
import type { Json } from '../../lib/engine/types.ts';
import { mbhbExperiment, type MbhbExperiment, type MbhbSettings } from './mbhb-model.ts';
import { mbhbFigures } from './report.ts';
import { BINARY_PARAMS, sourceSchema } from './source.ts';

/**
 * The `lisa-mbhb` pipeline: a massive-black-hole binary in LISA noise (TaylorF2 3.5PN, Robson et
 * al. 2019 sensitivity), inferred twice — nested sampling on the exact Whittle likelihood (the
 * reference) and sequential neural likelihood on score-compressed simulations (Martín Vílchez &
 * Sopuerta 2024) — then compared parameter by parameter (Bhattacharyya coefficient) and jointly
 * (C2ST). The report shows the whitened data and the simulator calls of each method.
 */
const DEFAULT_SOURCE = { totalMass: 1e6, massRatio: 0.5, redshift: 1 };

const schema = z
  .object({
    seed: seedKey.describe('Seeds the observed noise realisation and every sampler.'),
    /** The injected binary and its data grid (source-frame total mass, q, z, …; see source.ts). */
    source: sourceSchema.default(sourceSchema.parse(DEFAULT_SOURCE)),
    // Narrow priors around the injection, as in the seed paper; 10 σ keeps the coalescence phase far
    // from its 2π wrap, so its posterior is unimodal.
    priorHalfWidth: z.number().positive().default(10).describe('Uniform prior box: injection ± this many Fisher σ per parameter (q capped at 1).'),
    nlive: z.number().int().min(50).max(100_000).default(1000).describe('Live points of the reference nested-sampling run.'),
    snl: z
      .object({
        rounds: z.number().int().min(1).max(100).default(4).describe('Rounds of sequential neural likelihood: simulate at θ from the current posterior (the prior in round 1), retrain the flow.'),
        // 4 × 125 = 500 ≈ 1.8 % of the ~28k calls of the 1000-live-point reference; 3 × 100 gave
        // min BC 0.95–0.97 (seed-dependent).
        simulationsPerRound: z.number().int().min(20).max(100_000).default(125).describe('Simulations per round: the call budget is rounds × this.'),
        posteriorSamples: z.number().int().min(100).max(1_000_000).default(4000).describe("Posterior draws made after each round (the last round's are the SNL posterior)."),
      })
      .strict()
      .default({ rounds: 4, simulationsPerRound: 125, posteriorSamples: 4000 }),
    c2st: z.boolean().default(true).describe('Also run the classifier two-sample test in the comparison.'),
    checkpointSeconds: checkpointSecondsKey(5),
  })
  .strict();

export type MbhbConfig = z.infer<typeof schema>;

const experiments = new Map<string, MbhbExperiment>();
/** The experiment a stage's params describe (built once per worker: it costs a Fisher matrix). */
export function experimentFromParams(params: { [key: string]: Json }): MbhbExperiment {
  const settings: MbhbSettings = {
    source: sourceSchema.parse(params.source),
    noiseSeed: Number(params.noiseSeed),
    priorHalfWidth: Number(params.priorHalfWidth),
  };
  const key = JSON.stringify(settings);
  if (!experiments.has(key)) experiments.set(key, mbhbExperiment(settings));
  return experiments.get(key)!;
}

export function mbhbSettings(c: MbhbConfig): { [key: string]: Json } {
  return { source: c.source, noiseSeed: c.seed, priorHalfWidth: c.priorHalfWidth };
}

export const lisaMbhb: PipelineDefinition<typeof schema> = {
  name: 'lisa-mbhb',
  description: 'LISA massive black hole binary: sequential neural likelihood on score-compressed data vs nested sampling on the exact likelihood',
  version: '1',
  schema,
  stages: (c): StageDefinition[] => {
    const physics = { problem: 'mbhb', ...mbhbSettings(c) };
    return [
      { name: 'reference', activity: 'nestedSampling', params: { ...physics, nlive: c.nlive }, heartbeatTimeoutMs: 30_000, checkpointMs: c.checkpointSeconds * 1000 },
      { name: 'snl', activity: 'neuralLikelihood', params: { ...physics, mode: 'snl', ...c.snl }, heartbeatTimeoutMs: 120_000, checkpointMs: c.checkpointSeconds * 1000 },
      {
        name: 'compare',
        activity: 'comparePosteriors',
        dependsOn: ['reference', 'snl'],
        params: {
          reference: { stage: 'reference', output: 'posterior_samples' },
          other: { stage: 'snl', output: 'posterior_samples' },
          parameters: [...BINARY_PARAMS],
          c2st: c.c2st,
        },
      },
    ];
  },
  problems: {
    mbhb: async (p) => {
      const ex = experimentFromParams(p);
      return { paramNames: [...BINARY_PARAMS], priorTransform: (u) => ex.prior.fromUnitCube(u), logLikelihood: ex.logLikelihood, truth: ex.truth };
    },
  },
  simulationProblems: {
    mbhb: async (p) => {
      const ex = experimentFromParams(p);
      return { paramNames: [...BINARY_PARAMS], prior: ex.prior, simulator: async (thetas, rng) => ex.simulate(thetas, rng), observation: ex.observation, truth: ex.truth };
    },
  },
  reportFigures: mbhbFigures,
};
