import { randomBytes } from 'node:crypto';
import { WorkflowNotFoundError, type Client, type WorkflowExecutionDescription } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError, defaultPayloadConverter } from '@temporalio/common';
import { UserError } from '../lib/engine/errors.ts';
import { taskQueueName } from '../lib/engine/pipeline.ts';
import type { RunManifest, RunRequest, RunStatus, RunTags, StageRecord } from '../lib/engine/types.ts';
import { RunStore, assertSafeSegment } from '../lib/store/run-store.ts';
import type { HeartbeatDetails } from '../activities/checkpoint.ts';

export const WORKFLOW_TYPE = 'runPipeline';

/** What `status`, `list` and `run --json` print for a run. */
export interface RunView {
  runId: string;
  pipeline?: string;
  status: RunStatus | 'unknown';
  /** Temporal's own view, which wins when a run was terminated or timed out under the manifest. */
  temporalStatus?: string;
  createdAt?: string;
  finishedAt?: string;
  tags?: RunTags;
  note?: string;
  error?: string;
  manifest?: string;
  stages: Pick<StageRecord, 'name' | 'status' | 'cached' | 'branches' | 'cachedBranches' | 'completedBranches' | 'startedAt' | 'finishedAt' | 'durationMs' | 'error'>[];
}

/** A live heartbeat of a running activity: which stage/branch and how far. */
export interface LiveProgress {
  stage?: string;
  branch?: number;
  activity: string;
  attempt: number;
  details?: HeartbeatDetails;
}

export function newRunId(pipeline: string): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${pipeline}-${stamp}-${randomBytes(3).toString('hex')}`;
}

/** A run id as a user gave it: a safe folder name in the run store, or a UserError (bad input). */
export function checkRunId(runId: string): string {
  try {
    assertSafeSegment('run id', runId);
  } catch (err) {
    throw new UserError(`runId: ${(err as Error).message}; a run id cannot point outside the run store`);
  }
  return runId;
}

/**
 * Start a run. A run id names one result for good: a new submission under an id that already has
 * a manifest in the store, or a workflow in Temporal, is refused (UserError) and the existing run is
 * left untouched. Only `resume: true` (`sciflow resume`) executes an existing id again.
 */
export async function submitRun(
  client: Client,
  args: Pick<RunRequest, 'pipeline' | 'config' | 'storeRoot' | 'options' | 'source' | 'resume' | 'tags' | 'note'> & { runId?: string },
): Promise<string> {
  const runId = checkRunId(args.runId ?? newRunId(args.pipeline));
  const store = new RunStore(args.storeRoot);
  if (!args.resume) {
    const existing = await store.readManifest(runId);
    if (existing) throw runIdTaken(runId, `it is a ${existing.status} run in ${store.runDir(runId)}`);
  }
  const request: RunRequest = {
    pipeline: args.pipeline,
    config: args.config,
    storeRoot: args.storeRoot,
    options: args.options ?? {},
    source: args.source,
    ...(args.resume && { resume: true }),
    ...(args.tags && { tags: args.tags }),
    ...(args.note && { note: args.note }),
  };
  try {
    await client.workflow.start(WORKFLOW_TYPE, {
      taskQueue: taskQueueName('cpu'),
      workflowId: runId,
      workflowIdReusePolicy: args.resume ? 'ALLOW_DUPLICATE' : 'REJECT_DUPLICATE',
      args: [request],
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      throw runIdTaken(runId, args.resume ? 'it is still running' : 'Temporal already has a workflow with this id');
    }
    throw err;
  }
  return runId;
}

function runIdTaken(runId: string, why: string): UserError {
  return new UserError(`--run-id ${runId}: this run id is taken (${why}); a run is never overwritten — choose another id, or \`sciflow resume ${runId}\` to re-execute it`);
}

const TEMPORAL_TO_RUN: Record<string, RunStatus> = {
  RUNNING: 'running',
  COMPLETED: 'completed',
  FAILED: 'failed',
  CANCELLED: 'cancelled',
  TERMINATED: 'terminated',
  TIMED_OUT: 'timed_out',
};

