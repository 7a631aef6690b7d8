import assert from 'node:assert/strict';
import { test } from 'node:test';
import { numberColumn } from '../../lib/store/parquet.ts';
import { RunStore } from '../../lib/store/run-store.ts';
import { submitRun, waitForRun } from '../../temporal/runs.ts';
import { PARAMETERS, PARAM_NAMES } from '../../pipelines/atmospheric-retrieval/constants.ts';
import { useTestEnvironment } from '../support/temporal.ts';

const env = useTestEnvironment();

test('atmospheric retrieval (tiny settings) through the engine: every stage completes; a synthetic re-run with new data reuses the cached training set and surrogate', async () => {
  // Tiny: coarse radiative transfer, a few hundred training spectra, a toy network, few live points;
  // the optional importance correction is switched on so that its stage runs too, and the
  // reference is two merged runs.
  const tiny = {
    trainingSize: 300,
    surrogate: { hiddenUnits: [16], epochs: 4, ensembleSize: 1 },
    nlive: 25,
    slices: 8,
    dlogz: 5,
    c2st: false,
    correction: true,
    referenceRuns: 2,
    refinement: { rounds: 2, trainingSize: 200 },
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
      'training-set',
      'surrogate',
      'retrieve-surrogate',
      'refine-training-set',
      'refine-surrogate',
      'retrieve-refined',
      'refine-training-set-2',
      'refine-surrogate-2',
      'retrieve-refined-2',
      'correct-surrogate',
      'retrieve-full',
      'retrieve-full-2',
      'merge-full',
      'surrogate-error',
      'compare',
      'compare-base',
      'compare-corrected',
    ],
  );
  const stage = (m: typeof manifest, name: string) => m.stages.find((s) => s.name === name)!;
  const training = await store.get(stage(manifest, 'training-set').outputs!.branches[0]!.observations!);
  assert.equal(training.numRows, 300);
  assert.equal((training.getChild('depths')!.get(0) as { length: number }).length, 79);
  // The refinement set: full-model spectra at draws truncated to the prior box.
  const refineSet = await store.get(stage(manifest, 'refine-training-set').outputs!.branches[0]!.observations!);
  assert.equal(refineSet.numRows, 200);
  PARAMETERS.forEach((p) => assert.ok(numberColumn(refineSet, p.name).every((x) => x >= p.low && x <= p.high), `${p.name} inside the prior`));
  for (const name of ['retrieve-surrogate', 'retrieve-refined', 'retrieve-refined-2', 'correct-surrogate', 'retrieve-full', 'merge-full']) {
    const posterior = await store.get(stage(manifest, name).outputs!.branches[0]!.posterior_samples!);
    const w = numberColumn(posterior, 'weight');
    assert.ok(Math.abs(w.reduce((a, b) => a + b, 0) - 1) < 1e-9, `${name}: weights sum to 1`);
    for (const p of PARAM_NAMES) assert.ok(posterior.getChild(p), `${name}: column ${p}`);
  }
  // The merged reference: both runs' points, the live points of both.
  const merged = stage(manifest, 'merge-full').summary![0]!;
  const runs = ['retrieve-full', 'retrieve-full-2'].map((n) => stage(manifest, n).summary![0]!);
  assert.equal(merged.nlive, 50);
  assert.equal(merged.niter, Number(runs[0]!.niter) + Number(runs[1]!.niter));
  // The headline's ln L on the reference's samples: a finite spread (a toy surrogate is far off).
  const error = stage(manifest, 'surrogate-error').summary![0]!;
  assert.ok(Number.isFinite(Number(error.deltaLogLMean)) && Number(error.deltaLogLSd) > 0, JSON.stringify(error));
  const comparison = stage(manifest, 'compare').summary![0]!;
  assert.ok(Number(comparison.meanBhattacharyya) > 0 && Number(comparison.meanBhattacharyya) <= 1);

  // Synthetic mode (new observed data): the training set and surrogate come from the cache.
  const synthetic = { ...tiny, mode: 'synthetic', injections: 2, reference: false };
  await submitRun(env().client, { pipeline: 'atmospheric-retrieval', config: synthetic, storeRoot: env().storeRoot, runId: 'atmo-syn' });
  const view2 = await waitForRun(env().client, store, 'atmo-syn');
  assert.equal(view2.status, 'completed', view2.error);
  const m2 = (await store.readManifest('atmo-syn'))!;
  assert.ok(stage(m2, 'training-set').cached && stage(m2, 'surrogate').cached, 'training set and surrogate reused');
  assert.equal(stage(m2, 'retrieve-surrogate').cached, false);
  assert.equal(stage(m2, 'correct-surrogate').branches, 2);
  assert.equal(stage(m2, 'refine-surrogate-2').branches, 2);
  assert.equal(stage(m2, 'retrieve-refined-2').branches, 2);
  // Each injection's refinement set is drawn around its own posterior.
  const sets = await Promise.all([0, 1].map((b) => store.get(stage(m2, 'refine-training-set').outputs!.branches[b]!.observations!)));
  assert.notDeepEqual(numberColumn(sets[0]!, 'log_H2O').slice(0, 5), numberColumn(sets[1]!, 'log_H2O').slice(0, 5));
});
