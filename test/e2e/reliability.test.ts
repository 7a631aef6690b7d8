/**
 * Reliability through the CLI, as a user meets it: a finished run is never overwritten, the
 * embedded server comes back on its address under a running worker (stop/start and kill -9), and
 * a stage survives eight worker kills without `resume`. Every interrupted run must give the bytes
 * of the uninterrupted one.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { RunManifest } from '../../lib/engine/types.ts';
import { sha256 } from '../../lib/store/hash.ts';
import { RunStore } from '../../lib/store/run-store.ts';
import { devServerStatus, type DevServerInfo } from '../../temporal/dev-server.ts';
import { waitForRun } from '../../temporal/runs.ts';
import { artifactHashes } from '../support/artifacts.ts';
import { sciflow } from '../support/cli.ts';
import { startTestEnvironment, type TestEnvironment } from '../support/temporal.ts';
import { until } from '../support/until.ts';

const BIN = new URL('../../bin/sciflow.js', import.meta.url).pathname;
/** Two chains of a few seconds each, checkpointed every second; a lost worker is noticed in 2 s. */
const CONFIG = ['observations=60', 'chains=2', 'concurrency=2', 'steps=3000', 'burnIn=500', 'substeps=3000', 'nlive=100', 'checkpointSeconds=1', 'heartbeatSeconds=2'];
const SET = CONFIG.flatMap((kv) => ['--set', kv]);

let env: TestEnvironment;
let store: RunStore;
const workers = new Set<ChildProcess & { log: string }>();

before(async () => {
  env = await startTestEnvironment();
  store = new RunStore(env.storeRoot);
});

after(async () => {
  for (const w of workers) killGroup(w);
  await env?.close();
});

/** A `sciflow worker` in its own process group (so a kill takes everything it started). */
function startWorker(): ChildProcess & { log: string } {
  const child = Object.assign(spawn(process.execPath, [BIN, 'worker'], { env: env.env, detached: true, stdio: ['ignore', 'ignore', 'pipe'] }), { log: '' });
  child.stderr!.on('data', (d) => (child.log += d));
  workers.add(child);
  child.once('exit', () => workers.delete(child));
  return child;
}

