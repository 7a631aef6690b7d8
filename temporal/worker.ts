import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DefaultLogger, Runtime, Worker, bundleWorkflowCode } from '@temporalio/worker';
import * as activities from '../activities/index.ts';
import { taskQueueName } from '../lib/engine/pipeline.ts';
import { sha256 } from '../lib/store/hash.ts';
import { connectWorker, type TemporalTarget } from './connection.ts';
import { stateDir } from './dev-server.ts';

const WORKFLOWS_DIR = new URL('../workflows/', import.meta.url).pathname;

let runtimeInstalled = false;

/**
 * Keep the SDK's own logs to warnings, and send the core's (Rust) ones through the same logger to
 * stderr as one plain line each: printed by the core itself they went to stdout with raw ANSI
 * colour codes, into `--json` output too.
 */
export function installRuntime(): void {
  if (runtimeInstalled) return;
  const level = (process.env.SCIFLOW_LOG_LEVEL as 'WARN') ?? 'WARN';
  Runtime.install({
    logger: new DefaultLogger(level, ({ level, message, meta }) => {
      if (EXPECTED_NOTICES.test(message)) return;
      process.stderr.write(`sciflow: temporal ${level.toLowerCase()}: ${stripAnsi(message)}${fields(meta)}\n`);
    }),
    telemetryOptions: { logging: { filter: { core: level, other: 'ERROR' }, forward: {} } },
  });
  runtimeInstalled = true;
}

/** The SDK warns that a worker polls only one kind of task; `only` asks for exactly that. */
const EXPECTED_NOTICES = /^No (activities|workflows) registered, not polling for/;
const stripAnsi = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, '');
/** `key=value` for the log entry's plain fields (workflow id, history size, …). */
const fields = (meta: Record<string, unknown> | undefined) =>
  Object.entries(meta ?? {})
    .filter(([, v]) => ['string', 'number', 'bigint', 'boolean'].includes(typeof v))
    .map(([k, v]) => ` ${k}=${String(v)}`)
    .join('');

/**
 * The workflow bundle, built once per version of the workflow sources and cached in the state
 * folder: bundling takes seconds, and every `run` and test starts a worker.
 */
async function workflowBundle(): Promise<{ code: string }> {
  const sources = readdirSync(WORKFLOWS_DIR).sort().map((f) => f + readFileSync(join(WORKFLOWS_DIR, f), 'utf8'));
  const key = sha256(sources.join('\n')).slice(0, 16);
  const dir = join(stateDir(), 'bundles');
  const file = join(dir, `workflows-${key}.js`);
  if (existsSync(file)) return { code: readFileSync(file, 'utf8') };
  const { code } = await bundleWorkflowCode({ workflowsPath: join(WORKFLOWS_DIR, 'index.ts'), logger: new DefaultLogger('WARN') });
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, code);
  return { code };
}

export interface WorkerOptions {
  queue?: string;
  concurrency?: number;
  /**
   * Poll only workflow tasks or only activity tasks. A CPU-bound activity holds its process's one
   * thread, so workflow tasks in the same process wait behind it (Temporal's "workflow task
   * duration exceeded"); the embedded `run` therefore keeps workflows in its own process and
   * activities in helper processes.
   */
  only?: 'workflows' | 'activities';
}

/**
 * A sciflow worker: on the `cpu` queue it runs workflows and every activity (unless `only` says
 * otherwise); on other queues (e.g. `gpu`) activities only, so training can be routed to machines
 * with accelerators.
 */
export async function createWorker(target: TemporalTarget, options: WorkerOptions = {}): Promise<Worker> {
  installRuntime();
  const queue = options.queue ?? 'cpu';
  const connection = await connectWorker(target);
  const worker = await Worker.create({
    connection,
    namespace: target.namespace,
    taskQueue: taskQueueName(queue),
    ...(options.only !== 'workflows' && { activities }),
    ...(queue === 'cpu' && options.only !== 'activities' && { workflowBundle: await workflowBundle() }),
    maxConcurrentActivityTaskExecutions: options.concurrency ?? 2,
    shutdownGraceTime: '5s',
  });
  // The native runtime lives while a connection is open, and with its logs forwarded to this
  // process it keeps the process alive: close the worker's connection once the worker has stopped.
  const run = worker.run.bind(worker);
  worker.run = () => run().finally(() => connection.close());
  return worker;
}
