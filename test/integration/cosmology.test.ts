import { test } from 'node:test';
import assert from 'node:assert/strict';
import { weightedMean } from '../../lib/stats/index.ts';
import { numberColumn, tableRows } from '../../lib/store/parquet.ts';
import { RunStore } from '../../lib/store/run-store.ts';
import { submitRun, waitForRun } from '../../temporal/runs.ts';
import { useTestEnvironment } from '../support/temporal.ts';

const env = useTestEnvironment();

test('cosmology pipeline (tiny settings) through the engine: flat ΛCDM Ωm ≈ 0.3, h ≈ 0.69; learned stage, comparison and Bayes factors written', async () => {
  // Small runs: few live points, and a learned likelihood that trains quickly and accepts a loose network.
  // This likelihood is far too cheap for the cost-aware switch (minTrueCallMs 0 overrides it); the
  // network trains on the worker thread and swaps in 100 true calls after each start (reproducible).
  const config = {
    models: ['lcdm', 'wcdm'],
    nlive: 150,
    dlogz: 0.5,
    learned: { warmupCalls: { lcdm: 600, wcdm: 600, cpl: 600, oklcdm: 600 }, retrainAfter: 300, trainingWindow: 600, acceptTolerance: 1, epochs: 30, patience: 5, hiddenUnits: [16, 16], minTrueCallMs: 0, swapAfter: 100 },
  };
  await submitRun(env().client, { pipeline: 'cosmology', config, storeRoot: env().storeRoot, runId: 'cosmo' });
  const store = new RunStore(env().storeRoot);
  const view = await waitForRun(env().client, store, 'cosmo');
  assert.equal(view.status, 'completed', view.error);
  const manifest = (await store.readManifest('cosmo'))!;
  const stage = (name: string) => manifest.stages.find((s) => s.name === name)!;
  assert.deepEqual(
    manifest.stages.map((s) => s.name),
    ['ns-lcdm', 'learned-lcdm', 'compare-lcdm', 'ns-wcdm', 'learned-wcdm', 'compare-wcdm', 'bayes-factors'],
  );

  const posterior = await store.get(stage('ns-lcdm').outputs!.branches[0]!.posterior_samples!);
  const weights = numberColumn(posterior, 'weight');
  const omegaM = weightedMean({ values: numberColumn(posterior, 'omega_m'), weights });
  const h = weightedMean({ values: numberColumn(posterior, 'h'), weights });
  assert.ok(Math.abs(omegaM - 0.3) < 0.05, `Ωm = ${omegaM}`);
  assert.ok(h >= 0.65 && h <= 0.73, `h = ${h}`);

  const learned = stage('learned-lcdm').summary![0]!;
  assert.ok(Number(learned.true_calls) > 0 && Number(learned.trainings) >= 1, JSON.stringify(learned));
  assert.equal(learned.path, 'learned');
  assert.ok(Number(learned.true_call_ms) > 0 && Number(learned.training_s) > 0, JSON.stringify(learned));
  assert.ok(Number(stage('compare-lcdm').summary![0]!.minBhattacharyya) > 0.8);

  const bf = tableRows(await store.get(stage('bayes-factors').outputs!.branches[0]!.bayes_factors!));
  const zl = tableRows(await store.get(stage('ns-lcdm').outputs!.branches[0]!.evidence!))[0]!;
  const zw = tableRows(await store.get(stage('ns-wcdm').outputs!.branches[0]!.evidence!))[0]!;
  assert.equal(bf.length, 1);
  assert.equal(bf[0]!.model_a, 'lcdm');
  assert.equal(bf[0]!.model_b, 'wcdm');
  assert.ok(Math.abs(Number(bf[0]!.ln_B) - (Number(zl.logZ) - Number(zw.logZ))) < 1e-12);
  assert.ok(Math.abs(Number(bf[0]!.ln_B_err) - Math.hypot(Number(zl.logZerr), Number(zw.logZerr))) < 1e-12);
});
