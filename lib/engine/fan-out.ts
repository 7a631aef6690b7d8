/**
 * How a fan-out is split so that nothing grows with its branch count. Pure and free of Node
 * built-ins: the workflow bundle imports it.
 *
 * Up to INLINE_BRANCHES branches run as activities of the run's own workflow, with their results
 * in the manifest. A larger fan-out runs in child workflows of at most BATCH_BRANCHES branches
 * each (≈ 4–6 history events per branch, so every child stays far below Temporal's 51 200 events
 * and the parent holds a few events per batch); its values wait in the store, its branches record
 * their results there, and one Parquet table indexes them.
 */
import type { StagePlan } from './types.ts';

export const INLINE_BRANCHES = 64;
export const BATCH_BRANCHES = 1000;
/** Batches running at once, so a batch's slowest branches do not idle the rest of the pool. */
const PARALLEL_BATCHES = 2;

export const isLargeFanOut = (stage: Pick<StagePlan, 'fanOut'>): boolean => (stage.fanOut?.count ?? 1) > INLINE_BRANCHES;

export interface Batch {
  from: number;
  to: number;
}

export function batches(count: number, size = BATCH_BRANCHES): Batch[] {
  return Array.from({ length: Math.ceil(count / size) }, (_, i) => ({ from: i * size, to: Math.min(count, (i + 1) * size) }));
}

/** Batches at once and branches at once within each, sharing the stage's concurrency bound. */
export function batchConcurrency(concurrency: number, batchCount: number): { batches: number; branches: number } {
  const parallel = Math.max(1, Math.min(PARALLEL_BATCHES, batchCount, concurrency));
  return { batches: parallel, branches: Math.ceil(concurrency / parallel) };
}
