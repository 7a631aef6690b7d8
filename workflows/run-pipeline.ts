/**
 * `runPipeline`: the one generic workflow. It walks a pipeline's stage graph — independent stages
 * in parallel, fan-out branches under a concurrency bound, one activity per branch (it answers
 * from the cache when it can), large fan-outs in child workflows of bounded size — and records
 * every status change in the run manifest.
 * Deterministic and thin: no numerics and no I/O here; data stays in the run store and only
 * references pass through.
 */
import {
  ApplicationFailure,
  CancellationScope,
  defineQuery,
  executeChild,
  isCancellation,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type * as engineActivities from '../activities/engine.ts';
import type * as reportActivities from '../activities/report.ts';
import { batchConcurrency, batches, isLargeFanOut } from '../lib/engine/fan-out.ts';
import { runIdFromWorkflowId } from '../lib/engine/run-id.ts';
import type {
  RunManifest,
  RunRequest,
  StageOutputs,
  StagePlan,
  StageRecord,
  StageResult,
} from '../lib/engine/types.ts';
import { branchRunner, mapWithConcurrency, runBranches, type BranchContext } from './branches.ts';

export const manifestQuery = defineQuery<RunManifest>('manifest');

// No maximumAttempts anywhere: lost workers and timeouts retry without limit; each activity ends
// its own code errors after a few attempts (activities/supervised.ts). Every activity heartbeats,
// so a dead worker is noticed within its heartbeat timeout.
const INFRASTRUCTURE_RETRY = { maximumInterval: '5 seconds', nonRetryableErrorTypes: ['UserError'] };

const engine = proxyActivities<typeof engineActivities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '10 seconds',
  retry: INFRASTRUCTURE_RETRY,
});

// Reading 10⁵ branch results takes longer than the engine's other steps.
const indexer = proxyActivities<typeof engineActivities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '30 seconds',
  retry: INFRASTRUCTURE_RETRY,
});

const report = proxyActivities<typeof reportActivities>({ startToCloseTimeout: '5 minutes', heartbeatTimeout: '30 seconds', retry: INFRASTRUCTURE_RETRY });

