/**
 * A large fan-out survives what a lab's runs meet, across its child workflows: a worker process
 * killed mid-fan-out (another takes over), and a run that failed part-way resumed with `resume`
 * (its finished branches come from the cache). Both end identical to an uninterrupted run.
 * Workers run as separate processes (test/support/probe-worker.ts), so one can be killed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { allBranchOutputs } from '../../lib/engine/branch-index.ts';
import type { RunManifest } from '../../lib/engine/types.ts';
import { RunStore } from '../../lib/store/run-store.ts';
import { submitRun, waitForRun } from '../../temporal/runs.ts';
import { startTestEnvironment, type TestEnvironment } from '../support/temporal.ts';
import { until } from '../support/until.ts';

const PROBE_WORKER = new URL('../support/probe-worker.ts', import.meta.url).pathname;
let env: TestEnvironment;
let store: RunStore;
const workers: ChildProcess[] = [];

const startWorker = (): ChildProcess => {
  const worker = spawn(process.execPath, ['--import', 'tsx', PROBE_WORKER, '32'], { env: env.env, stdio: 'ignore', detached: true });
  workers.push(worker);
  return worker;
};
const kill = (worker: ChildProcess) => {
  try {
    process.kill(-worker.pid!, 'SIGKILL');
  } catch {
    // gone already
  }
};

before(async () => {
  env = await startTestEnvironment();
  store = new RunStore(env.storeRoot);
});
after(async () => {
  workers.forEach(kill);
  await env?.close();
});

async function submit(runId: string, config: Record<string, number | string>, options: { resume?: boolean; noCache?: boolean } = {}): Promise<void> {
  await submitRun(env.client, { pipeline: 'fan-out-probe', config, storeRoot: env.storeRoot, runId, resume: options.resume, options: { noCache: options.noCache } });
}

async function finished(runId: string, status = 'completed'): Promise<RunManifest> {
  const view = await waitForRun(env.client, store, runId);
  assert.equal(view.status, status, view.error);
  return (await store.readManifest(runId))!;
}

/** Each branch's output hashes: the draws depend on (seed, stage, branch) only, so runs of different sizes agree branch by branch. */
async function drawHashes(manifest: RunManifest): Promise<string[]> {
  return (await allBranchOutputs(store, manifest.stages[0]!.outputs!)).map((o) => o.observations!.sha256);
}

test('a worker killed mid-fan-out: another takes over and the run completes identical to an uninterrupted one', async () => {
  const first = startWorker();
  await submit('killed', { branches: 4000, spinMs: 2 });
  await until(async () => ((await store.readManifest('killed'))?.stages[0]?.completedBranches ?? 0) >= 1000, 300_000, 'the first batch to finish');
  kill(first);
  startWorker();
  const killed = await finished('killed');
  assert.ok((killed.stages[0]!.completedBranches ?? 0) === 4000);

  await submit('reference', { branches: 4000, spinMs: 2 }, { noCache: true });
  const reference = await finished('reference');
  assert.equal(reference.stages[0]!.cachedBranches, 0);
  assert.deepEqual(await drawHashes(killed), await drawHashes(reference));
});

test('a fan-out that failed part-way resumes: its finished branches come from the cache, the rest run, the results equal the reference', async () => {
  const flag = join(env.dir, 'fail-now');
  writeFileSync(flag, '');
  const config = { branches: 2500, failFlag: flag, failFrom: 2200 };
  await submit('failing', config);
  const failed = await finished('failing', 'failed');
  assert.match(failed.error ?? '', /branch 22\d\d: .*fail-now exists/);

  rmSync(flag);
  await submit('failing', config, { resume: true });
  const resumed = await finished('failing');
  const draws = resumed.stages[0]!;
  assert.ok(draws.cachedBranches >= 2000 && draws.cachedBranches < 2500, `${draws.cachedBranches} branches from the cache`);
  assert.deepEqual(await drawHashes(resumed), (await drawHashes((await store.readManifest('reference'))!)).slice(0, 2500));
});
