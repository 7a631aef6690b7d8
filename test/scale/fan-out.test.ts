/**
 * Large fan-outs on a real Temporal dev server (issue: fan-outs of 10⁴–10⁵ branches): the
 * histories stay bounded whatever N, a fan-out that depends on a fan-out reads branch-wise, and
 * the cache answers across child workflows. `npm run test:scale` (.ci/run calls it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { allBranchOutputs } from '../../lib/engine/branch-index.ts';
import { BATCH_BRANCHES } from '../../lib/engine/fan-out.ts';
import { numberColumn, tableRows } from '../../lib/store/parquet.ts';
import { RunStore } from '../../lib/store/run-store.ts';
import { submitRun, waitForRun } from '../../temporal/runs.ts';
import '../support/fan-out-probe.ts';
import { runHistories } from '../support/history.ts';
import { useTestEnvironment } from '../support/temporal.ts';

const env = useTestEnvironment({ concurrency: 64 });
const store = () => new RunStore(env().storeRoot);

async function run(runId: string, config: Record<string, number | boolean>) {
  await submitRun(env().client, { pipeline: 'fan-out-probe', config, storeRoot: env().storeRoot, runId });
  const view = await waitForRun(env().client, store(), runId);
  assert.equal(view.status, 'completed', view.error);
  return (await store().readManifest(runId))!;
}

test('a 10 000-branch fan-out completes: every workflow history under 10 000 events, no event over 512 KB, the manifest small', async () => {
  const manifest = await run('ten-thousand', { branches: 10_000 });
  const histories = await runHistories(env().client, 'ten-thousand');
  assert.equal(histories.length, 1 + 10_000 / BATCH_BRANCHES, 'the run and one child workflow per batch');
  const most = Math.max(...histories.map((h) => h.events));
  assert.ok(most <= 10_000, `a history of ${most} events`);
  const largest = Math.max(...histories.map((h) => h.largestEventBytes));
  assert.ok(largest <= 512 * 1024, `an event of ${largest} bytes`);
  const perBranch = histories.reduce((n, h) => n + h.bytes, 0) / 10_000;
  assert.ok(perBranch <= 2048, `${perBranch.toFixed(0)} history bytes per branch`);

  const draws = manifest.stages[0]!;
  assert.equal(draws.completedBranches, 10_000);
  assert.deepEqual(draws.outputs!.branches, [], 'no row per branch in the manifest');
  assert.equal(draws.outputs!.index!.rows, 10_000);
  assert.ok((await stat(store().manifestPath('ten-thousand'))).size < 16_384);
  const outputs = await allBranchOutputs(store(), draws.outputs!);
  assert.equal(outputs.length, 10_000);
  for (const b of [0, 999, 1000, 5432, 9999]) {
    const row = tableRows(await store().get(outputs[b]!.observations!))[0]!;
    assert.equal(row.index, b, 'branch b got value b');
  }
  for (const refs of outputs) assert.ok(await store().verify(refs.observations!), refs.observations!.uri);
});

test('a chained fan-out A[2000] → B[2000] reads branch-wise, a fan-in reads all of B, and a second run is served from the cache', async () => {
  const manifest = await run('chained', { branches: 2000, chained: true });
  const [draws, doubled] = await Promise.all(['draws', 'doubled'].map((name) => allBranchOutputs(store(), manifest.stages.find((s) => s.name === name)!.outputs!)));
  let sum = 0;
  for (let b = 0; b < 2000; b++) {
    const [a, d] = await Promise.all([store().get(draws![b]!.observations!), store().get(doubled![b]!.observations!)]);
    assert.equal(numberColumn(d, 'index')[0], b);
    assert.equal(numberColumn(d, 'x')[0], 2 * numberColumn(a, 'x')[0]!, `branch ${b} doubled its own draw`);
    sum += numberColumn(d, 'x')[0]!;
  }
  const total = tableRows(await store().get(manifest.stages.find((s) => s.name === 'total')!.outputs!.branches[0]!.observations!))[0]!;
  assert.equal(total.branches, 2000);
  assert.ok(Math.abs(Number(total.sum) - sum) < 1e-9 * sum);

  const again = await run('chained-again', { branches: 2000, chained: true });
  assert.deepEqual(again.stages.map((s) => [s.name, s.cachedBranches, s.cached]), [
    ['draws', 2000, true],
    ['doubled', 2000, true],
    ['total', 1, true],
  ]);
});
