import { join } from 'node:path';
import { z } from 'zod';
import type { PipelineDefinition, StageDefinition } from '../../lib/engine/pipeline.ts';
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
const calls = z.number().int().min(100);
const learnedSchema = z
  .object({
    /**
     * True calls before the first training, per model. A network trained on points spread over
     * many nats of ln L misses the tolerance, and every failed training costs seconds, so the
     * first training waits until the sampler has compressed onto a narrow ln L range; models with
     * more parameters (and more prior volume) get there later. Measured with 1000 live points: the
     * network passed at ~5k true calls for ΛCDM, ~12k for wCDM, ~20k for CPL, of 15k, 25k and
     * 45–50k calls in all (see bench/results/cosmology.md).
     */
    warmupCalls: z
      .object({ lcdm: calls.default(3000), wcdm: calls.default(9000), cpl: calls.default(20000), oklcdm: calls.default(9000) })
      .strict()
      .default({ lcdm: 3000, wcdm: 9000, cpl: 20000, oklcdm: 9000 }),
    /** Retry a rejected training after this many more true calls. */
    retrainAfter: z.number().int().min(50).default(1500),
    /**
     * Most recent true evaluations trained on (those near the current likelihood contour), per
     * model. 1000 rows fit the 2-parameter ΛCDM surface to RMSE < 0.05; with 3 and 4 parameters
     * the network only got there with 3000 (measured: CPL at RMSE 0.07–0.26 with 1000, 0.04 with 3000).
     */
    trainingWindow: z
      .object({ lcdm: calls.default(1000), wcdm: calls.default(3000), cpl: calls.default(3000), oklcdm: calls.default(3000) })
      .strict()
      .default({ lcdm: 1000, wcdm: 3000, cpl: 3000, oklcdm: 3000 }),
    /**
     * Held-out RMSE of ln L below which the network takes over (the library default; audits of an
     * accepted network then measured mean |Δ ln L| ≈ 0.02–0.05).
     */
    acceptTolerance: z.number().positive().default(0.05),
    auditEvery: z.number().int().min(10).default(500),
    auditSize: z.number().int().min(1).default(25),
    /** Mean |Δ ln L| of an audit above which the true likelihood takes over again. */
    fallbackTolerance: z.number().positive().default(0.1),
    hiddenUnits: z.array(z.number().int().min(1)).min(1).default([64, 64]),
    epochs: z.number().int().min(1).default(300),
    patience: z.number().int().min(1).default(30),
  })
  .strict();

const schema = z
  .object({
    seed: z.number().int().nonnegative().default(42),
    /** Models to fit and compare (see models.ts for their parameters and priors). */
    models: z.array(z.enum(MODEL_NAMES)).min(1).default(['lcdm', 'wcdm', 'cpl']),
    /** Folder with the three data files (default: the copies shipped in pipelines/cosmology/data). */
    dataDir: z.string().optional(),
    /** Live points of every nested-sampling run. */
    nlive: z.number().int().min(10).max(100_000).default(1000),
    /**
     * Stop when the evidence still to come, ln(Z + L_max X) − ln Z, is below this. Smaller than
     * the sampler's default (≈ 1 for 1000 live points): a fully converged tail costs little here
     * and is where the learned likelihood answers most calls.
     */
    dlogz: z.number().positive().default(0.01),
    learned: learnedSchema.default(learnedSchema.parse({})),
    /**
     * Give the exact and learned runs of a model the same sampler seed (common random numbers):
     * they then differ only through the network, not through nested sampling's own scatter
     * (≈ √2 × ln Z error ≈ 0.09 at 1000 live points, comparable to the 0.1 target).
     */
    commonRandomNumbers: z.boolean().default(true),
    /** Also run the classifier two-sample test in the exact-vs-learned comparisons (slower). */
    c2st: z.boolean().default(false),
    checkpointSeconds: z.number().positive().default(5),
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
    // Derived from the run seed, one per model.
    ...(c.commonRandomNumbers && { samplerSeed: c.seed * MODEL_NAMES.length + MODEL_NAMES.indexOf(model) + 1 }),
  };
  const { hiddenUnits, epochs, patience, warmupCalls, trainingWindow, ...learned } = c.learned;
  const paramNames = [...MODELS[model].paramNames];
  return [
    { name: `ns-${model}`, activity: 'nestedSampling', params: problem, heartbeatTimeoutMs: 30_000, checkpointMs: c.checkpointSeconds * 1000 },
    {
      name: `learned-${model}`,
      activity: 'neuralLikelihood',
      params: { ...problem, mode: 'ns-learned', learned: { ...learned, warmupCalls: warmupCalls[model], trainingWindow: trainingWindow[model], network: { hiddenUnits, epochs, patience } } },
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
