import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { loadConfig } from '../../lib/engine/config.ts';
import { planClean } from '../../lib/store/clean.ts';
import { tableRows } from '../../lib/store/parquet.ts';
import { RunStore } from '../../lib/store/run-store.ts';
import { getPipeline } from '../../pipelines/index.ts';
import { submitRun, waitForRun } from '../../temporal/runs.ts';
import { scheduledActivities, startTestEnvironment, type TestEnvironment } from '../support/temporal.ts';

const BIN = new URL('../../bin/sciflow.js', import.meta.url).pathname;
// Two chains long enough (several seconds each) to be killed between checkpoints (every 1 s).
const CONFIG = ['observations=60', 'chains=2', 'concurrency=2', 'steps=3000', 'burnIn=500', 'substeps=5000', 'checkpointSeconds=1', 'nlive=100'];

let env: TestEnvironment;
const workers: ChildProcess[] = [];

function startWorkerProcess(): ChildProcess {
  const child = spawn(process.execPath, [BIN, 'worker'], { env: env.env, stdio: 'ignore' });
  workers.push(child);
  return child;
}

async function until(condition: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

before(async () => {
  env = await startTestEnvironment();
});

after(async () => {
  for (const w of workers) w.kill('SIGKILL');
  await env?.close();
});

test('SIGKILL of the worker mid-stage: a new worker finishes the run from the checkpoint, with the numbers of an uninterrupted run', async () => {
  const store = new RunStore(env.storeRoot);
  const { config } = await loadConfig(getPipeline('demo'), undefined, CONFIG);
  const first = startWorkerProcess();
  await submitRun(env.client, { pipeline: 'demo', config, storeRoot: env.storeRoot, runId: 'crashed', options: { noCache: true } });

  // Kill the worker once the chains stage has saved a checkpoint, i.e. in the middle of its work.
  await until(
    async () => (await readdir(join(env.storeRoot, '.checkpoints')).catch(() => [])).length >= 2,
    120_000,
    'a checkpoint of each chain',
  );
  first.kill('SIGKILL');
  await new Promise((r) => first.once('exit', r));
  const killedAt = (await store.readManifest('crashed'))!;
  assert.equal(killedAt.stages[0]!.status, 'completed');
  assert.equal(killedAt.stages[1]!.status, 'running');

  startWorkerProcess();
  const view = await waitForRun(env.client, store, 'crashed');
  assert.equal(view.status, 'completed', view.error);
  const manifest = (await store.readManifest('crashed'))!;
  assert.equal(manifest.stages[1]!.resumedFromCheckpoint, true, 'the killed stage resumed from its checkpoint');
  assert.deepEqual((await planClean(store)).items, [], 'once finished, the killed stage left no checkpoint behind (`sciflow clean` finds nothing)');

  const scheduled = await scheduledActivities(env.client, 'crashed');
  assert.equal(scheduled.filter((a) => a === 'simulate').length, 1, 'finished stages are not re-executed');
  const history = await env.client.workflow.getHandle('crashed').fetchHistory();
  const retried = (history.events ?? []).filter((e) => (e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1);
  assert.ok(retried.length >= 1, 'the chains were retried after the heartbeat timeout');

  // The same config and seed without interruption gives identical chains and posterior.
  await submitRun(env.client, { pipeline: 'demo', config, storeRoot: env.storeRoot, runId: 'uninterrupted', options: { noCache: true } });
  const reference = await waitForRun(env.client, store, 'uninterrupted');
  assert.equal(reference.status, 'completed');
  const ref = (await store.readManifest('uninterrupted'))!;
  for (const [i, stage] of manifest.stages.entries()) {
    const a = stage.outputs!.branches;
    const b = ref.stages[i]!.outputs!.branches;
    assert.deepEqual(a.map((br) => Object.fromEntries(Object.entries(br).map(([k, r]) => [k, r.sha256]))), b.map((br) => Object.fromEntries(Object.entries(br).map(([k, r]) => [k, r.sha256]))), `stage ${stage.name}`);
  }
  const summary = (m: typeof manifest) => m.stages.find((s) => s.name === 'summary')!.outputs!.branches[0]!.posterior!;
  assert.deepEqual(tableRows(await store.get(summary(manifest))), tableRows(await store.get(summary(ref))));
});
