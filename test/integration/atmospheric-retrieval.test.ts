import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Table } from 'apache-arrow';
import { numberColumn, tableRows } from '../../lib/store/parquet.ts';
import { RunStore } from '../../lib/store/run-store.ts';
import { submitRun, waitForRun } from '../../temporal/runs.ts';
import { DEFAULT_RESOLUTION, PARAMETERS, PARAM_NAMES } from '../../pipelines/atmospheric-retrieval/constants.ts';
import { DATA_DIR } from '../../pipelines/atmospheric-retrieval/data.ts';
import { cachedForwardModel, cachedSpectrum, fullLogLikelihood } from '../../pipelines/atmospheric-retrieval/retrieval.ts';
import { fold } from '../../pipelines/atmospheric-retrieval/symmetry.ts';
import { useTestEnvironment } from '../support/temporal.ts';

const env = useTestEnvironment();

test('atmospheric retrieval (tiny settings) through the engine: every stage completes; a synthetic re-run with new data reuses the cached training set and surrogate', async () => {
  // Tiny: coarse radiative transfer, a few hundred training spectra, a toy network, few live points;
  // the reference is two merged runs.
  const tiny = {
    trainingSize: 300,
    surrogate: { hiddenUnits: [16], epochs: 4, ensembleSize: 1 },
    nlive: 20,
    slices: 6,
    guide: { slices: 6 },
    dlogz: 5,
    c2st: false,
    referenceRuns: 2,
    refinement: { rounds: 1, trainingSize: 200, epochs: 4 },
    resolution: { layers: 12, angles: 1, topHatNodes: 1, broadNodes: 3 },
  };
  await submitRun(env().client, { pipeline: 'atmospheric-retrieval', config: tiny, storeRoot: env().storeRoot, runId: 'atmo' });
  const store = new RunStore(env().storeRoot);
  const view = await waitForRun(env().client, store, 'atmo');
  assert.equal(view.status, 'completed', view.error);
  const manifest = (await store.readManifest('atmo'))!;
  assert.deepEqual(
    manifest.stages.map((s) => s.name),
    [
      'retrieve-guided',
      'retrieve-refined',
      'retrieve-full',
      'retrieve-full-2',
      'merge-full',
      'compare-guided',
      'compare-preview',
      'training-set',
      'surrogate',
      'retrieve-surrogate',
      'refine-training-set',
      'refine-surrogate',
      'surrogate-error',
    ],
  );
  const stage = (m: typeof manifest, name: string) => m.stages.find((s) => s.name === name)!;
  const output = (m: typeof manifest, name: string, out: string, branch = 0) => store.get(stage(m, name).outputs!.branches[branch]![out]!);
  const training = await output(manifest, 'training-set', 'observations');
  assert.equal(training.numRows, 300);
  assert.equal((training.getChild('depths')!.get(0) as { length: number }).length, 79);
  // Every sample of every retrieval is folded onto the canonical copy (symmetry.ts), the prior draws too.
  const canonical = (t: Table, what: string) => {
    const cols = PARAM_NAMES.map((p) => numberColumn(t, p));
    for (let i = 0; i < t.numRows; i++) {
      const theta = cols.map((c) => c[i]!);
      assert.deepEqual(fold(theta), theta, `${what}: row ${i} folded`);
    }
  };
  canonical(training, 'training-set');
  // The refinement set: full-model spectra at the previous posterior's samples, jittered, inside the prior.
  const refineSet = await output(manifest, 'refine-training-set', 'observations');
  assert.equal(refineSet.numRows, 200);
  PARAMETERS.forEach((p) => assert.ok(numberColumn(refineSet, p.name).every((x) => x >= p.low && x <= p.high), `${p.name} inside the prior`));
  canonical(refineSet, 'refine-training-set');
  for (const name of ['retrieve-surrogate', 'retrieve-refined', 'retrieve-guided', 'retrieve-full', 'merge-full']) {
    const posterior = await output(manifest, name, 'posterior_samples');
    const w = numberColumn(posterior, 'weight');
    assert.ok(Math.abs(w.reduce((a, b) => a + b, 0) - 1) < 1e-9, `${name}: weights sum to 1`);
    canonical(posterior, name);
  }
  // The guided run: exact ln L on every sample (the full model decided), and its counts.
  const guided = tableRows(await output(manifest, 'retrieve-guided', 'evidence'))[0]!;
  assert.ok(Number(guided.surrogate_calls) > 0 && Number(guided.full_calls) === Number(guided.ncall), JSON.stringify(guided));
  for (const key of ['audits', 'audit_failures', 'start_failures', 'margin', 'blocks', 'blocks_kept']) assert.ok(Number.isFinite(Number(guided[key])), key);
  const guidedSamples = await output(manifest, 'retrieve-guided', 'posterior_samples');
  const exact = fullLogLikelihood(cachedForwardModel(DATA_DIR, { ...DEFAULT_RESOLUTION, ...tiny.resolution }), cachedSpectrum());
  const rows = [0, Math.floor(guidedSamples.numRows / 2), guidedSamples.numRows - 1];
  const stored = numberColumn(guidedSamples, 'logL');
  exact(rows.map((i) => PARAM_NAMES.map((p) => numberColumn(guidedSamples, p)[i]!))).forEach((l, k) => assert.ok(Math.abs(l - stored[rows[k]!]!) < 1e-9, `row ${rows[k]}: stored ln L is the full model's`));
  // The merged reference: both runs' points, the live points of both.
  const merged = stage(manifest, 'merge-full').summary![0]!;
  const runs = ['retrieve-full', 'retrieve-full-2'].map((n) => stage(manifest, n).summary![0]!);
  assert.equal(merged.nlive, 40);
  assert.equal(merged.niter, Number(runs[0]!.niter) + Number(runs[1]!.niter));
  // The preview surrogate's ln L on the reference's samples: a finite spread (a toy surrogate is far off).
  const error = stage(manifest, 'surrogate-error').summary![0]!;
  assert.ok(Number.isFinite(Number(error.deltaLogLMean)) && Number(error.deltaLogLSd) > 0, JSON.stringify(error));
  // Each comparison carries the BC estimators' resolution floor beside the BC.
  for (const name of ['compare-guided', 'compare-preview']) {
    const summary = stage(manifest, name).summary![0]!;
    assert.ok(Number(summary.meanBhattacharyya) > 0 && Number(summary.meanBhattacharyya) <= 1, name);
    assert.ok(Number(summary.meanBhattacharyyaFloor) > 0.5 && Number(summary.meanBhattacharyyaFloor) <= 1, `${name}: floor ${summary.meanBhattacharyyaFloor}`);
  }

  // Synthetic mode (new observed data): the training set and surrogate come from the cache.
  const synthetic = { ...tiny, mode: 'synthetic', injections: 2, reference: false };
  await submitRun(env().client, { pipeline: 'atmospheric-retrieval', config: synthetic, storeRoot: env().storeRoot, runId: 'atmo-syn' });
  const view2 = await waitForRun(env().client, store, 'atmo-syn');
  assert.equal(view2.status, 'completed', view2.error);
  const m2 = (await store.readManifest('atmo-syn'))!;
  assert.ok(stage(m2, 'training-set').cached && stage(m2, 'surrogate').cached, 'training set and surrogate reused');
  assert.equal(stage(m2, 'retrieve-surrogate').cached, false);
  assert.equal(stage(m2, 'refine-surrogate').branches, 2);
  assert.equal(stage(m2, 'retrieve-guided').branches, 2);
  // Each injection's refinement set is drawn around its own posterior.
  const sets = await Promise.all([0, 1].map((b) => output(m2, 'refine-training-set', 'observations', b)));
  assert.notDeepEqual(numberColumn(sets[0]!, 'log_H2O').slice(0, 5), numberColumn(sets[1]!, 'log_H2O').slice(0, 5));
});
