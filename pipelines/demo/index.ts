import { z } from 'zod';
import { tableFromColumns, numberColumn } from '../../lib/store/parquet.ts';
import type { PipelineDefinition, StageDefinition } from '../../lib/engine/pipeline.ts';
import type { InputFile } from '../../lib/engine/types.ts';
import { newestMatch } from '../../lib/engine/glob.ts';
import { checkpointSecondsKey, seedKey } from '../../lib/engine/common-keys.ts';
import { crossFieldIssue } from '../../lib/engine/schema-rules.ts';
import { MIN_OBSERVATIONS, readObservationsCsv } from './data.ts';
import { PARAM_NAMES, PRIOR_BOX, integrate, logLikelihood } from './oscillator.ts';

/**
 * The built-in `demo` pipeline: infer the frequency, damping and amplitude of a damped oscillator
 * from noisy observations. simulate (or load the newest file matching `dataGlob`) → N ensemble-MCMC
 * runs as a fan-out, each long enough to checkpoint, and nested sampling (evidence) in parallel
 * → summarise the chains (R̂, means, truth) → compare the MCMC and nested-sampling posteriors.
 * 10–30 s of real work on 2 cores with the defaults; it exercises every engine feature.
 */
const schema = z
  .object({
    seed: seedKey,
    observations: z.number().int().min(MIN_OBSERVATIONS).max(100_000).default(100).describe('Simulated observations, evenly spaced over the window.'),
    duration: z.number().positive().max(1000).default(10).describe('Observation window [s]; RK4 resolves it with `substeps` steps.'),
    noise: z.number().positive().default(0.05).describe('Gaussian noise σ of every observation (simulated, and assumed by the likelihood).'),
    truth: z
      .object({
        omega: z.number().positive().describe('True natural frequency ω [rad/s] of x″ + 2γx′ + ω²x = 0.'),
        gamma: z.number().nonnegative().describe('True damping rate γ [1/s].'),
        amplitude: z.number().positive().describe('True initial displacement A = x(0).'),
      })
      .strict()
      .default({ omega: 1.7, gamma: 0.15, amplitude: 1.2 }),
    dataGlob: z.string().optional().describe('Read observations (CSV with columns t,y) from the newest file matching this glob instead of simulating.'),
    chains: z.number().int().min(2).max(64).default(4).describe('Independent ensemble-MCMC runs (a fan-out); R̂ across them tests convergence.'),
    walkers: z.number().int().min(6).max(1024).multipleOf(2).default(16).describe('Walkers per run (even, ≥ 2 × 3 parameters).'),
    steps: z.number().int().min(2).max(1_000_000).default(2000).describe('Ensemble steps per run; each step moves every walker.'),
    burnIn: z.number().int().nonnegative().default(400).describe('Steps dropped from the start of every run before the posterior is summarised.'),
    initDraws: z.number().int().min(1).max(100_000).default(300).describe('Each run starts in a small ball around the best of this many prior draws.'),
    substeps: z.number().int().min(10).max(1_000_000).default(5000).describe('RK4 steps over the observation window in every likelihood call.'),
    concurrency: z.number().int().min(1).max(64).default(2).describe('MCMC runs at once.'),
    learnedLikelihood: z.boolean().default(false).describe('Also run nested sampling with a learned likelihood (tfjs network) and compare it with the exact one.'),
    warmupCalls: z.number().int().min(100).max(1_000_000).default(2000).describe('True-likelihood calls before the network is first trained (learned-likelihood stage).'),
    nlive: z.number().int().min(10).max(100_000).default(400).describe('Live points of the nested-sampling stage.'),
    checkpointSeconds: checkpointSecondsKey(2),
    heartbeatSeconds: z.number().min(1).max(600).default(10).describe("Heartbeat timeout of the long stages: how soon a lost worker's stage is retried on another."),
    maxRhat: z.number().min(1).default(1.1).describe("The run fails (non-retryably) when any parameter's R̂ exceeds this."),
  })
  .strict()
  .superRefine((c, ctx) => {
    // Burn-in at or past the last step leaves no samples: the summary would fail after every chain ran.
    if (c.burnIn >= c.steps) crossFieldIssue(ctx, 'burnIn', `must be less than steps (${c.steps})`, ['steps']);
  });

