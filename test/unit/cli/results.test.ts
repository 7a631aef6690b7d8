/** `sciflow results` (cli/run-results.ts): posterior intervals, evidence against the reference, labelled comparisons, stage highlights. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { posteriorSamplesTable } from '../../../activities/nested-sampling.ts';
import type { RunManifest, StageRecord } from '../../../lib/engine/types.ts';
import { tableFromColumns } from '../../../lib/store/parquet.ts';
import { RunStore } from '../../../lib/store/run-store.ts';
import { renderResults, runResults } from '../../../cli/run-results.ts';

const stage = (fields: Partial<StageRecord> & Pick<StageRecord, 'name'>): StageRecord => ({
  activity: 'nestedSampling', dependsOn: [], status: 'completed', cached: false, branches: 1, cachedBranches: 0, cacheKeys: [], ...fields,
});

test('results: medians with 68 % and 95 % intervals per posterior, ln Z against the pipeline\'s reference, comparisons with both sides named', async () => {
  const store = new RunStore(mkdtempSync(join(tmpdir(), 'sciflow-results-')));
  // x takes 0…99 with equal weights: midpoint-rule quantiles sit at (k + ½)/100, so the 16/50/84 % points are 15.5, 49.5, 83.5 and 2.5/97.5 % are 2 and 97.
  const n = 100;
  const theta = Array.from({ length: n }, (_, i) => [i, -i]);
  const posterior = await store.put('r1', ['fit', 'posterior_samples'], posteriorSamplesTable(['x', 'y'], theta, new Array(n).fill(1 / n), new Array(n).fill(0), new Array(n).fill(0)));
  const comparison = await store.put('r1', ['compare', 'comparison'], tableFromColumns({
    parameter: ['x', 'x', 'y', 'y', '(joint)'],
    metric: ['bhattacharyya', 'mean_shift', 'bhattacharyya', 'mean_shift', 'c2st_accuracy'],
    value: Float64Array.from([0.991, 0.05, 0.995, -0.02, 0.52]),
  }));
  const manifest = {
    runId: 'r1', workflowId: 'r1', pipeline: 'demo', status: 'completed', tags: { owner: 'ana' }, note: 'first look', stages: [
      stage({ name: 'fit', summary: [{ logZ: -9.5, logZerr: 0.4, ncall: 12345, wall_s: 3.2 }], outputs: { branches: [{ posterior_samples: posterior }] } }),
      stage({ name: 'ref', summary: [{ logZ: -10, logZerr: 0.3 }] }),
      stage({ name: 'error', activity: 'reweightPosterior', branches: 2, summary: [{ logZ: -11, ess: 50, deltaLogLQ05: -0.8, deltaLogLQ50: 0.1, deltaLogLQ95: 1.25 }, { logZ: -12, ess: 70, deltaLogLQ05: -0.6, deltaLogLQ50: 0.1, deltaLogLQ95: 2 }] }),
      stage({ name: 'compare', activity: 'comparePosteriors', summary: [{ reference: 'ref', other: 'fit', minBhattacharyya: 0.991, meanBhattacharyya: 0.993, worstParameter: 'x' }], outputs: { branches: [{ comparison }] } }),
    ],
  } as unknown as RunManifest;

  const results = await runResults(store, manifest, { headline: ['fit'], evidenceReference: ['ref'] });
  assert.deepEqual(results.posteriors.map((p) => [p.label, p.headline, p.weighted, p.samples]), [['fit', true, true, n]]);
  const [x, y] = results.posteriors[0]!.parameters;
  const rounded = (values: number[]) => values.map((v) => Math.round(v * 1e9) / 1e9);
  assert.deepEqual([x!.name, ...rounded([x!.median, ...x!.ci68, ...x!.ci95])], ['x', 49.5, 15.5, 83.5, 2, 97]);
  assert.deepEqual([y!.name, ...rounded([y!.median, ...y!.ci68])], ['y', -49.5, -83.5, -15.5]);

  const evidence = Object.fromEntries(results.evidence.map((e) => [e.label, e]));
  assert.equal(evidence.ref!.reference, true, 'the pipeline names its reference, though it is not the first');
  assert.equal(evidence.fit!.deltaLogZ, 0.5);
  assert.ok(Math.abs(evidence.fit!.deltaLogZerr! - 0.5) < 1e-12, 'errors in quadrature: √(0.4² + 0.3²)');
  assert.deepEqual([evidence['error[1]']!.deltaLogZ, evidence['error[1]']!.deltaLogZerr], [-2, undefined], 'a fan-out against the single reference; no error without one');

  const [c] = results.comparisons;
  assert.deepEqual([c!.reference, c!.other, c!.agrees, c!.c2stAccuracy, c!.parameters], ['ref', 'fit', true, 0.52, 2]);
  assert.deepEqual(c!.metrics, [{ parameter: 'x', bhattacharyya: 0.991, mean_shift: 0.05 }, { parameter: 'y', bhattacharyya: 0.995, mean_shift: -0.02 }]);
  assert.deepEqual(results.results.map((t) => `${t.label}:${t.name}`), ['compare:comparison']);

  const text = renderResults(results).join('\n');
  assert.match(text, /^ {2}tags: owner=ana$/m);
  assert.match(text, /^ {2}note: first look$/m);
  assert.match(text, /^ {2}fit \(headline; 100 weighted samples\)$/m);
  assert.match(text, /^ {4}x +49\.5 +\[15\.5, 83\.5\] +\[2, 97\]$/m);
  assert.match(text, /^evidence: ln Z, and Δ ln Z against ref \(the reference\)$/m);
  assert.match(text, /^ {2}fit +-9\.50 ± 0\.40 +\+0\.50 ± 0\.50$/m);
  assert.match(text, /^ {2}ref +-10\.00 ± 0\.30 +reference$/m);
  assert.match(text, /^ {2}compare: reference ref, other fit$/m);
  assert.match(text, /^ {4}fit reproduces ref: min BC 0\.991 \(x\), mean 0\.993 over 2 parameters; C2ST accuracy 0\.520$/m);
  // Stage summaries: what a user reads first, a fan-out's values as a range, no wall times.
  assert.match(text, /^ {2}fit +logZ -9\.5 {2}logZerr 0\.4 {2}ncall 12345$/m);
  assert.match(text, /^ {2}error +logZ -12 … -11 {2}ess 50 … 70 {2}deltaLogLQ05 -0\.8 … -0\.6 {2}deltaLogLQ50 0\.1 {2}deltaLogLQ95 1\.25 … 2$/m);
});
