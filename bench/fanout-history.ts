/**
 * How a fan-out's Temporal history grows with its branch count (issue: fan-outs of 10⁴–10⁵ branches):
 * one stage, a trivial simulator (a one-row table per branch) fanned out over N branches, through
 * the library API on the embedded dev server with one in-process worker. Per N: events, history
 * bytes and the largest event (Temporal's limits: 51 200 events, 50 MB, 2 MB per payload; the SDK
 * warns above 512 KB), and branches per second.
 *
 *   node --import tsx bench/fanout-history.ts [N …]        (default 300 1000)
 *
 * Prints one JSON line per N; a measurement to compare engine versions, not yet the scale bench.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import proto from '@temporalio/proto';
import { tableFromArrays } from 'apache-arrow';
import { z } from 'zod';
import type { PipelineDefinition } from '../lib/engine/pipeline.ts';
import { RunStore } from '../lib/store/run-store.ts';
import { registerPipeline } from '../pipelines/index.ts';
import { connectClient, resolveTarget } from '../temporal/connection.ts';
import { ensureDevServer, stopDevServer } from '../temporal/dev-server.ts';
import { submitRun, waitForRun } from '../temporal/runs.ts';
import { createWorker } from '../temporal/worker.ts';

const probe: PipelineDefinition = {
  name: 'fanout-probe',
  description: 'one trivial stage fanned out over `branches` branches',
  version: '1',
  schema: z.object({ seed: z.number().int().default(1), branches: z.number().int().min(1), concurrency: z.number().int().min(1).default(64) }).strict(),
  stages: (c: { branches: number; concurrency: number }) => [
    { name: 'draws', activity: 'simulate', params: { simulator: 'draw' }, fanOut: { param: 'index', values: Array.from({ length: c.branches }, (_, i) => i), concurrency: c.concurrency } },
  ],
  simulators: { draw: (p, rng) => tableFromArrays({ index: Float64Array.of(Number(p.index)), x: Float64Array.of(rng.uniform()) }) },
};
registerPipeline(probe);

const sizes = process.argv.slice(2).map(Number);
const dir = mkdtempSync(join(tmpdir(), 'sciflow-fanout-'));
process.env.SCIFLOW_HOME = join(dir, 'state');
delete process.env.TEMPORAL_ADDRESS;
await ensureDevServer();
const target = await resolveTarget();
const client = await connectClient(target);
const worker = await createWorker(target, { concurrency: 64 });
const running = worker.run();
const store = new RunStore(join(dir, 'runs'));
try {
  for (const n of sizes.length ? sizes : [300, 1000]) {
    const runId = `fanout-${n}`;
    const start = performance.now();
    await submitRun(client, { pipeline: probe.name, config: { branches: n }, storeRoot: store.root, runId });
    const view = await waitForRun(client, store, runId);
    const seconds = (performance.now() - start) / 1000;
    const history = await client.workflow.getHandle(runId).fetchHistory();
    const events = history.events ?? [];
    const bytes = proto.temporal.api.history.v1.History.encode(history).finish().length;
    const largest = Math.max(...events.map((e) => proto.temporal.api.history.v1.HistoryEvent.encode(e).finish().length));
    console.log(JSON.stringify({ branches: n, status: view.status, events, history_bytes: bytes, bytes_per_branch: bytes / n, events_per_branch: events.length / n, largest_event_bytes: largest, branches_per_s: n / seconds, seconds }, (k, v) => (k === 'events' ? (v as unknown[]).length : v)));
  }
} finally {
  worker.shutdown();
  await running;
  await client.connection.close();
  await stopDevServer();
  rmSync(dir, { recursive: true, force: true });
}
