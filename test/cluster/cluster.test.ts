/**
 * A real multi-service Temporal cluster (scripts/cluster.sh: frontend, history, matching and worker
 * as four processes on PostgreSQL) with three `sciflow worker` processes, as a lab would run it.
 * Run with `npm run test:cluster` (.ci/run calls it; the server build is cached under .tools/).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import type { RunManifest } from '../../lib/engine/types.ts';
import { RunStore } from '../../lib/store/run-store.ts';
import { connectClient } from '../../temporal/connection.ts';
import { waitForRun } from '../../temporal/runs.ts';
import { artifactHashes } from '../support/artifacts.ts';
import { sciflow } from '../support/cli.ts';
import { until } from '../support/until.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const BIN = join(ROOT, 'bin/sciflow.js');
const CLUSTER = join(ROOT, 'scripts/cluster.sh');
/** Six chains (a fan-out) of a few seconds each, checkpointed every second. */
const SET = ['observations=60', 'chains=6', 'concurrency=6', 'steps=2000', 'burnIn=400', 'substeps=2000', 'nlive=100', 'checkpointSeconds=1', 'heartbeatSeconds=5'].flatMap((kv) => ['--set', kv]);

const dir = mkdtempSync(join(tmpdir(), 'sciflow-cluster-'));
chmodSync(dir, 0o755); // the private PostgreSQL runs as the postgres user when the tests run as root
const clusterEnv = {
  ...process.env,
  SCIFLOW_CLUSTER_DIR: join(dir, 'cluster'),
  SCIFLOW_CLUSTER_PORT: '57433',
  SCIFLOW_CLUSTER_MEMBERSHIP_PORT: '26433',
  SCIFLOW_CLUSTER_PG_PORT: '55632',
};
const env: NodeJS.ProcessEnv = { ...process.env, TEMPORAL_ADDRESS: '127.0.0.1:57433', SCIFLOW_STORE: join(dir, 'runs'), SCIFLOW_HOME: join(dir, 'state') };
const store = new RunStore(join(dir, 'runs'));
const workers: ChildProcess[] = [];
let client: Client;
let reference: RunManifest;

const cluster = (...args: string[]) => promisify(execFile)('bash', [CLUSTER, ...args], { env: clusterEnv, maxBuffer: 1 << 24 });

before(async () => {
  const { stdout } = await cluster('up');
  assert.match(stdout, /TEMPORAL_ADDRESS=127\.0\.0\.1:57433/);
  client = await connectClient({ address: env.TEMPORAL_ADDRESS!, namespace: 'default', embedded: false });
  for (let i = 0; i < 3; i++) workers.push(spawn(process.execPath, [BIN, 'worker', '--concurrency', '2'], { env, stdio: 'ignore', detached: true }));
});

after(async () => {
  for (const w of workers) {
    try {
      process.kill(-w.pid!, 'SIGKILL');
    } catch {
      // gone already
    }
  }
  await client?.connection.close();
  await cluster('down').catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

async function submit(runId: string): Promise<void> {
  const r = await sciflow(['submit', 'demo', ...SET, '--run-id', runId, '--no-cache'], env);
  assert.equal(r.code, 0, r.stderr);
}

async function everyArtifactVerifies(manifest: RunManifest): Promise<void> {
  for (const s of manifest.stages) for (const b of s.outputs?.branches ?? []) for (const ref of Object.values(b)) assert.ok(await store.verify(ref), ref.uri);
}

test('three worker processes share one fan-out: each runs some of its branches', async () => {
  await submit('shared');
  const view = await waitForRun(client, store, 'shared');
  assert.equal(view.status, 'completed', view.error);
  const history = await client.workflow.getHandle('shared').fetchHistory();
  const scheduled = new Map<number, string>();
  for (const e of history.events ?? []) {
    const a = e.activityTaskScheduledEventAttributes;
    if (a?.activityType?.name === 'mcmc') scheduled.set(Number(e.eventId), 'mcmc');
  }
  const identities = new Set(
    (history.events ?? []).filter((e) => scheduled.has(Number(e.activityTaskStartedEventAttributes?.scheduledEventId ?? -1))).map((e) => e.activityTaskStartedEventAttributes!.identity),
  );
  assert.equal(identities.size, 3, `chains ran on ${[...identities].join(', ')}`);
  reference = (await store.readManifest('shared'))!;
  await everyArtifactVerifies(reference);
});

/**
 * Submit the reference config, interrupt the cluster once its chains run, and check the run still
 * completes after the interruption ended, every artifact verifying and equal to the reference's.
 */
async function completesIdenticalDespite(runId: string, interrupt: () => Promise<void>): Promise<void> {
  await submit(runId);
  await until(async () => (await store.readManifest(runId))?.stages.find((s) => s.name === 'chains')?.status === 'running', 120_000, 'chains to start');
  await interrupt();
  const recoveredAt = Date.now();
  const view = await waitForRun(client, store, runId);
  assert.equal(view.status, 'completed', view.error);
  const manifest = (await store.readManifest(runId))!;
  assert.ok(Date.parse(manifest.finishedAt!) > recoveredAt, 'the run was still going when the cluster recovered');
  await everyArtifactVerifies(manifest);
  assert.deepEqual(artifactHashes(manifest), artifactHashes(reference));
}

test('kill -9 of the history service mid-run: `status` says the server is unreachable instead of dying; the run completes identical', async () => {
  await completesIdenticalDespite('history-killed', async () => {
    await cluster('kill', 'history');
    const looked = await sciflow(['status', 'history-killed', '--json'], env);
    assert.equal(looked.code, 0, looked.stderr);
    assert.equal(JSON.parse(looked.stdout).server, 'unreachable');
    await new Promise((r) => setTimeout(r, 3000));
    await cluster('start', 'history');
  });
});

test('a PostgreSQL restart mid-run: the run completes identical', async () => {
  await completesIdenticalDespite('postgres-restarted', async () => {
    await cluster('restart-postgres');
  });
});
