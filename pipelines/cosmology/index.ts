import { join } from 'node:path';
import { z } from 'zod';
import type { PipelineDefinition, StageDefinition } from '../../lib/engine/pipeline.ts';
import { ACTIVATIONS } from '../../lib/nn/mlp.ts';
import { checkpointSecondsKey, seedKey } from '../../lib/engine/common-keys.ts';
import { crossFieldIssue } from '../../lib/engine/schema-rules.ts';
import type { InputFile } from '../../lib/engine/types.ts';
import { DATA_DIR, DATA_FILES, loadCosmologyData, type CosmologyData } from './data.ts';
import { cosmologyLogLikelihood } from './likelihood.ts';
import { MODELS, MODEL_NAMES, priorTransform, type ModelName } from './models.ts';

/**
 * The `cosmology` pipeline: dark energy from 31 cosmic-chronometer H(z) points and the binned
 * Pantheon supernovae (absolute magnitude marginalised analytically), after Gómez-Vargas &
 * Vázquez 2024 (arXiv:2405.03293). Per model: nested sampling with the exact likelihood and with a
 * learned likelihood (`neuralLikelihood`, mode ns-learned) → compare the two posteriors → one
 * Bayes-factor table over the exact-likelihood evidences. The engine writes the run report.
 */
const calls = z.number().int().min(100).max(1_000_000);
const learnedSchema = z
  .object({
    // Trained on the sampling path (swapAfter 0), every failed training costs seconds, so the first one waits until the network can pass:
    // measured with 1000 live points (seed 5), it passed at 4.5k true calls for ΛCDM and wCDM, at
    // 15k for CPL (of 15k, 25k and 47k calls in all); CPL's trainings between 4.5k and 13.5k all
    // missed the tolerance narrowly.
    warmupCalls: z
      .object({ lcdm: calls.default(3000), wcdm: calls.default(4500), cpl: calls.default(12000), oklcdm: calls.default(4500) })
      .strict()
      .default({ lcdm: 3000, wcdm: 4500, cpl: 12000, oklcdm: 4500 })
      .describe('True calls before the first training, per model.'),
    // Off the sampling path a rejected training costs no wall time, so the next one starts soon.
    retrainAfter: z.number().int().min(50).max(1_000_000).default(200).describe('Start the next training this many true calls after a rejected one (or after a fallback).'),
    trainingWindow: calls.default(3000).describe('Most recent true evaluations trained on (those near the current likelihood contour).'),
    contourMargin: z.number().positive().default(3).describe("Nats below the sampler's contour where training targets are clipped (lib/nn/learned-likelihood.ts)."),
    // bench/learned-likelihood-cost.ts: 0.1 kept |Δ ln Z| ≤ 0.023 and saved 58–79% of true calls.
    acceptTolerance: z
      .number()
      .positive()
      .default(0.1)
      .describe("RMS held-out error (|Δ ln L|, in full within the posterior's bulk and relative to the depth below the peak beyond it; see lib/nn/learned-likelihood.ts) below which the network takes over."),
    auditEvery: z.number().int().min(10).max(1_000_000).default(500).describe('Network answers between audits against the true likelihood.'),
    auditSize: z.number().int().min(1).max(10_000).default(25).describe('Network answers an audit re-evaluates with the true likelihood, chosen at random among the last auditEvery.'),
    // At 0.1 an accepted wCDM network drifted while the contour rose and cost ln Z 0.1 (measured);
    // at 0.05 it fell back and retrained instead (ΔlnZ −0.015).
    fallbackTolerance: z.number().positive().default(0.05).describe('Mean audit error above which the true likelihood takes over again.'),
    swapAfter: z
      .union([z.literal('ready'), z.number().int().min(0)])
      .default('ready')
      .describe("'ready': train on a worker thread while sampling goes on, swap the network in when it is done (never waits; the swap call is recorded). A number K: swap K true calls after the training started, waiting if needed (bit-reproducible; 0 trains in-process)."),
    minTrueCallMs: z
      .number()
      .min(0)
      .default(1)
      .describe('Cost-aware switch: when a true call took less than this (ms, measured during the warm-up) the stage runs exact, and says so (summary: path). 0: always learn. bench/results/learned-likelihood-cost.md measures the break-even.'),
    // Three tanh layers of 32 reached a held-out error of 0.027 where two silu layers of 64 reached
    // 0.066 (wCDM window at 9k calls, same training time).
    hiddenUnits: z.array(z.number().int().min(1)).min(1).default([32, 32, 32]).describe("Widths of the network's hidden layers."),
    activation: z.enum(ACTIVATIONS).default('tanh').describe('Activation of the hidden layers.'),
    epochs: z.number().int().min(1).max(10_000).default(300).describe('Training epochs, early-stopped.'),
    patience: z.number().int().min(1).default(30).describe('Epochs without a better held-out loss before training stops.'),
    batchSize: z.number().int().min(1).default(128).describe('Training batch size.'),
    learningRate: z.number().positive().default(0.01).describe('Initial Adam learning rate, annealed by a cosine schedule to 1e-5.'),
  })
  .strict()
  .superRefine((c, ctx) => {
    // An audit re-evaluates auditSize of the last auditEvery network answers: it cannot take more.
    if (c.auditSize > c.auditEvery) crossFieldIssue(ctx, 'auditSize', `must be at most auditEvery (${c.auditEvery})`, ['auditEvery']);
  });

