import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import type { Client } from '@temporalio/client';
import { connectClient, resolveTarget, type TemporalTarget } from '../../temporal/connection.ts';
import { ensureDevServer, stopDevServer } from '../../temporal/dev-server.ts';
import { createWorker } from '../../temporal/worker.ts';

/**
 * A real Temporal dev server (the official CLI, never a mock) in a throw-away state folder, plus a
 * run store beside it. One per test file; `close()` stops the server and removes the folder.
 */
export interface TestEnvironment {
  dir: string;
  storeRoot: string;
  target: TemporalTarget;
  client: Client;
  /** Environment for child processes (CLI, workers) pointing at the same server and state. */
  env: NodeJS.ProcessEnv;
  close(): Promise<void>;
}

/**
 * `worker: true` also runs a sciflow worker in the test process (it sees pipelines the test
 * registered; `concurrency` activities at once, default 2); `close()` stops it before the server.
 */
export async function startTestEnvironment(options: { worker?: boolean; concurrency?: number } = {}): Promise<TestEnvironment> {
  const dir = mkdtempSync(join(tmpdir(), 'sciflow-test-'));
  process.env.SCIFLOW_HOME = join(dir, 'state');
  delete process.env.TEMPORAL_ADDRESS;
  await ensureDevServer();
  const target = await resolveTarget();
  const client = await connectClient(target);
  const worker = options.worker ? await createWorker(target, { concurrency: options.concurrency }) : undefined;
  const running = worker?.run();
  return {
    dir,
    storeRoot: join(dir, 'runs'),
    target,
    client,
    env: { ...process.env, SCIFLOW_HOME: process.env.SCIFLOW_HOME, SCIFLOW_STORE: join(dir, 'runs') },
    async close() {
      worker?.shutdown();
      await running;
      await client.connection.close();
      await stopDevServer();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * One environment with an in-process worker (unless `worker: false`) for a whole test file: started before its tests and
 * closed after them, `beforeClose` first (deleting schedules, say; its failure is ignored). The
 * tests read it through the returned getter.
 */
export function useTestEnvironment(options: { beforeClose?: (env: TestEnvironment) => Promise<unknown>; worker?: boolean; concurrency?: number } = {}): () => TestEnvironment {
  let env: TestEnvironment | undefined;
  before(async () => {
    env = await startTestEnvironment({ worker: options.worker ?? true, concurrency: options.concurrency });
  });
  after(async () => {
    if (!env) return;
    await options.beforeClose?.(env).catch(() => undefined);
    await env.close();
  });
  return () => {
    if (!env) throw new Error('the test environment has not started');
    return env;
  };
}

/** Names of the activities Temporal scheduled for a workflow, one entry per attempt chain. */
export async function scheduledActivities(client: Client, workflowId: string): Promise<string[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? [])
    .map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name)
    .filter((n): n is string => Boolean(n));
}

