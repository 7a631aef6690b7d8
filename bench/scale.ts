/**
 * Scale-out bench (issue: fan-outs of 10⁴–10⁵ branches, a real cluster, many workers). One run, two
 * parts, every figure measured in this run:
 *
 * 1. The embedded dev server with one worker process (64 activities at once): per N, a bare
 *    Temporal fan-out of no-op activities with the same shape (bench/workflows/bare-fan-out.ts)
 *    and sciflow's fan-out of a trivial simulator (test/support/fan-out-probe.ts: one seeded draw,
 *    one Parquet artifact per branch), back to back. Branches per second, and the history of the
 *    run and of every child workflow: bytes per branch, most events in one workflow, largest event.
 * 2. The multi-service cluster of scripts/cluster.sh (four Temporal services on PostgreSQL) with
 *    1, 2 and 4 worker processes: the trivial fan-out per N, and a CPU-bound one (`spinMs` of CPU
 *    per branch) whose wall time gives the speed-up of 4 workers over 1. Then, with 2 workers, a
 *    fan-out interrupted by `kill -9` of the history service and one by a PostgreSQL restart,
 *    each compared branch by branch with an uninterrupted run.
 *
 *   node --import tsx bench/scale.ts [--dev 1000,10000,100000] [--cluster 1000,10000] [--cluster-max N]
 *        [--workers 1,2,4] [--cpu-branches 200] [--cpu-ms 100] [--no-cluster]
 *
 * Writes bench/results/scale.json and .md.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { allBranchOutputs } from '../lib/engine/branch-index.ts';
import type { RunManifest } from '../lib/engine/types.ts';
import { RunStore } from '../lib/store/run-store.ts';
import { connectClient, connectWorker, resolveTarget } from '../temporal/connection.ts';
import { ensureDevServer, stopDevServer } from '../temporal/dev-server.ts';
import { observeRun, submitRun, waitForRun } from '../temporal/runs.ts';
import { writeRunReport } from '../lib/report/from-manifest.ts';
import { createWorker, installRuntime } from '../temporal/worker.ts';
import '../test/support/fan-out-probe.ts';
import { runHistories, type WorkflowHistorySize } from '../test/support/history.ts';
import { until } from '../test/support/until.ts';

const ROOT = new URL('../', import.meta.url).pathname;
const CONCURRENCY = 64;
const BARE_QUEUE = 'bench-bare-fan-out';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : fallback;
};
const list = (name: string, fallback: string) => flag(name, fallback).split(',').filter(Boolean).map(Number);
const devSizes = list('dev', '1000,10000,100000');
const clusterSizes = list('cluster', '1000,10000');
const workerCounts = list('workers', '1,2,4');
const cpuBranches = Number(flag('cpu-branches', '200'));
const cpuMs = Number(flag('cpu-ms', '100'));
const withCluster = !args.includes('--no-cluster');
/** A larger trivial fan-out on the cluster, with the most workers only (it takes a quarter of an hour). */
const clusterMax = Number(flag('cluster-max', '0'));

const dir = mkdtempSync(join(os.tmpdir(), 'sciflow-scale-'));
chmodSync(dir, 0o755); // the private PostgreSQL runs as the postgres user when the bench runs as root
const store = new RunStore(join(dir, 'runs'));
const started = Date.now();

interface HistoryStats {
  workflows: number;
  history_bytes: number;
  bytes_per_branch: number;
  max_events_per_workflow: number;
  largest_event_bytes: number;
}

function historyStats(histories: WorkflowHistorySize[], branches: number): HistoryStats {
  const bytes = histories.reduce((n, h) => n + h.bytes, 0);
  return {
    workflows: histories.length,
    history_bytes: bytes,
    bytes_per_branch: bytes / branches,
    max_events_per_workflow: Math.max(...histories.map((h) => h.events)),
    largest_event_bytes: Math.max(...histories.map((h) => h.largestEventBytes)),
  };
}

interface Measured extends HistoryStats {
  branches: number;
  seconds: number;
  branches_per_s: number;
  status: string;
}

