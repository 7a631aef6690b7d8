import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { tableRows } from '../../lib/store/parquet.ts';
import { RunStore } from '../../lib/store/run-store.ts';
import { submitRun, waitForRun } from '../../temporal/runs.ts';
import { useTestEnvironment } from '../support/temporal.ts';

const env = useTestEnvironment();

test('lisa-mbhb and lisa-gas-torque (tiny settings) through the engine: posteriors, comparison, call counts, bias table, report figures', async () => {
  const source = { totalMass: 1e6, massRatio: 0.5, redshift: 1, frequencyBins: 32 };
  const mbhb = { source, nlive: 60, snl: { rounds: 1, simulationsPerRound: 60, posteriorSamples: 400 }, c2st: false };
  const torque = { source: { totalMass: 1e5, massRatio: 0.01, redshift: 0.3, frequencyBins: 32 }, variability: [0, 0.01], seeds: 1, nlive: 50, refinement: 4 };
  await submitRun(env().client, { pipeline: 'lisa-mbhb', config: mbhb, storeRoot: env().storeRoot, runId: 'mbhb' });
  await submitRun(env().client, { pipeline: 'lisa-gas-torque', config: torque, storeRoot: env().storeRoot, runId: 'torque' });
  const store = new RunStore(env().storeRoot);

  const view = await waitForRun(env().client, store, 'mbhb');
  assert.equal(view.status, 'completed', view.error);
  const manifest = (await store.readManifest('mbhb'))!;
  const summary = (name: string) => manifest.stages.find((s) => s.name === name)!.summary![0]!;
  assert.deepEqual(manifest.stages.map((s) => s.name), ['reference', 'snl', 'compare']);
  assert.equal(summary('snl').simulator_calls, 60);
  assert.ok(Number(summary('reference').ncall) > 1000, JSON.stringify(summary('reference')));
  // Even one small SNL round lands on the right posterior region.
  assert.ok(Number(summary('compare').minBhattacharyya) > 0.3, JSON.stringify(summary('compare')));
  const report = readFileSync(`${store.runDir('mbhb')}/report.html`, 'utf8');
  assert.ok(report.includes('pipeline-lisa-whitened-data') && report.includes('pipeline-lisa-calls'));

  const view2 = await waitForRun(env().client, store, 'torque');
  assert.equal(view2.status, 'completed', view2.error);
  const m2 = (await store.readManifest('torque'))!;
  const recover = m2.stages.find((s) => s.name === 'recover')!;
  assert.equal(recover.branches, 2);
  const bias = tableRows(await store.get(m2.stages.find((s) => s.name === 'bias')!.outputs!.branches[0]!.bias!));
  assert.equal(bias.length, 14);
  // The noise-free, constant-torque injection is recovered without bias.
  for (const row of bias.filter((r) => r.variability === 0)) assert.ok(Math.abs(Number(row.bias_sigma)) < 1.645, JSON.stringify(row));
  assert.deepEqual([...new Set(bias.map((r) => r.group))].sort(), ['binary', 'torque']);
  assert.ok(readFileSync(`${store.runDir('torque')}/report.html`, 'utf8').includes('pipeline-lisa-torque-bias'));
});
