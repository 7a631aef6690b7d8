import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { numberColumn, tableRows } from '../../lib/store/parquet.ts';
import { RunStore } from '../../lib/store/run-store.ts';
import { submitRun, waitForRun } from '../../temporal/runs.ts';
import { sciflow } from '../support/cli.ts';
import { useTestEnvironment } from '../support/temporal.ts';
import { until } from '../support/until.ts';

const env = useTestEnvironment({ beforeClose: (e) => sciflow(['schedule', 'delete', 'rocket-watch'], e.env) });

/** Tiny networks and short runs: this tests the wiring and caching, the bench tests the science. */
const TINY = {
  network: { hiddenUnits: [8], ensembleSize: 2, epochs: 3, batchSize: 512 },
  sensorSets: ['all'],
  attributionRows: 20,
  integrationSteps: 4,
};

test('rocket-instability: generate test runs; a schedule re-analyses when a run file arrives, earlier runs from the cache; forecast a new run from the cached model', async () => {
  const store = new RunStore(env().storeRoot);
  const staging = join(env().dir, 'staging');
  const incoming = join(env().dir, 'incoming');
  mkdirSync(incoming);

  // mode=generate writes seed-determined Parquet test runs.
  await submitRun(env().client, { pipeline: 'rocket-instability', config: { mode: 'generate', dataDir: staging, runs: 8, runDuration: 4 }, storeRoot: env().storeRoot, runId: 'generate' });
  const generated = await waitForRun(env().client, store, 'generate');
  assert.equal(generated.status, 'completed', generated.error);
  const names = Array.from({ length: 8 }, (_, i) => `run-00${i}.parquet`);
  for (const name of names.slice(0, 6)) copyFileSync(join(staging, name), join(incoming, name));

  const config = join(env().dir, 'rocket.json');
  writeFileSync(config, JSON.stringify({ ...TINY, dataDir: incoming }));
  const created = await sciflow(['schedule', 'create', 'rocket-watch', 'rocket-instability', '-c', config, '--every', '2s', '--overlap', 'skip'], env().env);
  assert.equal(created.code, 0, created.stderr);
  const scheduled = async () => (await store.listRuns()).filter((m) => m.workflowId.startsWith('rocket-watch-') && m.status === 'completed');

  const first = await until(async () => (await scheduled())[0], 60_000, 'a first scheduled run');
  assert.equal(first.inputs.length, 6);
  copyFileSync(join(staging, names[6]!), join(incoming, names[6]!));
  const second = await until(async () => (await scheduled()).find((m) => m.inputs.length === 7), 60_000, 'a scheduled run on the new file');
  assert.equal((await sciflow(['schedule', 'delete', 'rocket-watch'], env().env)).code, 0);

  const stage = (name: string) => second.stages.find((s) => s.name === name)!;
  assert.equal(stage('runs').branches, 7);
  assert.equal(stage('runs').cachedBranches, 6, 'the six runs seen before come from the cache');
  assert.equal(stage('train').cached, false, 'a new run means retraining');
  assert.equal(stage('evaluate').status, 'completed');
  const metrics = tableRows(await store.get(stage('evaluate').outputs!.branches[0]!.metrics!));
  assert.deepEqual(metrics.map((m) => m.method), ['ensemble:all', 'persistence', 'linear-ar']);
  for (const m of metrics) assert.ok(Number.isFinite(Number(m.nll)) && Number(m.coverage90) >= 0 && Number(m.coverage90) <= 1, JSON.stringify(m));
  const report = readFileSync(join(env().storeRoot, second.runId, 'report.html'), 'utf8');
  for (const figure of ['rocket-forecast-example', 'rocket-ablation', 'rocket-attribution', 'rocket-sensor-failure']) assert.ok(report.includes(`data-figure="pipeline-${figure}"`), figure);

  // A forecast of a run nobody trained on reuses the model trained on the same seven files.
  const forecast = await sciflow(['run', 'rocket-instability', '-c', config, '--set', 'mode=forecast', '--set', `runFile=${join(staging, names[7]!)}`, '--json'], env().env);
  assert.equal(forecast.code, 0, forecast.stderr);
  const manifest = (await store.readManifest(JSON.parse(forecast.stdout).runId))!;
  assert.deepEqual(manifest.stages.map((s) => [s.name, s.cached]), [['runs', true], ['train', true], ['forecast', false]]);
  const table = await store.get(manifest.stages[2]!.outputs!.branches[0]!.forecast!);
  // A 4 s run, origins every 20 ms from 0.5 s while the target at +0.5 s exists.
  assert.equal(table.numRows, 150);
  const [lower, mean, upper] = ['lower90', 'mean', 'upper90'].map((c) => numberColumn(table, c));
  assert.ok(mean!.every((m, i) => lower![i]! < m && m < upper![i]!));
});