async function timed(client: Client, workflowId: string, branches: number, run: () => Promise<string>): Promise<Measured> {
  const t0 = performance.now();
  const status = await run();
  const seconds = (performance.now() - t0) / 1000;
  return { branches, seconds, branches_per_s: branches / seconds, status, ...historyStats(await runHistories(client, workflowId), branches) };
}

interface SciflowMeasured extends Measured {
  /** What `sciflow status` costs while the fan-out runs (observeRun: manifest read + describe), slowest of the polls. */
  status_ms_max: number;
  /** Rendering the finished run's report.html. */
  report_ms: number;
}

async function sciflowFanOut(client: Client, runId: string, config: Record<string, number>): Promise<SciflowMeasured> {
  const statusMs: number[] = [];
  let done = false;
  let polling: Promise<void> = Promise.resolve();
  const measured = await timed(client, runId, config.branches!, async () => {
    await submitRun(client, { pipeline: 'fan-out-probe', config: { concurrency: CONCURRENCY, ...config }, storeRoot: store.root, runId, options: { noCache: true } });
    polling = (async () => {
      while (!done) {
        const t0 = performance.now();
        await observeRun(client, store, runId).catch(() => undefined);
        statusMs.push(performance.now() - t0);
        await new Promise((r) => setTimeout(r, 5000));
      }
    })();
    const status = (await waitForRun(client, store, runId, undefined, 1000)).status;
    done = true;
    return status;
  });
  await polling;
  const t0 = performance.now();
  await writeRunReport(store, (await store.readManifest(runId))!);
  return { ...measured, status_ms_max: Math.max(...statusMs), report_ms: performance.now() - t0 };
}

function bareFanOut(client: Client, workflowId: string, n: number): Promise<Measured> {
  return timed(client, workflowId, n, async () => {
    await client.workflow.execute('bareFanOut', { taskQueue: BARE_QUEUE, workflowId, args: [n, CONCURRENCY] });
    return 'completed';
  });
}

const log = (line: string) => process.stderr.write(`scale: ${line}\n`);
const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

// ---------------------------------------------------------------------------------------------
// 1. The embedded dev server.
interface DevRow {
  branches: number;
  bare: Measured;
  sciflow: SciflowMeasured;
  overhead_ratio: number;
}
const dev: DevRow[] = [];
{
  process.env.SCIFLOW_HOME = join(dir, 'state');
  delete process.env.TEMPORAL_ADDRESS;
  await ensureDevServer();
  const target = await resolveTarget();
  const client = await connectClient(target);
  installRuntime();
  const sciflowWorker = await createWorker(target, { concurrency: CONCURRENCY });
  const bareConnection = await connectWorker(target);
  const bareWorker = await Worker.create({
    connection: bareConnection,
    namespace: target.namespace,
    taskQueue: BARE_QUEUE,
    workflowsPath: new URL('./workflows/bare-fan-out.ts', import.meta.url).pathname,
    activities: { noop: async () => undefined },
    maxConcurrentActivityTaskExecutions: CONCURRENCY,
  });
  const running = [sciflowWorker.run(), bareWorker.run()];
  try {
    for (const n of devSizes) {
      const bare = await bareFanOut(client, `bare-${n}`, n);
      log(`dev bare ${n}: ${bare.seconds.toFixed(1)} s, ${bare.bytes_per_branch.toFixed(0)} B/branch`);
      const sciflow = await sciflowFanOut(client, `dev-${n}`, { branches: n });
      log(`dev sciflow ${n}: ${sciflow.status} ${sciflow.seconds.toFixed(1)} s, ${sciflow.bytes_per_branch.toFixed(0)} B/branch, ${sciflow.max_events_per_workflow} events max`);
      dev.push({ branches: n, bare, sciflow, overhead_ratio: sciflow.seconds / bare.seconds });
    }
  } finally {
    sciflowWorker.shutdown();
    bareWorker.shutdown();
    await Promise.all(running);
    await bareConnection.close();
    await client.connection.close();
    await stopDevServer();
  }
}

