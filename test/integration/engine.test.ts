import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { DuckDBInstance } from '@duckdb/node-api';
import { loadConfig } from '../../lib/engine/config.ts';
import type { RunManifest } from '../../lib/engine/types.ts';
import { sha256 } from '../../lib/store/hash.ts';
import { RunStore } from '../../lib/store/run-store.ts';
import { z } from 'zod';
import type { PipelineDefinition } from '../../lib/engine/pipeline.ts';
import { getPipeline, registerPipeline } from '../../pipelines/index.ts';
import { describeRun, submitRun, waitForRun } from '../../temporal/runs.ts';
import { scheduledActivities, useTestEnvironment } from '../support/temporal.ts';

const SMALL = ['observations=50', 'steps=500', 'burnIn=150', 'substeps=300', 'chains=3', 'nlive=100'];
const STAGE_ACTIVITIES = ['simulate', 'mcmc', 'nestedSampling', 'comparePosteriors', 'summarizeChains'];

/** A likelihood that ignores its parameters — what data with no information give nested sampling. */
let flatCalls = 0;
const flatSchema = z.object({ seed: z.number().default(1) }).strict();
registerPipeline({
  name: 'flat-likelihood',
  description: 'nested sampling on a constant likelihood (test pipeline)',
  version: '1',
  schema: flatSchema,
  stages: () => [{ name: 'nested', activity: 'nestedSampling', params: { problem: 'flat', nlive: 50 } }],
  problems: {
    flat: async () => ({ paramNames: ['a', 'b'], priorTransform: (u) => u, logLikelihood: (batch) => ((flatCalls += batch.length), batch.map(() => -3)) }),
  },
} as PipelineDefinition);

const env = useTestEnvironment();

async function runDemo(set: string[], runId: string, options = {}) {
  const { config } = await loadConfig(getPipeline('demo'), undefined, set);
  await submitRun(env().client, { pipeline: 'demo', config, storeRoot: env().storeRoot, runId, options });
  return waitForRun(env().client, new RunStore(env().storeRoot), runId);
}

const COUNTS = new Set(['step', 'walker', 'chain', 'ncall', 'niter', 'nlive']);

test('a submitted run completes; the manifest and every Parquet artifact verify by hash and read as numbers', async () => {
  const view = await runDemo(SMALL, 'first');
  assert.equal(view.status, 'completed', view.error);
  assert.deepEqual(view.stages.map((s) => [s.name, s.status, s.cached]), [
    ['data', 'completed', false],
    ['chains', 'completed', false],
    ['nested', 'completed', false],
    ['summary', 'completed', false],
    ['compare', 'completed', false],
  ]);
  const store = new RunStore(env().storeRoot);
  const manifest = (await store.readManifest('first'))!;
  const refs = manifest.stages.flatMap((s) => s.outputs!.branches.flatMap((b) => Object.values(b)));
  assert.equal(refs.length, 1 + 3 + 3 + 2 + 1, 'observations, 3 chains, nested samples + their equal-weight draws + evidence, posterior table + pooled samples, comparison');
  assert.ok(manifest.stages.find((s) => s.name === 'nested')!.outputs!.branches[0]!.posterior_equal, 'equal-weight draws beside the weighted samples');
  const duck = await (await DuckDBInstance.create()).connect();
  for (const ref of refs) {
    const bytes = await readFile(store.resolveUri(ref.uri));
    assert.equal(sha256(bytes), ref.sha256, ref.uri);
    const table = await store.get(ref);
    assert.equal(table.numRows, ref.rows);
    const described = await duck.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${store.resolveUri(ref.uri)}')`);
    for (const [column, type] of described.getRows()) {
      // Counts are integers (issue 17 point 10); every other number is a double.
      const expected = column === 'parameter' || column === 'metric' ? 'VARCHAR' : COUNTS.has(column as string) ? 'INTEGER' : 'DOUBLE';
      assert.equal(type, expected, `${ref.uri}: ${column} is ${type}`);
    }
  }
  // The demo's posterior must find the injected oscillator: every parameter within 4σ of the truth.
  const posterior = await store.get(manifest.stages.find((s) => s.name === 'summary')!.outputs!.branches[0]!.posterior!);
  const pulls = posterior.getChild('pull')!.toArray() as Float64Array;
  for (const pull of pulls) assert.ok(Math.abs(pull) < 4, `pull ${pull}`);
});