async function describeWorkflow(client: Client, workflowId: string): Promise<WorkflowExecutionDescription | undefined> {
  try {
    return await client.workflow.getHandle(workflowId).describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

export async function temporalStatus(client: Client, workflowId: string): Promise<string | undefined> {
  return (await describeWorkflow(client, workflowId))?.status.name;
}

/**
 * The manifest's view of a run, corrected by Temporal's when they disagree, and the decoded
 * heartbeats of its running activities — from one manifest read and one describe call.
 */
export async function observeRun(client: Client | undefined, store: RunStore, runId: string): Promise<{ view: RunView; live: LiveProgress[] }> {
  const manifest = await store.readManifest(runId);
  // Scheduled runs have a workflow id that differs from their run id (see run-id.ts).
  const description = client ? await describeWorkflow(client, manifest?.workflowId ?? runId) : undefined;
  const tStatus = description?.status.name;
  if (!manifest && !tStatus) throw new UserError(`run ${runId} not found in ${store.root} nor in Temporal`);
  let status: RunView['status'] = manifest?.status ?? 'unknown';
  const fromTemporal = tStatus ? TEMPORAL_TO_RUN[tStatus] : undefined;
  // A terminated or timed-out workflow could not write its final status; trust Temporal then. And a
  // run is finished only when its workflow is: the manifest says `completed` before the report is written.
  if (fromTemporal && (status === 'running' || status === 'unknown' || fromTemporal === 'terminated' || fromTemporal === 'timed_out' || fromTemporal === 'running')) {
    status = fromTemporal;
  }
  const view: RunView = {
    runId,
    status,
    ...(manifest && {
      pipeline: manifest.pipeline,
      createdAt: manifest.createdAt,
      finishedAt: manifest.finishedAt,
      ...(manifest.tags && { tags: manifest.tags }),
      ...(manifest.note && { note: manifest.note }),
      manifest: `${store.runDir(runId)}/manifest.json`,
      ...(manifest.error && { error: manifest.error }),
    }),
    ...(tStatus && { temporalStatus: tStatus }),
    stages: (manifest?.stages ?? []).map((s) => ({
      name: s.name,
      status: s.status,
      cached: s.cached,
      branches: s.branches,
      cachedBranches: s.cachedBranches,
      ...(s.completedBranches !== undefined && { completedBranches: s.completedBranches }),
      ...(s.startedAt && { startedAt: s.startedAt }),
      ...(s.finishedAt && { finishedAt: s.finishedAt }),
      ...(s.durationMs !== undefined && { durationMs: s.durationMs }),
      ...(s.error && { error: s.error }),
    })),
  };
  const live = (description?.raw.pendingActivities ?? []).map((a) => {
    const payload = a.heartbeatDetails?.payloads?.[0];
    const details = payload ? (defaultPayloadConverter.fromPayload(payload) as HeartbeatDetails) : undefined;
    return {
      activity: a.activityType?.name ?? '?',
      attempt: a.attempt ?? 1,
      ...(details?.stage !== undefined && { stage: details.stage }),
      ...(details?.branch !== undefined && { branch: details.branch }),
      ...(details && { details }),
    };
  });
  return { view, live };
}

export async function describeRun(client: Client | undefined, store: RunStore, runId: string): Promise<RunView> {
  return (await observeRun(client, store, runId)).view;
}

/**
 * Workers that polled the queue in the last 90 s — a running run with none is stalled, not slow.
 * (A long poll lasts up to ~70 s, so a worker that died less than that ago still counts.)
 */
export async function workersPolling(client: Client, queue = taskQueueName('cpu')): Promise<number> {
  const response = await client.workflowService.describeTaskQueue({
    namespace: client.options.namespace,
    taskQueue: { name: queue },
    taskQueueType: 1, // TASK_QUEUE_TYPE_WORKFLOW
  });
  const since = Date.now() / 1000 - 90;
  return (response.pollers ?? []).filter((p) => Number(p.lastAccessTime?.seconds ?? 0) > since).length;
}

export async function cancelRun(client: Client, runId: string): Promise<void> {
  await client.workflow.getHandle(runId).cancel();
}

/**
 * Wait for a run to close, calling `onTick` with each observation; returns the final view (never
 * throws for a failed run).
 */
export async function waitForRun(
  client: Client,
  store: RunStore,
  runId: string,
  onTick?: (view: RunView, live: LiveProgress[]) => void,
  pollMs = 500,
): Promise<RunView> {
  for (;;) {
    const observed = await observeRun(client, store, runId).catch(() => undefined);
    const status = observed?.view.temporalStatus;
    if (status && status !== 'RUNNING') break;
    if (observed) onTick?.(observed.view, observed.live);
    await new Promise((r) => setTimeout(r, pollMs));
  }
  // The workflow's last manifest write happens before it closes; read it again now.
  return describeRun(client, store, runId);
}

export type { RunManifest };