const schema = z
  .object({
    seed: seedKey,
    models: z.array(z.enum(MODEL_NAMES)).min(1).default(['lcdm', 'wcdm', 'cpl']).describe('Models to fit and compare (see models.ts for their parameters and priors).'),
    dataDir: z.string().optional().describe('Folder with the three data files (default: the copies shipped in pipelines/cosmology/data).'),
    nlive: z.number().int().min(10).max(100_000).default(1000).describe('Live points of every nested-sampling run.'),
    // Smaller than the sampler's default (≈ 1 for 1000 live points): a fully converged tail costs
    // little here and is where the learned likelihood answers most calls.
    dlogz: z.number().positive().default(0.01).describe('Stop when the evidence still to come, ln(Z + L_max X) − ln Z, is below this.'),
    // The Bayes factors are this pipeline's result: importance weighting makes their errors ~10× smaller
    // for the same calls (ΛCDM: ±0.006 against ±0.063 from the dead points alone).
    importance: z
      .boolean()
      .default(true)
      .describe('Importance nested sampling in every nested run: ln Z and the posterior from every evaluated point, not only the dead points (the plain estimate is kept as nested_logZ). false: plain nested sampling.'),
    learned: learnedSchema.default(learnedSchema.parse({})),
    // Without it, nested sampling's own scatter (≈ √2 × ln Z error ≈ 0.09 at 1000 live points) would
    // be comparable to the 0.1 target.
    commonRandomNumbers: z
      .boolean()
      .default(true)
      .describe('Give the exact and learned runs of a model the same sampler seed (common random numbers): they then differ only through the network, not through sampler scatter.'),
    c2st: z.boolean().default(false).describe('Also run the classifier two-sample test in the exact-vs-learned comparisons (slower).'),
    checkpointSeconds: checkpointSecondsKey(5),
  })
  .strict();

export type CosmologyConfig = z.infer<typeof schema>;

const dataCache = new Map<string, CosmologyData>();
function cachedData(dir: string): CosmologyData {
  if (!dataCache.has(dir)) dataCache.set(dir, loadCosmologyData(dir));
  return dataCache.get(dir)!;
}

export const cosmology: PipelineDefinition<typeof schema> = {
  name: 'cosmology',
  description: 'Dark energy from cosmic chronometers + binned Pantheon: exact vs learned likelihood in nested sampling, Bayes factors',
  version: '1',
  schema,
  dataFiles: (c) => Object.entries(DATA_FILES).map(([key, file]) => ({ key: `dataDir (${key})`, path: join(c.dataDir ?? DATA_DIR, file) })),
  checkData: (c) => void loadCosmologyData(c.dataDir ?? DATA_DIR),
  stages: (c, inputs) => c.models.flatMap((m) => modelStages(c, m, inputs)).concat(bayesFactorStage(c)),
  problems: {
    cosmology: async (p) => {
      const model = MODELS[p.model as ModelName];
      const logLikelihood = cosmologyLogLikelihood(model, cachedData(String(p.dataDir)));
      return { paramNames: [...model.paramNames], priorTransform: (u) => priorTransform(model, u), logLikelihood };
    },
  },
};

function modelStages(c: CosmologyConfig, model: ModelName, inputs: InputFile[]): StageDefinition[] {
  // The data files' hashes are params, so new data means new cache keys.
  const problem = {
    problem: 'cosmology',
    model,
    dataDir: c.dataDir ?? DATA_DIR,
    data: inputs.map((f) => f.sha256),
    nlive: c.nlive,
    dlogz: c.dlogz,
    ...(c.importance && { importance: true }),
    // Derived from the run seed, one per model.
    ...(c.commonRandomNumbers && { samplerSeed: c.seed * MODEL_NAMES.length + MODEL_NAMES.indexOf(model) + 1 }),
  };
  const { hiddenUnits, activation, epochs, patience, batchSize, learningRate, warmupCalls, ...learned } = c.learned;
  const paramNames = [...MODELS[model].paramNames];
  return [
    { name: `ns-${model}`, activity: 'nestedSampling', params: problem, heartbeatTimeoutMs: 30_000, checkpointMs: c.checkpointSeconds * 1000 },
    {
      name: `learned-${model}`,
      activity: 'neuralLikelihood',
      params: {
        ...problem,
        mode: 'ns-learned',
        learned: {
          ...learned,
          warmupCalls: warmupCalls[model],
          network: { hiddenUnits, activation, epochs, patience, batchSize, learningRate: { kind: 'cosine', initial: learningRate, final: 1e-5 } },
        },
      },
      heartbeatTimeoutMs: 120_000,
      checkpointMs: c.checkpointSeconds * 1000,
    },
    {
      // Exact vs learned likelihood: the same posterior is expected (BC → 1).
      name: `compare-${model}`,
      activity: 'comparePosteriors',
      dependsOn: [`ns-${model}`, `learned-${model}`],
      params: {
        reference: { stage: `ns-${model}`, output: 'posterior_samples' },
        other: { stage: `learned-${model}`, output: 'posterior_samples' },
        parameters: paramNames,
        c2st: c.c2st,
      },
    },
  ];
}

function bayesFactorStage(c: CosmologyConfig): StageDefinition[] {
  if (c.models.length < 2) return [];
  return [
    {
      name: 'bayes-factors',
      activity: 'bayesFactors',
      dependsOn: c.models.map((m) => `ns-${m}`),
      params: { labels: Object.fromEntries(c.models.map((m) => [`ns-${m}`, m])) },
    },
  ];
}