test('the same config again is served from the cache: one activity per branch, each answering from the cache', async () => {
  const view = await runDemo(SMALL, 'second');
  assert.equal(view.status, 'completed');
  assert.ok(view.stages.every((s) => s.cached), JSON.stringify(view.stages));
  const scheduled = await scheduledActivities(env().client, 'second');
  const branches = view.stages.reduce((n, s) => n + s.branches, 0);
  assert.equal(scheduled.filter((a) => STAGE_ACTIVITIES.includes(a)).length, branches, 'one activity per branch, no separate lookup');
  const first = (await new RunStore(env().storeRoot).readManifest('first'))!;
  const second = (await new RunStore(env().storeRoot).readManifest('second'))!;
  // Nothing recomputed: every output is the first run's artifact (a recomputation writes under second/).
  assert.deepEqual(second.stages.map((s) => s.outputs), first.stages.map((s) => s.outputs));
  assert.deepEqual(second.stages.map((s) => s.checkpointsSaved), second.stages.map(() => 0));
});

test('--rerun forces one stage; a corrupt cached artifact is a miss, never used', async () => {
  const store = new RunStore(env().storeRoot);
  const first = (await store.readManifest('first'))!;
  const rerun = await runDemo(SMALL, 'rerun-summary', { rerun: ['summary'] });
  assert.deepEqual(rerun.stages.map((s) => s.cached), [true, true, true, false, true], 'compare sees identical inputs again');

  // Corrupt the data artifact: the next run must recompute it (same seed ⇒ same bytes again).
  const dataRef = first.stages[0]!.outputs!.branches[0]!.observations!;
  const { writeFile } = await import('node:fs/promises');
  await writeFile(store.resolveUri(dataRef.uri), 'corrupt');
  assert.equal(await store.verify(dataRef), false);
  const view = await runDemo(SMALL, 'after-corruption');
  assert.equal(view.stages[0]!.cached, false);
  const recomputed = (await store.readManifest('after-corruption'))!.stages[0]!.outputs!.branches[0]!.observations!;
  assert.equal(recomputed.sha256, dataRef.sha256, 'same config and seed give the same bytes');
});

test('a degenerate likelihood fails its run at once, never retried; a run beside it on the same worker completes', async () => {
  const store = new RunStore(env().storeRoot);
  await submitRun(env().client, { pipeline: 'flat-likelihood', config: { seed: 1 }, storeRoot: env().storeRoot, runId: 'flat' });
  const beside = runDemo([...SMALL, 'seed=5'], 'beside-flat');
  const flat = await waitForRun(env().client, store, 'flat');
  assert.equal(flat.status, 'failed');
  assert.match(flat.error ?? '', /stage nested failed: the log-likelihood is the same \(-3\) at all 50 initial live points/);
  assert.deepEqual((await scheduledActivities(env().client, 'flat')).filter((a) => a === 'nestedSampling'), ['nestedSampling'], 'scheduled once: no retry');
  assert.equal(flatCalls, 50, 'it stopped at the initial live points instead of spinning');
  assert.equal((await beside).status, 'completed');
});

test('a stage failing non-retryably fails the run with its message; resume with an amended key reuses the earlier stages', async () => {
  // Runs started at random points and stopped after a few steps: R-hat far above the threshold,
  // a failure no retry can fix.
  const bad = [...SMALL, 'steps=8', 'burnIn=0', 'initDraws=1', 'maxRhat=1.05'];
  const failed = await runDemo(bad, 'will-fail');
  assert.equal(failed.status, 'failed');
  assert.match(failed.error ?? '', /stage summary failed: chains did not converge: R-hat of \w+ is [\d.]+ > maxRhat 1.05/);
  assert.equal(failed.stages.find((s) => s.name === 'summary')!.status, 'failed');
  const attempts = (await scheduledActivities(env().client, 'will-fail')).filter((a) => a === 'summarizeChains');
  assert.equal(attempts.length, 1, 'non-retryable: scheduled once');

  const store = new RunStore(env().storeRoot);
  const manifest = (await store.readManifest('will-fail')) as RunManifest;
  const { config } = await loadConfig(getPipeline('demo'), undefined, ['maxRhat=1000'], { config: manifest.config, source: 'manifest' });
  await assert.rejects(
    submitRun(env().client, { pipeline: 'demo', config, storeRoot: env().storeRoot, runId: 'will-fail' }),
    /--run-id will-fail: this run id is taken \(it is a failed run in .*\); a run is never overwritten/,
    'a new submission under an existing run id is refused',
  );
  await submitRun(env().client, { pipeline: 'demo', config, storeRoot: env().storeRoot, runId: 'will-fail', resume: true });
  const resumed = await waitForRun(env().client, store, 'will-fail');
  assert.equal(resumed.status, 'completed');
  assert.deepEqual(resumed.stages.map((s) => s.cached), [true, true, true, false, false]);
  const again = (await store.readManifest('will-fail'))!;
  assert.equal(again.executions, 2);
  assert.equal((await describeRun(env().client, store, 'will-fail')).status, 'completed');
});