export async function runPipeline(request: RunRequest): Promise<RunManifest> {
  const workflowId = workflowInfo().workflowId;
  const runId = runIdFromWorkflowId(workflowId);
  const { plan, manifest } = await engine.planRun({ ...request, runId, workflowId, executionId: workflowInfo().runId });
  setHandler(manifestQuery, () => manifest);
  const options = request.options ?? {};
  const records = new Map(manifest.stages.map((s) => [s.name, s]));

  // Manifest writes go through one chain so they land in order.
  let writes: Promise<void> = Promise.resolve();
  const commit = (): Promise<void> => {
    manifest.revision += 1;
    manifest.updatedAt = new Date().toISOString();
    const snapshot = JSON.parse(JSON.stringify(manifest)) as RunManifest;
    writes = writes.then(() => engine.writeManifest({ storeRoot: request.storeRoot, manifest: snapshot }));
    return writes;
  };

  const outputs = new Map<string, StageOutputs>();

  const context = (stage: StagePlan): BranchContext => ({
    runId,
    storeRoot: request.storeRoot,
    pipeline: plan.pipeline,
    seed: plan.seed,
    useCache: !options.noCache && !(options.rerun ?? []).includes(stage.name),
    inputs: Object.fromEntries(stage.dependsOn.map((d) => [d, outputs.get(d)!])),
  });

  /** Up to INLINE_BRANCHES branches: activities of this workflow, results in the manifest. */
  async function runInline(stage: StagePlan, record: StageRecord): Promise<void> {
    const run = branchRunner(stage, context(stage));
    const results = (await mapWithConcurrency(Array.from({ length: stage.fanOut?.count ?? 1 }, (_, i) => i), stage.fanOut?.concurrency ?? 1, run)) as StageResult[];
    outputs.set(stage.name, { branches: results.map((r) => r.outputs) });
    const backend = results.find((r) => r.backend)?.backend;
    if (backend) manifest.backend[stage.name] = backend;
    Object.assign(record, {
      status: 'completed',
      cached: results.every((r) => r.cached === true),
      cachedBranches: results.filter((r) => r.cached === true).length,
      cacheKeys: results.map((r) => r.cacheKey),
      outputs: outputs.get(stage.name),
      summary: results.map((r) => r.summary),
      resumedFromCheckpoint: results.some((r) => !r.cached && r.resumedFromCheckpoint),
      checkpointsSaved: results.reduce((n, r) => n + (r.cached ? 0 : r.checkpointsSaved), 0),
    } satisfies Partial<StageRecord>);
  }

  /**
   * A large fan-out: child workflows of BATCH_BRANCHES branches (lib/engine/fan-out.ts), then one
   * Parquet branch index; the manifest keeps its reference and counts, not a row per branch.
   */
  async function runBatched(stage: StagePlan, record: StageRecord): Promise<void> {
    const count = stage.fanOut!.count;
    const plan = batches(count);
    const share = batchConcurrency(stage.fanOut!.concurrency, plan.length);
    const shared = context(stage);
    record.completedBranches = 0;
    await mapWithConcurrency(plan, share.batches, async ({ from, to }) => {
      await executeChild(runBranches, {
        workflowId: `${workflowId}/${stage.name}/${from}`,
        args: [{ stage, context: shared, from, to, concurrency: share.branches }],
      });
      record.completedBranches! += to - from;
      await commit();
    });
    const index = await indexer.indexBranches({ storeRoot: request.storeRoot, runId, stage: stage.name, count });
    outputs.set(stage.name, index.outputs);
    if (index.backend) manifest.backend[stage.name] = index.backend;
    Object.assign(record, {
      status: 'completed',
      cached: index.cachedBranches === count,
      cachedBranches: index.cachedBranches,
      outputs: index.outputs,
      resumedFromCheckpoint: index.resumedFromCheckpoint,
      checkpointsSaved: index.checkpointsSaved,
    } satisfies Partial<StageRecord>);
  }

  async function runStage(stage: StagePlan): Promise<void> {
    const record = records.get(stage.name)!;
    Object.assign(record, { status: 'running', startedAt: new Date().toISOString() } satisfies Partial<StageRecord>);
    await commit();
    try {
      await (isLargeFanOut(stage) ? runBatched : runInline)(stage, record);
    } catch (err) {
      record.status = isCancellation(err) ? 'cancelled' : 'failed';
      record.error = failureMessage(err);
      throw err;
    } finally {
      record.finishedAt = new Date().toISOString();
      record.durationMs = Date.parse(record.finishedAt) - Date.parse(record.startedAt!);
      await CancellationScope.nonCancellable(commit);
    }
  }

  // Walk the graph: start every stage whose dependencies are done; on a failure let the running
  // stages finish (their results are cached for `resume`) and start nothing new.
  const pending = new Set(plan.stages.map((s) => s.name));
  const running = new Map<string, Promise<void>>();
  let failure: { stage: string; error: unknown } | undefined;
  for (;;) {
    if (!failure) {
      for (const stage of plan.stages) {
        if (!pending.has(stage.name) || !stage.dependsOn.every((d) => outputs.has(d))) continue;
        pending.delete(stage.name);
        running.set(
          stage.name,
          runStage(stage)
            .catch((error: unknown) => {
              failure ??= { stage: stage.name, error };
            })
            .finally(() => running.delete(stage.name)),
        );
      }
    }
    if (running.size === 0) break;
    await Promise.race(running.values());
  }

  if (failure) {
    const cancelled = isCancellation(failure.error);
    manifest.status = cancelled ? 'cancelled' : 'failed';
    manifest.error = cancelled ? 'cancelled' : `stage ${failure.stage} failed: ${failureMessage(failure.error)}`;
    manifest.finishedAt = new Date().toISOString();
    await CancellationScope.nonCancellable(async () => {
      await commit();
      await writeReportQuietly();
    });
    if (cancelled) throw failure.error;
    throw ApplicationFailure.nonRetryable(manifest.error, 'StageFailed');
  }
  manifest.status = 'completed';
  manifest.finishedAt = new Date().toISOString();
  await commit();
  await writeReportQuietly();
  return manifest;

  /** A report that cannot be drawn must not fail a run whose results are stored. */
  async function writeReportQuietly(): Promise<void> {
    try {
      await report.writeReport({ storeRoot: request.storeRoot, runId });
    } catch {
      // `sciflow report <runId>` retries it and shows the error.
    }
  }
}

/** The innermost message of an activity failure: what the user needs to read. */
function failureMessage(err: unknown): string {
  let e = err as { message?: string; cause?: unknown } | undefined;
  while (e?.cause) e = e.cause as typeof e;
  return e?.message ?? String(err);
}