export type DemoConfig = z.infer<typeof schema>;

export const demo: PipelineDefinition<typeof schema> = {
  name: 'demo',
  description: 'Damped-oscillator inference: simulate → ensemble-MCMC runs (fan-out, checkpointed) ∥ nested sampling → summary → MCMC-vs-NS comparison',
  version: '1',
  schema,
  dataFiles: (c) => {
    if (!c.dataGlob) return [];
    const path = newestMatch(c.dataGlob);
    return [{ key: 'dataGlob', path: path ?? c.dataGlob }];
  },
  checkData: async (_c, inputs) => {
    for (const file of inputs) await readObservationsCsv(file.path);
  },
  stages: (c, inputs): StageDefinition[] => [
    ...baseStages(c, inputs),
    ...(c.learnedLikelihood ? learnedLikelihoodStages(c) : []),
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

function baseStages(c: DemoConfig, inputs: InputFile[]): StageDefinition[] {
  return [
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
        walkers: c.walkers,
        initDraws: c.initDraws,
        truth: c.dataGlob ? null : c.truth,
      },
      fanOut: { param: 'chain', values: Array.from({ length: c.chains }, (_, i) => i), concurrency: c.concurrency },
      heartbeatTimeoutMs: c.heartbeatSeconds * 1000,
      checkpointMs: c.checkpointSeconds * 1000,
    },
    {
      // The evidence, and an independent posterior to cross-check the chains against.
      name: 'nested',
      activity: 'nestedSampling',
      dependsOn: ['data'],
      params: { problem: 'oscillator', noise: c.noise, substeps: c.substeps, nlive: c.nlive, truth: c.dataGlob ? null : c.truth },
      heartbeatTimeoutMs: c.heartbeatSeconds * 1000,
      checkpointMs: c.checkpointSeconds * 1000,
    },
    {
      name: 'summary',
      activity: 'summarizeChains',
      dependsOn: ['chains'],
      params: { burnIn: c.burnIn, maxRhat: c.maxRhat, truth: c.dataGlob ? null : c.truth },
    },
    {
      // Two samplers, one posterior: the pooled chains against nested sampling (BC → 1, C2ST → 0.5).
      name: 'compare',
      activity: 'comparePosteriors',
      dependsOn: ['summary', 'nested'],
      params: {
        reference: { stage: 'summary', output: 'posterior_samples' },
        other: { stage: 'nested', output: 'posterior_samples' },
        parameters: [...PARAM_NAMES],
        c2st: true,
      },
    },
  ];
}

/** Nested sampling with the learned likelihood, compared with the exact-likelihood run. */
function learnedLikelihoodStages(c: DemoConfig): StageDefinition[] {
  return [
    {
      name: 'nested-learned',
      activity: 'neuralLikelihood',
      dependsOn: ['data'],
      params: {
        mode: 'ns-learned',
        problem: 'oscillator',
        noise: c.noise,
        substeps: c.substeps,
        nlive: c.nlive,
        truth: c.dataGlob ? null : c.truth,
        learned: { warmupCalls: c.warmupCalls },
      },
      heartbeatTimeoutMs: 60_000,
      checkpointMs: c.checkpointSeconds * 1000,
    },
    {
      name: 'compare-learned',
      activity: 'comparePosteriors',
      dependsOn: ['nested', 'nested-learned'],
      params: {
        reference: { stage: 'nested', output: 'posterior_samples' },
        other: { stage: 'nested-learned', output: 'posterior_samples' },
        parameters: [...PARAM_NAMES],
        c2st: true,
      },
    },
  ];
}
