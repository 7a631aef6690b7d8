import { resolve } from 'node:path';
import { z } from 'zod';
import { UserError } from '../../lib/engine/errors.ts';
import { matchingFiles } from '../../lib/engine/glob.ts';
import type { PipelineDefinition, StageDefinition } from '../../lib/engine/pipeline.ts';
import { seedKey } from '../../lib/engine/common-keys.ts';
import { crossFieldIssue } from '../../lib/engine/schema-rules.ts';
import type { InputFile, Json } from '../../lib/engine/types.ts';
import { DEFAULT_THRESHOLD } from './constants.ts';
import { SENSOR_SET_NAMES, WINDOW_MS, type SensorSet } from './features.ts';
import { rocketFigures } from './report.ts';
import { readRunFile, TASKS } from './stages.ts';

/**
 * The `rocket-instability` pipeline: forecast the 1T dynamic-pressure amplitude of a LOX/H2
 * combustor 500 ms ahead with an autoregressive heteroscedastic deep ensemble (after Sengupta,
 * Waxenegger-Wilfing et al. 2021), on test runs from a noisy Stuart–Landau simulator or Parquet
 * files in `dataDir`.
 *
 *   analyze (default)  runs (fan-out, one per test run: cached per file) → train (fan-out over the
 *                      ablation's sensor sets) → evaluate (held-out scores, baselines, warnings,
 *                      attribution, sensor failure)
 *   forecast           the same runs + train stages (from the cache when the data are unchanged) →
 *                      forecast of `runFile`
 *   generate           write `runs` simulated test runs as Parquet files into `dataDir`
 */

/** Size keys each preset fills in when the user did not set them. */
const PRESETS = {
  demo: { runs: 40, ensembleSize: 5, epochs: 60 },
  full: { runs: 100, ensembleSize: 5, epochs: 150 },
} as const;

const networkSchema = z
  .object({
    hiddenUnits: z.array(z.number().int().min(1)).min(1).default([64, 64]).describe("Widths of each member's hidden layers."),
    ensembleSize: z.number().int().min(2).max(32).optional().describe('Members of each deep ensemble (preset: 5 / 5).'),
    epochs: z.number().int().min(1).max(10_000).optional().describe('Training epochs per member, early-stopped on the validation runs (preset: 60 / 150).'),
    batchSize: z.number().int().min(1).default(256).describe('Training batch size.'),
    learningRate: z.number().positive().default(3e-3).describe('Initial Adam learning rate, annealed by a cosine schedule to 1/30 of it.'),
    patience: z.number().int().min(1).default(15).describe('Epochs without a better validation loss before a member stops training.'),
    // 0.01 is an sd of 0.1 target sd (≈ 0.06 bar), the envelope's own measurement noise. With the
    // floor at 1e-4 the members grew overconfident on the training runs within a few epochs and
    // early stopping kept epoch 0 (demo data, 24 runs).
    minVariance: z.number().positive().default(0.01).describe('Variance floor in standardised target units.'),
    beta: z.number().min(0).max(1).default(0).describe('β of the β-NLL loss (Seitzer et al. 2022); 0: the plain Gaussian NLL.'),
  })
  .strict();

const warningSchema = z
  .object({
    probability: z.number().min(0).max(1).default(0.2).describe('Alarm when the forecast probability of exceeding `threshold` reaches this …'),
    persistence: z.number().int().min(1).max(1000).default(3).describe('… at this many consecutive forecast origins (stride apart).'),
    minLeadMs: z.number().nonnegative().default(300).describe('A hit is an alarm between minLeadMs and maxLeadMs before the threshold crossing.'),
    maxLeadMs: z.number().positive().max(600_000).default(2000).describe('An alarm longer than this before the crossing counts as an early (false) alarm.'),
  })
  .strict()
  .superRefine((w, ctx) => {
    if (w.minLeadMs >= w.maxLeadMs) crossFieldIssue(ctx, 'minLeadMs', `must be less than maxLeadMs (${w.maxLeadMs})`, ['maxLeadMs']);
  });

