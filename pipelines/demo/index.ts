import { z } from 'zod';
import { tableFromColumns, numberColumn } from '../../lib/store/parquet.ts';
import type { PipelineDefinition, StageDefinition } from '../../lib/engine/pipeline.ts';
import { newestMatch } from '../../lib/engine/glob.ts';
import { readObservationsCsv } from './data.ts';
import { PARAM_NAMES, PRIOR_BOX, integrate, logLikelihood } from './oscillator.ts';

/**
 * The built-in `demo` pipeline: infer the frequency, damping and amplitude of a damped oscillator
 * from noisy observations. simulate (or load the newest file matching `dataGlob`) → N Metropolis
 * chains as a fan-out, each long enough to checkpoint → summarise the chains (R̂, means, truth).
 * 10–30 s of real work on 2 cores with the defaults; it exercises every engine feature.
 */
const schema = z
  .object({
    seed: z.number().int().nonnegative().default(42),
    observations: z.number().int().min(10).max(100_000).default(100),
    duration: z.number().positive().default(10),
    noise: z.number().positive().default(0.05),
    truth: z
      .object({ omega: z.number().positive(), gamma: z.number().nonnegative(), amplitude: z.number().positive() })
      .strict()
      .default({ omega: 1.7, gamma: 0.15, amplitude: 1.2 }),
    /** Read observations (CSV with columns t,y) from the newest file matching this glob instead of simulating. */
    dataGlob: z.string().optional(),
    chains: z.number().int().min(2).max(64).default(4),
    steps: z.number().int().min(100).max(10_000_000).default(40_000),
    burnIn: z.number().int().nonnegative().default(5000),
    /** Initial proposal step in the unit cube; adapted during burn-in. */
    stepSize: z.number().positive().max(1).default(0.01),
    /** Each chain starts at the best of this many prior draws. */
    initDraws: z.number().int().min(1).default(300),
    substeps: z.number().int().min(10).max(1_000_000).default(5000),
    concurrency: z.number().int().min(1).max(64).default(2),
    checkpointSeconds: z.number().positive().default(2),
    /** The run fails (non-retryably) when any parameter's R̂ exceeds this. */
    maxRhat: z.number().min(1).default(1.1),
  })
  .strict();

export type DemoConfig = z.infer<typeof schema>;

export const demo: PipelineDefinition<typeof schema> = {
  name: 'demo',
  description: 'Damped-oscillator inference: simulate → Metropolis chains (fan-out, checkpointed) → summary',
  version: '1',
  schema,
  dataFiles: (c) => {
    if (!c.dataGlob) return [];
    const path = newestMatch(c.dataGlob);
    return [{ key: 'dataGlob', path: path ?? c.dataGlob }];
  },
  stages: (c, inputs): StageDefinition[] => [
    c.dataGlob
      ? { name: 'data', activity: 'simulate', params: { simulator: 'observed-file', path: inputs[0]!.path, sha256: inputs[0]!.sha256 } }
      : {
          name: 'data',
          activity: 'simulate',
          params: { simulator: 'oscillator', observations: c.observations, duration: c.duration, noise: c.noise, truth: c.truth },
        },
    {
      name: 'chains',
      activity: 'mcmc',
      dependsOn: ['data'],
      params: {
        problem: 'oscillator',
        noise: c.noise,
        substeps: c.substeps,
        steps: c.steps,
        burnIn: c.burnIn,
        initDraws: c.initDraws,
        stepSize: c.stepSize,
        truth: c.dataGlob ? null : c.truth,
      },
      fanOut: { param: 'chain', values: Array.from({ length: c.chains }, (_, i) => i), concurrency: c.concurrency },
      heartbeatTimeoutMs: 10_000,
      checkpointMs: c.checkpointSeconds * 1000,
    },
    {
      // Independent chains must agree: chain 0 against chain 1 after burn-in (BC → 1, C2ST → 0.5).
      name: 'chain-agreement',
      activity: 'comparePosteriors',
      dependsOn: ['chains'],
      params: {
        reference: { stage: 'chains', output: 'samples', branch: 0, skipRows: c.burnIn },
        other: { stage: 'chains', output: 'samples', branch: 1, skipRows: c.burnIn },
        parameters: [...PARAM_NAMES],
        c2st: true,
      },
    },
    {
      name: 'summary',
      activity: 'summarizeChains',
      dependsOn: ['chains'],
      params: { burnIn: c.burnIn, maxRhat: c.maxRhat, truth: c.dataGlob ? null : c.truth },
    },
  ],
  simulators: {
    oscillator: (p, rng) => {
      const n = Number(p.observations);
      const duration = Number(p.duration);
      const truth = p.truth as { omega: number; gamma: number; amplitude: number };
      const t = Float64Array.from({ length: n }, (_, i) => (duration * (i + 1)) / n);
      const clean = integrate(truth, t, 20_000);
      const y = clean.map((x) => x + Number(p.noise) * rng.normal());
      return tableFromColumns({ t, y });
    },
    'observed-file': async (p) => {
      const { t, y } = await readObservationsCsv(String(p.path));
      return tableFromColumns({ t, y });
    },
  },
  problems: {
    oscillator: async (p, load) => {
      const data = await load('data', 'observations');
      const t = numberColumn(data, 't');
      const y = numberColumn(data, 'y');
      const sigma = Number(p.noise);
      const substeps = Number(p.substeps);
      const truth = p.truth as { omega: number; gamma: number; amplitude: number } | null;
      return {
        paramNames: [...PARAM_NAMES],
        priorTransform: (u) => u.map((x, d) => PRIOR_BOX[d]![0] + x * (PRIOR_BOX[d]![1] - PRIOR_BOX[d]![0])),
        logLikelihood: (batch) =>
          batch.map(([omega, gamma, amplitude]) => logLikelihood({ omega: omega!, gamma: gamma!, amplitude: amplitude! }, t, y, sigma, substeps)),
        ...(truth && { truth: [truth.omega, truth.gamma, truth.amplitude] }),
      };
    },
  },
};
