/**
 * The pipeline's stage tasks, run by the `forecast` activity: each reads its inputs as Arrow
 * tables, calls the simulator / features / forecaster / evaluation modules and writes tables.
 *
 *   prepare-run  one test run (simulated, or a Parquet file) → series, features, info
 *   train        one sensor set's ensemble on the training runs → model, losses, roles
 *   evaluate     held-out scores, baselines, warnings, attribution, sensor failure
 *   forecast     a new run's forecast from the trained all-sensor model
 *   generate     write simulated test runs as Parquet files into a folder
 */
import { mkdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Table } from 'apache-arrow';
import { UserError } from '../../lib/engine/errors.ts';
import type { PipelineTask, TaskIO } from '../../lib/engine/pipeline.ts';
import type { Json } from '../../lib/engine/types.ts';
import type { EnsembleCheckpoint, HeteroscedasticConfig } from '../../lib/nn/heteroscedastic.ts';
import { Rng } from '../../lib/random.ts';
import { writeFileAtomic } from '../../lib/store/atomic.ts';
import { hashJson, sha256 } from '../../lib/store/hash.ts';
import { numberColumn, parquetToTable, tableFromColumns, tableFromRows, tableRows, tableToParquet } from '../../lib/store/parquet.ts';
import { RUN_COLUMNS } from './constants.ts';
import { evaluate, type EvaluationOptions } from './evaluation.ts';
import { extractFeatures, thresholdCrossing, type SensorSet } from './features.ts';
import { assignRoles, Forecaster, forecasterFromTable, forecasterTable, trainForecaster, type RunFeatures } from './forecaster.ts';
import { firstAlarm, normalCdf, Z90, type WarningRule } from './metrics.ts';
import { drawSchedule, simulateRun, type Bifurcation } from './simulator.ts';

type Task = PipelineTask['run'];

export interface SimulationSource {
  kind: 'simulate';
  index: number;
  durationSeconds: number;
  subcriticalFraction: number;
}
export interface FileSource {
  kind: 'file';
  path: string;
  sha256: string;
}

/** Test run `index` of a seed: even indices scripted unstable, a fixed share subcritical. */
export function simulateTestRun(seed: number, index: number, durationSeconds: number, subcriticalFraction: number) {
  const rng = Rng.fromSeed(parseInt(hashJson([seed, 'rocket-run', index]).slice(0, 12), 16));
  // A low-discrepancy (golden-ratio) sequence spreads the subcritical runs evenly over indices.
  const bifurcation: Bifurcation = ((Math.floor(index / 2) * 0.6180339887) % 1) < subcriticalFraction ? 'subcritical' : 'supercritical';
  const schedule = drawSchedule(rng, index % 2 === 0, bifurcation);
  return { schedule, run: simulateRun(schedule, durationSeconds, rng) };
}

export const runName = (index: number): string => `run-${String(index).padStart(3, '0')}`;

/**
 * A test-run Parquet file's columns (RUN_COLUMNS), every value present and finite. Errors are
 * UserErrors naming the file (and column and row), so a bad file is refused when the run is planned.
 */
export async function readRunFile(path: string): Promise<Record<string, Float64Array>> {
  const bytes = await readFile(path).catch(() => {
    throw new UserError(`test-run file not found: ${path}`);
  });
  let table: Table;
  try {
    table = parquetToTable(bytes);
  } catch (err) {
    throw new UserError(`${path}: not a readable Parquet file (${(err instanceof Error ? err.message : String(err)).split('\n')[0]})`);
  }
  const missing = RUN_COLUMNS.filter((c) => !table.getChild(c));
  if (missing.length) throw new UserError(`${path}: missing columns ${missing.join(', ')} (a test run needs ${RUN_COLUMNS.join(', ')})`);
  const series = Object.fromEntries(RUN_COLUMNS.map((c) => [c, numberColumn(table, c)]));
  for (const c of RUN_COLUMNS) {
    const row = table.getChild(c)!.nullCount > 0 ? firstNull(table, c) : series[c]!.findIndex((v) => !Number.isFinite(v));
    if (row >= 0) throw new UserError(`${path}: ${c}: row ${row + 1}: not a finite number (${table.getChild(c)!.get(row)})`);
  }
  return series;
}

function firstNull(table: Table, column: string): number {
  const values = table.getChild(column)!;
  for (let i = 0; i < values.length; i++) if (!values.isValid(i)) return i;
  return -1;
}