// ---------------------------------------------------------------------------------------------
// 2. The multi-service cluster.
interface ClusterRow {
  workers: number;
  trivial: SciflowMeasured[];
  cpu: SciflowMeasured;
  /** Branches each worker process ran in the CPU-bound fan-out. */
  cpu_branches_per_worker: number[];
}
const cluster: ClusterRow[] = [];
const interruptions: Record<string, { ok: boolean; completed: boolean; identical: boolean; seconds: number }> = {};
if (withCluster) {
  const clusterEnv = { ...process.env, SCIFLOW_CLUSTER_DIR: join(dir, 'cluster'), SCIFLOW_CLUSTER_PORT: '57633', SCIFLOW_CLUSTER_MEMBERSHIP_PORT: '26633', SCIFLOW_CLUSTER_PG_PORT: '55832' };
  const clusterSh = (...a: string[]) => promisify(execFile)('bash', [join(ROOT, 'scripts/cluster.sh'), ...a], { env: clusterEnv, maxBuffer: 1 << 24 });
  const address = '127.0.0.1:57633';
  const workerEnv = { ...process.env, TEMPORAL_ADDRESS: address, SCIFLOW_HOME: join(dir, 'cluster-state') };
  await clusterSh('up');
  const client = await connectClient({ address, namespace: 'default', embedded: false });
  let workers: ChildProcess[] = [];
  const startWorkers = async (count: number, concurrency = CONCURRENCY) => {
    workers = Array.from({ length: count }, () =>
      spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/support/probe-worker.ts'), String(concurrency)], { env: workerEnv, stdio: ['ignore', 'pipe', 'inherit'], detached: true }),
    );
    await Promise.all(workers.map((w) => new Promise((resolve) => w.stdout!.once('data', resolve))));
  };
  const stopWorkers = () => {
    for (const w of workers) {
      try {
        process.kill(-w.pid!, 'SIGKILL');
      } catch {
        // gone already
      }
    }
  };
  try {
    for (const count of workerCounts) {
      await startWorkers(count);
      const trivial: SciflowMeasured[] = [];
      const sizes = count === Math.max(...workerCounts) && clusterMax ? [...clusterSizes, clusterMax] : clusterSizes;
      for (const n of sizes) {
        trivial.push(await sciflowFanOut(client, `cluster-${count}w-${n}`, { branches: n }));
        log(`cluster ${count} worker(s), ${n} branches: ${trivial.at(-1)!.seconds.toFixed(1)} s`);
      }
      stopWorkers();
      // CPU-bound branches block a worker's event loop: two at a time per process, as `sciflow
      // worker --concurrency` would be set for one core, so no process hoards tasks it cannot run.
      await startWorkers(count, 2);
      const cpuRun = `cluster-${count}w-cpu`;
      const cpu = await sciflowFanOut(client, cpuRun, { branches: cpuBranches, spinMs: cpuMs, seed: 100 + count });
      log(`cluster ${count} worker(s), CPU-bound: ${cpu.seconds.toFixed(1)} s`);
      cluster.push({ workers: count, trivial, cpu, cpu_branches_per_worker: await branchesPerWorker(client, cpuRun) });
      stopWorkers();
    }

    // Interruptions, with 2 workers: each run against an uninterrupted reference, branch by branch.
    await startWorkers(2);
    const N = 4000;
    const reference = await sciflowFanOut(client, 'cluster-reference', { branches: N, spinMs: 2 });
    const referenceHashes = await drawHashes('cluster-reference');
    const interrupted = async (name: string, interrupt: () => Promise<void>) => {
      const t0 = performance.now();
      await submitRun(client, { pipeline: 'fan-out-probe', config: { branches: N, spinMs: 2, concurrency: CONCURRENCY }, storeRoot: store.root, runId: name, options: { noCache: true } });
      await until(async () => ((await store.readManifest(name))?.stages[0]?.completedBranches ?? 0) >= 1000, 600_000, `${name}: the first batch`);
      await interrupt();
      const view = await waitForRun(client, store, name, undefined, 1000);
      const identical = view.status === 'completed' && JSON.stringify(await drawHashes(name)) === JSON.stringify(referenceHashes);
      interruptions[name] = { ok: view.status === 'completed' && identical, completed: view.status === 'completed', identical, seconds: (performance.now() - t0) / 1000 };
      log(`${name}: ${JSON.stringify(interruptions[name])}`);
    };
    await interrupted('kill-history', async () => {
      await clusterSh('kill', 'history');
      await new Promise((r) => setTimeout(r, 3000));
      await clusterSh('start', 'history');
    });
    await interrupted('restart-postgres', async () => {
      await clusterSh('restart-postgres');
    });
    log(`reference ${reference.seconds.toFixed(1)} s`);
  } finally {
    stopWorkers();
    await client.connection.close();
    await clusterSh('down').catch(() => undefined);
  }
}