function killGroup(child: ChildProcess): Promise<void> {
  const exited = new Promise<void>((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', () => r())));
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    // already gone
  }
  return exited;
}

/** sha256 of every file under a run folder, by relative path. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else out[relative(dir, path)] = sha256(readFileSync(path));
    }
  };
  walk(dir);
  return out;
}

async function stageRunning(runId: string, stage: string): Promise<boolean> {
  const m = await store.readManifest(runId).catch(() => undefined);
  return m?.stages.find((s) => s.name === stage)?.status === 'running';
}

/** The highest attempt of a pending activity of this type that a worker has started. */
async function startedAttempt(runId: string, activity: string): Promise<number> {
  const description = await env.client.workflow.getHandle(runId).describe().catch(() => undefined);
  const STARTED = 2; // PENDING_ACTIVITY_STATE_STARTED
  const started = (description?.raw.pendingActivities ?? []).filter((a) => a.activityType?.name === activity && Number(a.state) === STARTED);
  return Math.max(0, ...started.map((a) => a.attempt ?? 0));
}

/** Whether a checkpoint pointer in the store names this run's stage (or `stage/b<i>`, one branch). */
async function checkpointSaved(runId: string, stage: string): Promise<boolean> {
  const dir = join(env.storeRoot, '.checkpoints');
  if (!existsSync(dir)) return false;
  const namesStage = (name: string) => {
    try {
      return readFileSync(join(dir, name), 'utf8').includes(`${runId}/${stage}/`);
    } catch {
      return false; // removed between the listing and the read
    }
  };
  return readdirSync(dir).some(namesStage);
}

let reference: RunManifest;

test('run-id reuse is refused (exit 2, one line) and the finished run stays byte-identical', async () => {
  const first = await sciflow(['run', 'demo', ...SET, '--run-id', 'keep', '--json'], env.env);
  assert.equal(first.code, 0, first.stderr);
  const before = snapshot(store.runDir('keep'));
  for (const args of [
    ['run', 'demo', ...SET, '--set', 'seed=999', '--run-id', 'keep'],
    ['submit', 'demo', '--run-id', 'keep', '--json'],
  ]) {
    const again = await sciflow(args, env.env);
    assert.equal(again.code, 2, `${args.join(' ')}: ${again.stderr}`);
    assert.match(again.stderr, /^sciflow: --run-id keep: this run id is taken \(it is a completed run in .*\); a run is never overwritten/);
    assert.equal(again.stderr.trim().split('\n').length, 1, again.stderr);
  }
  assert.deepEqual(snapshot(store.runDir('keep')), before, 'not one byte of the finished run changed');
  reference = (await store.readManifest('keep'))!;
  assert.equal(reference.seed, 42);
  assert.equal(reference.executions, 1);
});

test('server stop/start and kill -9 of the dev server mid-run: the same worker continues and the run ends identical', async () => {
  const worker = startWorker();
  const submitted = await sciflow(['submit', 'demo', ...SET, '--run-id', 'restarts', '--no-cache'], env.env);
  assert.equal(submitted.code, 0, submitted.stderr);
  const original = (await devServerStatus())!;
  await until(() => stageRunning('restarts', 'chains'), 120_000, 'the chains stage to start');
  // `status` shows the running chains' heartbeats: a bar per branch with its percentage.
  await until(async () => /^  chains\n\s+#\d \[[#.]+\] \d+%/m.test((await sciflow(['status', 'restarts'], env.env)).stdout), 60_000, "status to show the chains' progress bars");

  assert.equal((await sciflow(['server', 'stop'], env.env)).code, 0);
  const looked = await sciflow(['status', 'restarts', '--json'], env.env);
  assert.equal(looked.code, 0, looked.stderr);
  assert.equal(JSON.parse(looked.stdout).server, 'unreachable', 'status answers from the manifest');
  assert.equal(await devServerStatus(), undefined, '`status` did not start a server');
  const started = await sciflow(['server', 'start', '--json'], env.env);
  const info = JSON.parse(started.stdout) as DevServerInfo & { sameAddress: boolean };
  assert.equal(info.address, original.address, 'the server came back on its address');
  assert.equal(info.sameAddress, true);

  const revision = (await store.readManifest('restarts'))!.revision;
  await until(async () => (await store.readManifest('restarts'))!.revision > revision, 120_000, 'progress after the restart');
  assert.equal((await env.client.workflow.getHandle('restarts').describe()).status.name, 'RUNNING', 'the kill lands mid-run');
  process.kill(info.pid, 'SIGKILL');
  // The server's info file names the new pid a moment before the worker's line reaches its log: wait for the line.
  const restartLine = /the embedded Temporal server had died; restarted it on its previous address 127\.0\.0\.1:\d+/;
  await until(async () => restartLine.test(worker.log), 60_000, 'the worker to restart the killed server and say so');
  assert.notEqual((await devServerStatus())?.pid, info.pid, 'a new server process');
  assert.equal((await devServerStatus())!.address, original.address);

  const view = await waitForRun(env.client, store, 'restarts');
  assert.equal(view.status, 'completed', view.error);
  assert.equal(worker.exitCode, null, 'the same worker process finished the run');
  assert.deepEqual(artifactHashes((await store.readManifest('restarts'))!), artifactHashes(reference));
  await killGroup(worker);
});

test('eight worker kills inside one stage: the run completes without resume, identical to an uninterrupted run', async () => {
  const submitted = await sciflow(['submit', 'demo', ...SET, '--run-id', 'eight-kills', '--no-cache'], env.env);
  assert.equal(submitted.code, 0, submitted.stderr);
  for (let kill = 1; kill <= 8; kill++) {
    const worker = startWorker();
    // Kill once a worker has started attempt `kill` of the chains: each kill lands inside the stage.
    await until(async () => (await startedAttempt('eight-kills', 'mcmc')) >= kill, 120_000, `attempt ${kill} of the chains`);
    // Both chains (branches b0, b1) must save a checkpoint before the first kill, or a chain could
    // die before every first save (1 s) and its last attempt would rightly start from scratch.
    if (kill === 1) {
      for (const branch of ['b0', 'b1']) await until(() => checkpointSaved('eight-kills', `chains/${branch}`), 120_000, `the first checkpoint of chain ${branch}`);
    }
    await killGroup(worker);
  }
  startWorker();
  const view = await waitForRun(env.client, store, 'eight-kills');
  assert.equal(view.status, 'completed', view.error);
  const manifest = (await store.readManifest('eight-kills'))!;
  assert.equal(manifest.executions, 1, 'no resume');
  assert.equal(manifest.stages.find((s) => s.name === 'chains')!.resumedFromCheckpoint, true);
  const history = await env.client.workflow.getHandle('eight-kills').fetchHistory();
  const attempts = (history.events ?? []).map((e) => e.activityTaskStartedEventAttributes?.attempt ?? 0);
  assert.ok(Math.max(...attempts) >= 9, `a stage attempt after eight kills (max attempt ${Math.max(...attempts)})`);
  assert.deepEqual(artifactHashes(manifest), artifactHashes(reference));
});