const fields = z
  .object({
    seed: seedKey,
    preset: z.enum(['demo', 'full']).default('demo').describe('`demo`: 40 simulated runs, a few minutes on 2 cores; `full`: 100 runs and longer training (the bench). Fills the size keys left unset.'),
    mode: z
      .enum(['analyze', 'forecast', 'generate'])
      .default('analyze')
      .describe('`analyze`: train + evaluate; `forecast`: forecast `runFile` with the model trained on `dataDir`; `generate`: write simulated runs into `dataDir`.'),
    dataDir: z.string().optional().describe('Folder of test-run Parquet files (columns t, p_dyn, oh_star, p_inj, t_inj, p_c, u_lox, u_h2); unset: simulate the runs in the store.'),
    runPattern: z.string().default('*.parquet').describe('File-name pattern (`*`, `?`) of the test runs inside dataDir; files are taken in name order, so name new runs to sort last.'),
    runFile: z.string().optional().describe('mode=forecast: the test run to forecast (left out of training even when it is in dataDir).'),
    runs: z.number().int().min(4).max(10_000).optional().describe('Simulated test runs (no dataDir, or mode=generate) (preset: 40 / 100); even-numbered runs are scripted unstable.'),
    runDuration: z.number().min(2).max(600).default(10).describe('Length of a simulated test run [s].'),
    subcriticalFraction: z.number().min(0).max(1).default(0.33).describe('Share of simulated runs with the subcritical (bistable) amplitude equation.'),
    horizonMs: z.number().int().min(10).max(5000).default(500).describe('Forecast horizon [ms].'),
    strideMs: z.number().int().min(1).max(10_000).default(20).describe('Spacing of forecast origins [ms].'),
    threshold: z.number().positive().default(DEFAULT_THRESHOLD).describe('Instability threshold on the 1T envelope [bar].'),
    testFraction: z.number().min(0.05).max(0.8).default(0.3).describe('Share of the (stable and unstable) runs held out for testing.'),
    validationFraction: z.number().min(0.05).max(0.8).default(0.2).describe('Share of the (stable and unstable) runs held out for early stopping and recalibration.'),
    sensorSets: z
      .array(z.enum(SENSOR_SET_NAMES as [SensorSet, ...SensorSet[]]))
      .min(1)
      .default([...SENSOR_SET_NAMES])
      .describe('Sensor sets of the ablation (the first is the model of the warnings, attribution and failure test; `all` is always trained).'),
    network: networkSchema.default(networkSchema.parse({})),
    recalibrate: z.boolean().default(true).describe('Rescale the predictive variance on the validation runs (one NLL-optimal factor).'),
    warning: warningSchema.default(warningSchema.parse({})),
    failureAt: z.number().min(0).max(1).default(0.5).describe('The dynamic-pressure sensor dies (reads 0) at this fraction of every held-out run.'),
    attributionRows: z.number().int().min(1).max(100_000).default(200).describe('Held-out origins for integrated gradients.'),
    integrationSteps: z.number().int().min(2).max(10_000).default(32).describe('Points of the integrated-gradients path integral.'),
    concurrency: z.number().int().min(1).max(64).default(2).describe('Fan-out branches run at once.'),
  })
  .strict();

const schema = fields.superRefine(checkModeAndSplits).transform(fillPresetSizes);

/** Rules between keys, checked when the config is loaded rather than after the runs are simulated. */
function checkModeAndSplits(c: z.infer<typeof fields>, ctx: z.RefinementCtx): void {
  if (c.mode === 'forecast' && !c.runFile) crossFieldIssue(ctx, 'runFile', 'required when mode=forecast', ['mode']);
  if (c.mode === 'generate' && !c.dataDir) crossFieldIssue(ctx, 'dataDir', 'required when mode=generate (the folder to write the test runs into)', ['mode']);
  // Both held-out shares come out of the same runs: together they must leave some for training.
  if (c.testFraction + c.validationFraction >= 1) {
    crossFieldIssue(ctx, 'validationFraction', `testFraction + validationFraction must be below 1 (they are ${c.testFraction} + ${c.validationFraction})`, ['testFraction']);
  }
  // A simulated run needs the feature window plus the horizon before its end for one forecast origin.
  if (!c.dataDir && WINDOW_MS + c.horizonMs >= c.runDuration * 1000) {
    crossFieldIssue(ctx, 'horizonMs', `horizonMs + the ${WINDOW_MS} ms feature window must be shorter than runDuration (${c.runDuration} s)`, ['runDuration']);
  }
}

/**
 * The preset's sizes in the keys the user left unset, filled when the config is parsed: the stored
 * config (manifest, report, `validate --json`) holds the sizes the run uses, and parses to itself.
 */
function fillPresetSizes(c: z.infer<typeof fields>) {
  const p = PRESETS[c.preset];
  return { ...c, runs: c.runs ?? p.runs, network: { ...c.network, ensembleSize: c.network.ensembleSize ?? p.ensembleSize, epochs: c.network.epochs ?? p.epochs } };
}

export type RocketConfig = z.infer<typeof schema>;