async function drawHashes(runId: string): Promise<string[]> {
  const manifest = (await store.readManifest(runId)) as RunManifest;
  return (await allBranchOutputs(store, manifest.stages[0]!.outputs!)).map((o) => o.observations!.sha256);
}

/** How many of a run's `simulate` activities each worker identity ran (ActivityTaskStarted events of the run and its children). */
async function branchesPerWorker(client: Client, runId: string): Promise<number[]> {
  const counts = new Map<string, number>();
  for (const { workflowId } of await runHistories(client, runId)) {
    const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
    const simulate = new Set(events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'simulate').map((e) => Number(e.eventId)));
    for (const e of events) {
      const started = e.activityTaskStartedEventAttributes;
      if (started && simulate.has(Number(started.scheduledEventId))) counts.set(started.identity!, (counts.get(started.identity!) ?? 0) + 1);
    }
  }
  return [...counts.values()].sort((a, b) => b - a);
}

rmSync(dir, { recursive: true, force: true });

// ---------------------------------------------------------------------------------------------
// Results.
const at = (n: number) => dev.find((r) => r.branches === n);
const largest = dev.filter((r) => r.sciflow.status === 'completed').at(-1);
const cpuSeconds = (w: number) => cluster.find((c) => c.workers === w)?.cpu.seconds;
const speedup = cpuSeconds(1) && cpuSeconds(4) ? cpuSeconds(1)! / cpuSeconds(4)! : null;
const perBranch = (n: number) => at(n)?.sciflow.bytes_per_branch ?? null;
const results = {
  generated: new Date().toISOString(),
  command: `node --import tsx bench/scale.ts ${args.join(' ')}`.trim(),
  machine: `${os.cpus().length}× ${os.cpus()[0]?.model}, Node ${process.version}`,
  wall_s: round((Date.now() - started) / 1000, 0),
  concurrency: CONCURRENCY,
  max_branches_completed: largest?.branches ?? 0,
  history_bytes_per_branch: Object.fromEntries(dev.map((r) => [r.branches, round(r.sciflow.bytes_per_branch, 0)])),
  history_bytes_per_branch_ratio: perBranch(1000) && perBranch(100000) ? round(Math.max(perBranch(1000)!, perBranch(100000)!) / Math.min(perBranch(1000)!, perBranch(100000)!), 3) : null,
  overhead_ratio_vs_bare_temporal: largest ? round(largest.overhead_ratio, 3) : null,
  cluster_kill_history_ok: interruptions['kill-history']?.ok ?? null,
  cluster_restart_postgres_ok: interruptions['restart-postgres']?.ok ?? null,
  workers_speedup_4_vs_1: speedup ? round(speedup, 3) : null,
  dev,
  cluster,
  interruptions,
};
mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
writeFileSync(join(ROOT, 'bench/results/scale.json'), JSON.stringify(results, null, 2) + '\n');
writeFileSync(join(ROOT, 'bench/results/scale.md'), markdown());
console.log(JSON.stringify({ ...results, dev: undefined, cluster: undefined }, null, 2));
// The SDK's native runtime can hold the process open after its last connection closed.
process.exit(0);

