/**
 * The baseline of bench/scale.ts: a bare Temporal fan-out with the same shape as sciflow's
 * (child workflows of BATCH_BRANCHES branches, the same concurrency split) whose activity does
 * nothing — what Temporal alone costs per branch.
 */
import { executeChild, proxyActivities, workflowInfo } from '@temporalio/workflow';
import { BATCH_BRANCHES, batchConcurrency, batches } from '../../lib/engine/fan-out.ts';

const { noop } = proxyActivities<{ noop(branch: number): Promise<void> }>({ startToCloseTimeout: '1 minute' });

async function lanes<T>(items: T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

export async function bareBatch(from: number, to: number, concurrency: number): Promise<void> {
  await lanes(Array.from({ length: to - from }, (_, i) => from + i), concurrency, noop);
}

export async function bareFanOut(n: number, concurrency: number): Promise<void> {
  const plan = batches(n, BATCH_BRANCHES);
  const share = batchConcurrency(concurrency, plan.length);
  const id = workflowInfo().workflowId;
  await lanes(plan, share.batches, ({ from, to }) => executeChild(bareBatch, { workflowId: `${id}/${from}`, args: [from, to, share.branches] }));
}
