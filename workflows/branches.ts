/**
 * Branches of a stage as activities, and `runBranches`: the child workflow that runs one batch of
 * a large fan-out (lib/engine/fan-out.ts), so the history of every workflow stays bounded
 * whatever the branch count. Deterministic and thin, like run-pipeline.ts.
 */
import { proxyActivities, type ActivityInterfaceFor } from '@temporalio/workflow';
import { isLargeFanOut } from '../lib/engine/fan-out.ts';
import type { BranchReceipt, StageInvocation, StageOutputs, StagePlan, StageResult } from '../lib/engine/types.ts';

type StageFn = (invocation: StageInvocation) => Promise<StageResult | BranchReceipt>;

/** What every branch of a stage shares. */
export interface BranchContext {
  runId: string;
  storeRoot: string;
  pipeline: string;
  seed: number;
  useCache: boolean;
  /** The dependencies' outputs: inline references, or a large fan-out's branch index. */
  inputs: Record<string, StageOutputs>;
}

/** A function that runs one branch of `stage` as its activity, with the stage's timeouts and retries. */
export function branchRunner(stage: StagePlan, context: BranchContext): (branch: number) => Promise<StageResult | BranchReceipt> {
  const activity = proxyActivities<Record<string, StageFn>>({
    taskQueue: stage.taskQueue,
    startToCloseTimeout: stage.startToCloseTimeoutMs,
    heartbeatTimeout: stage.heartbeatTimeoutMs,
    retry: {
      initialInterval: stage.retry.initialIntervalMs,
      backoffCoefficient: stage.retry.backoffCoefficient,
      maximumInterval: stage.retry.maximumIntervalMs,
      nonRetryableErrorTypes: ['UserError'],
    },
  } as Parameters<typeof proxyActivities>[0]) as ActivityInterfaceFor<Record<string, StageFn>>;
  const fanOut = stage.fanOut;
  const large = isLargeFanOut(stage);
  return (branch) =>
    activity[stage.activity]!({
      runId: context.runId,
      storeRoot: context.storeRoot,
      pipeline: context.pipeline,
      stage: stage.name,
      activity: stage.activity,
      // A large fan-out's branch reads its own value from the store (fanOutValues).
      params: fanOut && !large ? { ...stage.params, [fanOut.param]: fanOut.values![branch] ?? null } : stage.params,
      seed: context.seed,
      branch,
      branches: fanOut?.count ?? 1,
      codeVersion: stage.codeVersion,
      useCache: context.useCache,
      checkpointMs: stage.checkpointMs,
      maxAttempts: stage.retry.maximumAttempts,
      inputs: context.inputs,
      ...(fanOut?.alignedWith && { alignedWith: fanOut.alignedWith }),
      ...(large && { fanOutValues: { param: fanOut!.param, ref: fanOut!.valuesRef! }, recordBranch: true }),
    });
}

export interface BatchRequest {
  stage: StagePlan;
  context: BranchContext;
  from: number;
  to: number;
  concurrency: number;
}

/** One batch of a large fan-out: branches [from, to), at most `concurrency` at a time. */
export async function runBranches(request: BatchRequest): Promise<{ cached: number }> {
  const run = branchRunner(request.stage, request.context);
  const branches = Array.from({ length: request.to - request.from }, (_, i) => request.from + i);
  const receipts = (await mapWithConcurrency(branches, request.concurrency, run)) as BranchReceipt[];
  return { cached: receipts.filter((r) => r.cached).length };
}

export async function mapWithConcurrency<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, lane));
  return results;
}