function markdown(): string {
  const kb = (b: number) => (b / 1024).toFixed(1);
  const lines = [
    '# Scale: fan-outs of 10³–10⁵ branches, the dev server and a multi-service cluster',
    '',
    `Generated by \`bench/scale.ts\` on ${results.generated}: \`${results.command}\` on ${results.machine}. Wall time ${results.wall_s} s.`,
    '',
    `Each branch of sciflow's fan-out runs the \`fan-out-probe\` pipeline's trivial simulator (one seeded draw written as a one-row Parquet artifact, its result recorded for the branch index); the bare baseline is a Temporal workflow of the same shape (child workflows of 1000 branches, the same concurrency split) whose activity does nothing. ${CONCURRENCY} activities at once, \`--no-cache\`.`,
    '',
    '## Targets',
    '',
    '| key | result | target |',
    '| --- | --- | --- |',
    `| \`max_branches_completed\` | ${results.max_branches_completed} | ≥ 100 000 |`,
    `| \`history_bytes_per_branch\` | ${Object.entries(results.history_bytes_per_branch).map(([n, b]) => `${n}: ${b} B`).join(', ')} | ≤ 2 KB at 1 000 and 100 000 |`,
    `| \`history_bytes_per_branch_ratio\` (1 000 vs 100 000) | ${results.history_bytes_per_branch_ratio ?? 'n/a'} | ≤ 1.5 |`,
    `| \`overhead_ratio_vs_bare_temporal\` (wall time, at ${largest?.branches ?? '?'} branches) | ${results.overhead_ratio_vs_bare_temporal ?? 'n/a'} | ≤ 1.5 |`,
    `| \`cluster_kill_history_ok\` | ${results.cluster_kill_history_ok ?? 'not run'} | true |`,
    `| \`cluster_restart_postgres_ok\` | ${results.cluster_restart_postgres_ok ?? 'not run'} | true |`,
    `| \`workers_speedup_4_vs_1\` (CPU-bound, cluster) | ${results.workers_speedup_4_vs_1 ?? 'not run'} | reported; ≥ 1.7 on 2 cores |`,
    '',
    '## Dev server, one worker process',
    '',
    '| branches | bare: s | bare: branches/s | bare: B/branch | sciflow: s | sciflow: branches/s | sciflow: B/branch | workflows | most events in one | largest event | overhead (wall) | status (slowest poll) | report |',
    '| --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: |',
    ...dev.map((r) => `| ${r.branches} | ${r.bare.seconds.toFixed(1)} | ${r.bare.branches_per_s.toFixed(0)} | ${r.bare.bytes_per_branch.toFixed(0)} | ${r.sciflow.seconds.toFixed(1)} | ${r.sciflow.branches_per_s.toFixed(0)} | ${r.sciflow.bytes_per_branch.toFixed(0)} | ${r.sciflow.workflows} | ${r.sciflow.max_events_per_workflow} | ${kb(r.sciflow.largest_event_bytes)} KB | ${r.overhead_ratio.toFixed(2)} | ${r.sciflow.status_ms_max.toFixed(0)} ms | ${r.sciflow.report_ms.toFixed(0)} ms |`),
    '',
  ];
  if (cluster.length) {
    lines.push(
      '## Cluster (scripts/cluster.sh: frontend, history, matching, worker on PostgreSQL), worker processes',
      '',
      '| workers | branches | s | branches/s | B/branch | most events in one |',
      '| --: | --: | --: | --: | --: | --: |',
      ...cluster.flatMap((c) => c.trivial.map((t) => `| ${c.workers} | ${t.branches} | ${t.seconds.toFixed(1)} | ${t.branches_per_s.toFixed(0)} | ${t.bytes_per_branch.toFixed(0)} | ${t.max_events_per_workflow} |`)),
      '',
      `CPU-bound: ${cpuBranches} branches of ${cpuMs} ms of CPU time each (measured with process.cpuUsage, so processes sharing a core still do the full work), workers at \`--concurrency 2\`.`,
      '',
      '| workers | s | speed-up over 1 | branches per worker process |',
      '| --: | --: | --: | --- |',
      ...cluster.map((c) => `| ${c.workers} | ${c.cpu.seconds.toFixed(1)} | ${(cpuSeconds(1)! / c.cpu.seconds).toFixed(2)} | ${c.cpu_branches_per_worker.join(', ')} |`),
      '',
      '## Interruptions on the cluster (2 workers, 4000 branches, compared branch by branch with an uninterrupted run)',
      '',
      '| interruption | completed | identical | s |',
      '| --- | --- | --- | --: |',
      ...Object.entries(interruptions).map(([k, v]) => `| ${k} | ${v.completed} | ${v.identical} | ${v.seconds.toFixed(1)} |`),
      '',
    );
  }
  return lines.join('\n');
}
