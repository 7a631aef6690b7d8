/**
 * The baseline of bench/scale.ts: a bare Temporal fan-out with the same shape as sciflow's
 * (child workflows of BATCH_BRANCHES branches, the same concurrency split) whose activity does
 * nothing — what Temporal alone costs per branch.
 */
import { executeChild, proxyActivities, workflowInfo } from '@temporalio/workflow';
import { BATCH_BRANCHES, batchConcurrency, batches } from '../../lib/engine/fan-out.ts';
import { mapWithConcurrency } from '../../workflows/branches.ts';

const { noop } = proxyActivities<{ noop(branch: number): Promise<void> }>({ startToCloseTimeout: '1 minute' });

export async function bareBatch(from: number, to: number, concurrency: number): Promise<void> {
  await mapWithConcurrency(Array.from({ length: to - from }, (_, i) => from + i), concurrency, (b) => noop(b));
}

export async function bareFanOut(n: number, concurrency: number): Promise<void> {
  const plan = batches(n, BATCH_BRANCHES);
  const share = batchConcurrency(concurrency, plan.length);
  const id = workflowInfo().workflowId;
  await mapWithConcurrency(plan, share.batches, ({ from, to }) => executeChild(bareBatch, { workflowId: `${id}/${from}`, args: [from, to, share.branches] }));
}