const featureOptions = (p: { [key: string]: Json }) => ({ horizonMs: Number(p.horizonMs), strideMs: Number(p.strideMs) });

const prepareRun: Task = async (io) => {
  const source = io.params.source as unknown as SimulationSource | FileSource;
  let series: Record<string, Float64Array>;
  let run: string;
  if (source.kind === 'simulate') {
    series = simulateTestRun(io.seed, source.index, source.durationSeconds, source.subcriticalFraction).run.columns;
    run = runName(source.index);
  } else {
    const bytes = await readFile(source.path).catch(() => new Uint8Array());
    if (sha256(bytes) !== source.sha256) throw new UserError(`${source.path} changed since the run was planned`);
    series = await readRunFile(source.path);
    run = basename(source.path).replace(/\.parquet$/, '');
  }
  const features = extractFeatures(series, featureOptions(io.params));
  const crossing = thresholdCrossing(series.t!, series.p_dyn!, Number(io.params.threshold));
  await io.write('series', tableFromColumns(series));
  await io.write('features', tableFromColumns(features));
  await io.write('info', tableFromColumns({ run: [run], crossing: [crossing], samples: [series.t!.length], origins: [features.t!.length] }));
  return { run, crossing: Number.isNaN(crossing) ? null : crossing, origins: features.t!.length };
};

/** Every column of a table as numbers. */
const columnsOf = (table: Table): Record<string, Float64Array> =>
  Object.fromEntries(table.schema.fields.map((f) => [f.name, numberColumn(table, f.name)]));

async function loadRuns(io: TaskIO): Promise<RunFeatures[]> {
  const [infos, features] = await Promise.all([io.inputBranches('runs', 'info'), io.inputBranches('runs', 'features')]);
  return infos.map((info, i) => {
    const row = tableRows(info)[0]!;
    return { run: String(row.run), crossing: Number(row.crossing), features: columnsOf(features[i]!) };
  });
}

const train: Task = async (io) => {
  const runs = await loadRuns(io);
  const roles = assignRoles(runs, Number(io.params.testFraction), Number(io.params.validationFraction));
  const of = (role: string) => runs.filter((r) => roles.get(r.run) === role);
  if (!of('train').length || !of('validation').length) throw new UserError(`too few test runs (${runs.length}) for a training and a validation split`);
  const network = io.params.network as unknown as Partial<HeteroscedasticConfig>;
  const started = performance.now();
  const resumeFrom = await io.restore<EnsembleCheckpoint>();
  const trained = await trainForecaster(of('train'), of('validation'), io.params.sensorSet as SensorSet, Number(io.params.horizonMs), { ...network, seed: io.seed + 1 }, Boolean(io.params.recalibrate), {
    ...(resumeFrom && { resumeFrom }),
    onEpoch: (p, checkpoint) =>
      io.tick({ fraction: (p.member + p.epoch / (network.epochs ?? 100)) / p.ensembleSize, message: `${io.params.sensorSet}: member ${p.member + 1}/${p.ensembleSize} epoch ${p.epoch} val NLL ${p.valLoss.toPrecision(3)}` }, checkpoint),
  });
  await io.write('model', forecasterTable(trained));
  await io.write('losses', tableFromColumns({ ...trained.losses }));
  await io.write('roles', tableFromColumns({ run: runs.map((r) => r.run), role: runs.map((r) => roles.get(r.run)!) }));
  return {
    sensorSet: String(io.params.sensorSet),
    trainRuns: of('train').length,
    validationRuns: of('validation').length,
    testRuns: of('test').length,
    varianceScale: trained.model.varianceScale,
    epochs: trained.model.members.map((m) => m.epochsRun),
    trainSeconds: (performance.now() - started) / 1000,
  };
};

export function warningRule(p: { [key: string]: Json }): WarningRule {
  const w = p.warning as { probability: number; persistence: number };
  return { threshold: Number(p.threshold), probability: w.probability, persistence: w.persistence };
}

