import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { availableParallelism, setPriority } from 'node:os';
import type { Client } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { RunStore } from '../lib/store/run-store.ts';
import { connectClient, resolveTarget, type TemporalTarget } from '../temporal/connection.ts';
import { describeRun, observeRun, waitForRun, type LiveProgress, type RunView } from '../temporal/runs.ts';
import { UserError } from '../lib/engine/errors.ts';
import { describeAddress, devServerStatus, stateDir, superviseDevServer } from '../temporal/dev-server.ts';
import { ProgressPrinter } from './progress.ts';

/** A connected CLI session: where Temporal is, a client, and the run store. */
export interface Session {
  target: TemporalTarget;
  client: Client;
  store: RunStore;
}

export async function openSession(storeRoot: string): Promise<Session> {
  const target = await resolveTarget();
  const client = await connectClient(target);
  return { target, client, store: new RunStore(storeRoot) };
}

/** Open a session, run `fn`, and close the connection whatever happens. */
export async function withSession<T>(storeRoot: string, fn: (session: Session) => Promise<T>): Promise<T> {
  const session = await openSession(storeRoot);
  try {
    return await fn(session);
  } finally {
    await session.client.connection.close();
  }
}

/**
 * A client when Temporal can be reached without starting anything (commands that only look must
 * not start a server), otherwise why it cannot.
 */
export async function connectIfReachable(): Promise<{ client?: Client; target?: TemporalTarget; unreachable?: string }> {
  let target: TemporalTarget;
  if (process.env.TEMPORAL_ADDRESS) target = await resolveTarget();
  else {
    const info = await devServerStatus();
    if (!info) return { unreachable: 'the embedded server is not running; `sciflow server start` starts it on its previous address' };
    target = { address: info.address, namespace: process.env.TEMPORAL_NAMESPACE ?? 'default', embedded: true };
  }
  try {
    return { client: await connectClient(target), target };
  } catch (err) {
    // connectClient's message already names the address: `cannot reach Temporal at …: reason`.
    return { unreachable: firstLine(err) };
  }
}

/**
 * The run as Temporal and the manifest see it, with its running activities' heartbeats; the
 * manifest alone (with the reason) when Temporal cannot answer.
 */
export async function describeRunOrManifest(
  client: Client | undefined,
  store: RunStore,
  runId: string,
  unreachable?: string,
): Promise<{ view: RunView; live: LiveProgress[]; serverError?: string }> {
  if (client) {
    try {
      return await observeRun(client, store, runId);
    } catch (err) {
      if (err instanceof UserError) throw err;
      unreachable = firstLine(err);
    }
  }
  return { view: await describeRun(undefined, store, runId), live: [], serverError: unreachable };
}

const firstLine = (err: unknown) => (err instanceof Error ? err.message : String(err)).split('\n')[0]!;

/** A worker on the embedded server keeps it up: a killed server comes back on its ports and the worker reconnects. */
export function superviseEmbeddedServer(): () => void {
  return superviseDevServer((start) => process.stderr.write(`sciflow: the embedded Temporal server had died; restarted it ${describeAddress(start)}\n`));
}

/**
 * On the embedded default one command does everything: for the run's duration this process hosts
 * a workflows-only worker, and `workers` helper processes run the activities. A CPU-bound activity
 * holds its process's one thread, so activities never share this process with workflow tasks
 * (which would then wait behind them: Temporal's "workflow task duration exceeded") nor, with
 * several helpers, a process with each other: each helper takes one activity at a time (a single
 * helper takes two, interleaved). Helpers exit by themselves when the run closes (and outlive a
 * Ctrl-C detach, taking part of the run on). Against a cluster, the cluster's workers do the work.
 */
export async function hostWorkerIfEmbedded(session: Session, runId: string, workers = 1): Promise<{ stop(): Promise<void> } | undefined> {
  if (!session.target.embedded) return undefined;
  const { createWorker } = await import('../temporal/worker.ts');
  const worker: Worker = await createWorker(session.target, { only: 'workflows' });
  const running = worker.run();
  const stopSupervising = superviseEmbeddedServer();
  const concurrency = workers > 1 ? '1' : '2';
  const helpers = Array.from({ length: workers }, (_, i) =>
    spawnWorker(session, runId, ['--only', 'activities', '--concurrency', concurrency], `activities-${i + 1}`),
  );
  // Number crunching yields the CPU to what a person waits on: workflow tasks, `status`, `watch`.
  for (const h of helpers) {
    try {
      setPriority(h.pid!, ACTIVITY_NICENESS);
      // A detached helper leads its own session; where Linux groups sessions for scheduling
      // (autogroup), the group's niceness is what counts against other sessions.
      if (existsSync(`/proc/${h.pid}/autogroup`)) writeFileSync(`/proc/${h.pid}/autogroup`, String(ACTIVITY_NICENESS));
    } catch {
      // A helper that already exited (or a platform without priorities) runs as it is.
    }
  }
  return {
    async stop() {
      stopSupervising();
      for (const h of helpers) if (h.exitCode === null) h.kill('SIGTERM');
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    },
  };
}

/** Niceness of `run`'s activity helpers (0 normal, 19 lowest): below interactive commands, above nothing else. */
const ACTIVITY_NICENESS = 5;

/**
 * A detached `sciflow worker --run <runId>` that exits when the run closes; its output goes to a
 * log file in the state folder (it may outlive this process and its terminal).
 */
function spawnWorker(session: Session, runId: string, args: string[], name: string): ChildProcess {
  const logs = join(stateDir(), 'logs');
  mkdirSync(logs, { recursive: true });
  const log = openSync(join(logs, `${runId}-${name}.log`), 'a');
  const child = spawn(process.execPath, [process.argv[1]!, '--store', session.store.root, 'worker', '--run', runId, ...args], {
    detached: true,
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  child.unref();
  return child;
}

/** `--workers`: how many worker processes `run` hosts on the embedded server (default: cores, at most 4). */
export function parseWorkers(value: string | undefined): number {
  if (value === undefined) return Math.min(4, availableParallelism());
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new UserError(`--workers ${value}: expected a whole number from 1 to 64`);
  return n;
}

/**
 * Follow a run to its end with live progress. Ctrl-C detaches: the run goes on (on the embedded
 * default a background worker takes over from this process).
 */
export async function followRun(session: Session, runId: string, quiet: boolean, hostsWorker: boolean): Promise<RunView> {
  const printer = quiet ? undefined : new ProgressPrinter();
  const onInterrupt = () => {
    // The activity helpers go on by themselves; a background worker takes this process's workflows.
    if (hostsWorker) spawnWorker(session, runId, ['--only', 'workflows'], 'workflows');
    process.stderr.write(`\ndetached from ${runId}; it goes on${hostsWorker ? ' in a background worker' : ''}. Follow it again with: sciflow watch ${runId}\n`);
    process.exit(0);
  };
  process.once('SIGINT', onInterrupt);
  try {
    const view = await waitForRun(session.client, session.store, runId, (v, live) => printer?.update(v, live));
    printer?.update(view, []);
    return view;
  } finally {
    process.removeListener('SIGINT', onInterrupt);
  }
}
