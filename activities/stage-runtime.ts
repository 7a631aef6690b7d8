import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Table } from 'apache-arrow';
import type { PipelineDefinition } from '../lib/engine/pipeline.ts';
import { fanOutValue, resolveBranchInputs } from '../lib/engine/branch-index.ts';
import type { ArtifactRef, BranchReceipt, Json, StageInvocation, StageResult } from '../lib/engine/types.ts';
import { Rng } from '../lib/random.ts';
import { hashJson } from '../lib/store/hash.ts';
import { RunStore } from '../lib/store/run-store.ts';
import { getPipeline } from '../pipelines/index.ts';
import { equalWeightTable } from './equal-weight.ts';
import { Checkpointer, type HeartbeatDetails, type Progress } from './checkpoint.ts';
import { cachedStageResult, stageCacheKey } from './stage-cache.ts';
import { supervised, type Heartbeat } from './supervised.ts';

/** What a stage implementation sees: its params, its inputs as tables, and where to write. */
export interface StageContext<Params = { [key: string]: Json }> {
  invocation: StageInvocation;
  params: Params;
  pipeline: PipelineDefinition;
  store: RunStore;
  /** Seeded from (run seed, stage, branch): same config + seed ⇒ same numbers. */
  rng: Rng;
  input(stage: string, name: string, branch?: number): Promise<Table>;
  inputBranches(stage: string, name: string): Promise<Table[]>;
  write(name: string, table: Table): Promise<ArtifactRef>;
  checkpointer<State>(everyMs?: number): Checkpointer<State>;
  progress(progress: Progress): void;
  /** Aborted when the run is cancelled (delivered with a heartbeat): long loops may stop mid-step. */
  signal?: AbortSignal;
}

export type StageImplementation<Params> = (ctx: StageContext<Params>) => Promise<{ [key: string]: Json } | void>;

export const DEFAULT_CHECKPOINT_MS = 30_000;

/**
 * Wrap a stage implementation as a Temporal activity: answer from the cache when it can (the lookup
 * is part of the activity, so a branch costs one activity), else build its context, record the
 * artifacts it writes, store the cache entry on success; heartbeats and failure handling come from
 * `supervised` (user errors never retry, code errors `maxAttempts` times, lost workers without limit).
 */
export function stageActivity<Params = { [key: string]: Json }>(impl: StageImplementation<Params>) {
  return (submitted: StageInvocation): Promise<StageResult | BranchReceipt> => supervised(submitted.maxAttempts ?? 5, async (heartbeat) => {
    const store = RunStore.forWorker(submitted.storeRoot);
    const invocation = await resolveInvocation(store, submitted);
    const result = await runStage(impl, store, invocation, heartbeat);
    if (!submitted.recordBranch) return result;
    // A branch of a large fan-out: its result waits in the store for the branch index, and the
    // history keeps only this receipt.
    await store.writeBranchResult(invocation.runId, invocation.stage, invocation.branch, result);
    return { branch: invocation.branch, cached: result.cached === true };
  });
}

/** The invocation with its fan-out value filled in and every input reference inline (branch-index.ts). */
async function resolveInvocation(store: RunStore, submitted: StageInvocation): Promise<StageInvocation> {
  const { fanOutValues, alignedWith, recordBranch: _, ...invocation } = submitted;
  if (fanOutValues) invocation.params = { ...invocation.params, [fanOutValues.param]: await fanOutValue(store, fanOutValues.ref, invocation.branch) };
  invocation.inputs = await resolveBranchInputs(store, invocation.inputs, invocation.branch, alignedWith);
  return invocation;
}

async function runStage<Params>(impl: StageImplementation<Params>, store: RunStore, invocation: StageInvocation, heartbeat: Heartbeat): Promise<StageResult> {
  const cacheKey = stageCacheKey(invocation);
  const hit = invocation.useCache ? await cachedStageResult(store, cacheKey) : undefined;
  if (hit) return { ...hit, cacheKey, cached: true };
  const outputs: Record<string, ArtifactRef> = {};
  const artifactPath = invocation.branches > 1 ? [invocation.stage, `b${invocation.branch}`] : [invocation.stage];
  let checkpointer: Checkpointer<unknown> | undefined;
  // The stage's seeded random streams: the main one, and labelled ones that leave it untouched.
  const stream = (...labels: string[]) => Rng.fromSeed(parseInt(hashJson([invocation.seed, invocation.stage, invocation.branch, ...labels]).slice(0, 12), 16));
  const ctx: StageContext<Params> = {
    invocation,
    params: invocation.params as Params,
    pipeline: getPipeline(invocation.pipeline),
    store,
    rng: stream(),
    input: (stage, name, branch = 0) => store.get(findInput(invocation, stage, name, branch)),
    inputBranches: (stage, name) =>
      Promise.all((invocation.inputs[stage]?.branches ?? []).map((_, i) => store.get(findInput(invocation, stage, name, i)))),
    write: async (name, table) => {
      outputs[name] = await store.put(invocation.runId, [...artifactPath, name], table);
      // Every weighted posterior gets its equal-weight draws beside it (own stream: no other number moves).
      const equal = name === 'posterior_samples' ? equalWeightTable(table, stream('posterior_equal')) : undefined;
      if (equal) outputs.posterior_equal = await store.put(invocation.runId, [...artifactPath, 'posterior_equal'], equal);
      return outputs[name];
    },
    checkpointer: <State>(everyMs = checkpointInterval(invocation)) =>
      (checkpointer = new Checkpointer<State>({ stage: invocation.stage, branch: invocation.branch, store, runId: invocation.runId, artifactPath, cacheKey, heartbeat }, everyMs) as Checkpointer<unknown>) as Checkpointer<State>,
    progress: (progress) => heartbeat.beat({ stage: invocation.stage, branch: invocation.branch, progress } satisfies HeartbeatDetails),
    signal: Context.current().cancellationSignal,
  };
  const summary = (await impl(ctx)) ?? {};
  const result: StageResult = {
    outputs,
    summary,
    resumedFromCheckpoint: checkpointer?.resumed ?? false,
    checkpointsSaved: checkpointer?.saved ?? 0,
    ...(typeof summary.backend === 'string' && { backend: summary.backend }),
    cacheKey,
  };
  await store.writeIndex('cache', cacheKey, { result, runId: invocation.runId, stage: invocation.stage, createdAt: new Date().toISOString() });
  // Checkpoints are for unfinished work: a finished stage's must not shortcut a later `--no-cache` run.
  await store.removeIndex('checkpoints', cacheKey);
  await checkpointer?.discard();
  return result;
}

/** The stage's own interval, overridable for a whole worker by SCIFLOW_CHECKPOINT_MS. */
function checkpointInterval(invocation: StageInvocation): number {
  return Number(process.env.SCIFLOW_CHECKPOINT_MS ?? invocation.checkpointMs ?? DEFAULT_CHECKPOINT_MS);
}

function findInput(invocation: StageInvocation, stage: string, name: string, branch: number): ArtifactRef {
  const ref = invocation.inputs[stage]?.branches[branch]?.[name];
  // A wiring mistake in the pipeline: no retry can fix it.
  if (!ref) throw ApplicationFailure.nonRetryable(`stage ${invocation.stage}: no input ${stage}.${name}[${branch}] (declare ${stage} in dependsOn)`, 'MissingInput');
  return ref;
}