const evaluateTask: Task = async (io) => {
  const runs = await loadRuns(io);
  const models = (await io.inputBranches('train', 'model')).map((t) => new Forecaster(forecasterFromTable(t)));
  const roles = new Map(tableRows(await io.input('train', 'roles')).map((r) => [String(r.run), String(r.role)]));
  const testIndices = runs.map((r, i) => (roles.get(r.run) === 'test' ? i : -1)).filter((i) => i >= 0);
  const test = await Promise.all(testIndices.map(async (i) => ({ features: runs[i]!, series: columnsOf(await io.input('runs', 'series', i)) })));
  const w = io.params.warning as { minLeadMs: number; maxLeadMs: number };
  const options: EvaluationOptions = {
    ...featureOptions(io.params),
    warning: warningRule(io.params),
    minLeadSeconds: w.minLeadMs / 1000,
    maxLeadSeconds: w.maxLeadMs / 1000,
    failureAt: Number(io.params.failureAt),
    attributionRows: Number(io.params.attributionRows),
    integrationSteps: Number(io.params.integrationSteps),
  };
  try {
    const e = evaluate(runs.filter((r) => roles.get(r.run) === 'train'), test, models, options);
    for (const [name, rows] of Object.entries({ metrics: e.metrics, warnings: e.warnings, warning_curve: e.warningCurve, attribution: e.attribution, failure: e.failure })) await io.write(name, tableFromRows(rows));
    await io.write('headline', tableFromRows([e.headline]));
    const x = e.example;
    await io.write('forecast_example', tableFromColumns({ run: Array.from(x.t, () => x.run), t: x.t, truth: x.truth, ...bands(x.mean, x.aleatoricSd, x.epistemicSd) }));
    const f = e.failureExample;
    await io.write('failure_example', tableFromColumns({ run: Array.from(f.t, () => f.run), t: f.t, epistemic_sd_clean: f.clean, epistemic_sd_failed: f.failed }));
    const main = e.metrics[0]!;
    return { ...e.headline, coverage90: main.coverage90, nll: main.nll, rmse: main.rmse, testRuns: test.length };
  } finally {
    models.forEach((m) => m.dispose());
  }
};

/** Mean, total sd and the central 90 % interval with its two parts. */
function bands(mean: Float64Array, aleatoricSd: Float64Array, epistemicSd: Float64Array) {
  const sd = mean.map((_, i) => Math.hypot(aleatoricSd[i]!, epistemicSd[i]!));
  return { mean, sd, aleatoric_sd: aleatoricSd, epistemic_sd: epistemicSd, lower90: mean.map((m, i) => m - Z90 * sd[i]!), upper90: mean.map((m, i) => m + Z90 * sd[i]!) };
}

const forecastTask: Task = async (io) => {
  const source = io.params.source as unknown as FileSource;
  const series = await readRunFile(source.path);
  const features = extractFeatures(series, featureOptions(io.params));
  const model = new Forecaster(forecasterFromTable(await io.input('train', 'model', 0)));
  try {
    const p = model.predict([{ run: basename(source.path), crossing: NaN, features }]);
    const rule = warningRule(io.params);
    const b = bands(p.mean, p.aleatoric.map(Math.sqrt), p.epistemic.map(Math.sqrt));
    const exceed = p.mean.map((m, i) => 1 - normalCdf((rule.threshold - m) / b.sd[i]!));
    const alarm = firstAlarm(features.t!, p.mean, b.sd.map((s) => s * s), rule);
    await io.write('forecast', tableFromColumns({ t: features.t!, target_time: features.t!.map((t) => t + Number(io.params.horizonMs) / 1000), truth: features.target!, ...b, p_exceed: exceed }));
    const crossing = thresholdCrossing(series.t!, series.p_dyn!, rule.threshold);
    return { run: basename(source.path), origins: features.t!.length, alarm: Number.isNaN(alarm) ? null : alarm, crossing: Number.isNaN(crossing) ? null : crossing };
  } finally {
    model.dispose();
  }
};

const generate: Task = async (io) => {
  const dir = String(io.params.dataDir);
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  const hashes: string[] = [];
  const count = Number(io.params.runs);
  for (let index = 0; index < count; index++) {
    const { run } = simulateTestRun(io.seed, index, Number(io.params.runDuration), Number(io.params.subcriticalFraction));
    const bytes = tableToParquet(tableFromColumns(run.columns));
    const path = join(dir, `${runName(index)}.parquet`);
    await writeFileAtomic(path, bytes);
    files.push(path);
    hashes.push(sha256(bytes));
    io.progress({ fraction: (index + 1) / count, message: `wrote ${path}` });
  }
  await io.write('files', tableFromColumns({ path: files, sha256: hashes }));
  return { dataDir: dir, files: files.length };
};

export const TASKS: Record<string, PipelineTask> = {
  'prepare-run': { run: prepareRun },
  train: { run: train, usesNetworks: true },
  evaluate: { run: evaluateTask, usesNetworks: true },
  forecast: { run: forecastTask, usesNetworks: true },
  generate: { run: generate },
};