/** The training files: everything in dataDir matching runPattern except the run to forecast. */
function trainingFiles(c: RocketConfig): string[] {
  if (!c.dataDir) return [];
  const files = matchingFiles(resolve(c.dataDir, c.runPattern));
  if (!files.length && c.mode !== 'generate') throw new UserError(`dataDir: no file matches ${resolve(c.dataDir, c.runPattern)}`);
  return files.filter((f) => !c.runFile || f !== resolve(c.runFile));
}

export const rocketInstability: PipelineDefinition<typeof schema> = {
  name: 'rocket-instability',
  description: 'Thermoacoustic-instability forecasting: autoregressive Bayesian (deep-ensemble) forecaster of the 1T amplitude 500 ms ahead, with ablation, attribution and sensor failure',
  version: '1',
  schema,
  tasks: TASKS,
  dataFiles: (c) => {
    if (c.mode === 'generate') return [];
    const files = trainingFiles(c).map((path) => ({ key: 'dataDir', path }));
    if (c.mode === 'forecast') {
      if (!c.runFile) throw new UserError('mode=forecast needs runFile');
      files.push({ key: 'runFile', path: resolve(c.runFile) });
    }
    return files;
  },
  checkData: async (_c, inputs) => {
    for (const file of inputs) await readRunFile(file.path);
  },
  stages: (c, inputs) => {
    if (c.mode === 'generate') return [generateStage(c)];
    // The run to forecast is one of the hashed inputs (dataFiles names it), never a training run.
    const runPath = c.mode === 'forecast' && c.runFile ? resolve(c.runFile) : undefined;
    const runFile = inputs.find((f) => f.path === runPath);
    const training = inputs.filter((f) => f.path !== runPath);
    const base = [runsStage(c, training), trainStage(c)];
    return c.mode === 'forecast' ? [...base, forecastStage(c, runFile!)] : [...base, evaluateStage(c)];
  },
  reportFigures: rocketFigures,
};

const features = (c: RocketConfig) => ({ horizonMs: c.horizonMs, strideMs: c.strideMs, threshold: c.threshold });

function runsStage(c: RocketConfig, files: InputFile[]): StageDefinition {
  // One branch per test run, keyed by its path, content hash and position: a new file named to
  // sort last leaves every earlier branch's cache key unchanged.
  const values: Json[] = c.dataDir
    ? files.map((f) => ({ kind: 'file', path: f.path, sha256: f.sha256 }))
    : Array.from({ length: c.runs }, (_, index) => ({ kind: 'simulate', index, durationSeconds: c.runDuration, subcriticalFraction: c.subcriticalFraction }));
  return {
    name: 'runs',
    activity: 'forecast',
    params: { task: 'prepare-run', ...features(c) },
    fanOut: { param: 'source', values, concurrency: c.concurrency },
  };
}

function trainStage(c: RocketConfig): StageDefinition {
  const sets = c.mode === 'forecast' ? ['all'] : ['all', ...c.sensorSets.filter((s) => s !== 'all')];
  const { learningRate, ...network } = c.network;
  return {
    name: 'train',
    activity: 'forecast',
    dependsOn: ['runs'],
    params: {
      task: 'train',
      horizonMs: c.horizonMs,
      testFraction: c.testFraction,
      validationFraction: c.validationFraction,
      recalibrate: c.recalibrate,
      network: { ...network, learningRate: { kind: 'cosine', initial: learningRate, final: learningRate / 30 } },
    },
    fanOut: { param: 'sensorSet', values: sets, concurrency: c.concurrency },
    heartbeatTimeoutMs: 120_000,
  };
}

function evaluateStage(c: RocketConfig): StageDefinition {
  return {
    name: 'evaluate',
    activity: 'forecast',
    dependsOn: ['runs', 'train'],
    params: { task: 'evaluate', ...features(c), warning: c.warning, failureAt: c.failureAt, attributionRows: c.attributionRows, integrationSteps: c.integrationSteps },
    heartbeatTimeoutMs: 300_000,
  };
}

function forecastStage(c: RocketConfig, runFile: InputFile): StageDefinition {
  return {
    name: 'forecast',
    activity: 'forecast',
    dependsOn: ['train'],
    params: { task: 'forecast', ...features(c), warning: c.warning, source: { kind: 'file', path: runFile.path, sha256: runFile.sha256 } },
  };
}

function generateStage(c: RocketConfig): StageDefinition {
  if (!c.dataDir) throw new UserError('mode=generate needs dataDir (the folder to write the test runs into)');
  return {
    name: 'generate',
    activity: 'forecast',
    params: { task: 'generate', dataDir: resolve(c.dataDir), runs: c.runs, runDuration: c.runDuration, subcriticalFraction: c.subcriticalFraction },
  };
}
