/**
 * The data that crosses Temporal: plans, references and manifests. Plain JSON only — the
 * workflow bundle imports these types, and Temporal payloads stay far below their 2 MB limit
 * because artifacts travel as references, never as data.
 */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A Parquet artifact in the run store. `uri` is relative to the store root. */
export interface ArtifactRef {
  uri: string;
  sha256: string;
  rows: number;
  bytes: number;
  schema: { name: string; type: string }[];
}

/**
 * One stage's outputs: one branch for an ordinary stage, N for a fan-out. A large fan-out (more
 * than INLINE_BRANCHES, lib/engine/fan-out.ts) keeps `branches` empty and names a Parquet table
 * with one row per branch instead (`index`, lib/engine/branch-index.ts), so no payload, manifest
 * or history grows with N.
 */
export interface StageOutputs {
  branches: Record<string, ArtifactRef>[];
  index?: ArtifactRef;
  /** Branch count when `index` is set. */
  count?: number;
}

export interface RetryPlan {
  /** Attempts for errors thrown by the stage's code; infrastructure failures retry without limit. */
  maximumAttempts: number;
  initialIntervalMs: number;
  backoffCoefficient: number;
  /** Longest wait between attempts, so a run continues soon after a lost worker is replaced. */
  maximumIntervalMs: number;
}

export interface StagePlan {
  name: string;
  activity: string;
  dependsOn: string[];
  /** The exact, resolved configuration this stage depends on: part of its cache key. */
  params: { [key: string]: Json };
  /** Bump when the stage's numerics change, so old cache entries stop matching. */
  codeVersion: string;
  taskQueue: string;
  startToCloseTimeoutMs: number;
  heartbeatTimeoutMs: number;
  retry: RetryPlan;
  /** Run the activity once per value, with `params[param] = value`, at most `concurrency` at a time. */
  fanOut?: FanOutPlan;
  checkpointMs?: number;
}

export interface FanOutPlan {
  param: string;
  count: number;
  concurrency: number;
  /** The values, for a fan-out of at most INLINE_BRANCHES branches. */
  values?: Json[];
  /** A larger fan-out's values: a JSON array in the store, read by each branch (planRun writes it). */
  valuesRef?: ArtifactRef;
  /** Fanned-out dependencies of which branch i reads only branch i (as its branch 0). */
  alignedWith?: string[];
}

export interface InputFile {
  path: string;
  sha256: string;
  bytes: number;
}

export interface RunPlan {
  runId: string;
  pipeline: string;
  config: { [key: string]: Json };
  configHash: string;
  seed: number;
  codeVersion: string;
  inputs: InputFile[];
  stages: StagePlan[];
}

export interface RunOptions {
  noCache?: boolean;
  rerun?: string[];
}

/** What `runPipeline` is started with (by the CLI, a schedule or the library API). */
export interface RunRequest {
  pipeline: string;
  config: { [key: string]: Json };
  storeRoot: string;
  options?: RunOptions;
  /** Where the config came from, for messages. */
  source?: string;
  /** Execute an existing run id again (`sciflow resume`); without it an existing run is never replaced. */
  resume?: boolean;
  /** The user's labels for the run (`--tag k=v`, `--note`); a resume without them keeps the run's. */
  tags?: RunTags;
  note?: string;
}

/** `--tag key=value` labels of a run, queryable (`sciflow query`: runs.tags). */
export type RunTags = { [key: string]: string };

export interface StageInvocation {
  runId: string;
  storeRoot: string;
  pipeline: string;
  stage: string;
  activity: string;
  params: { [key: string]: Json };
  seed: number;
  branch: number;
  branches: number;
  /** Part of the cache key (stage-cache.ts), with activity, params, seed, branch and input hashes. */
  codeVersion: string;
  /** Look the result up in the cache before computing it (false for --no-cache and --rerun). */
  useCache: boolean;
  checkpointMs?: number;
  /** Attempts for errors thrown by the stage's code (lost workers and timeouts retry without limit). */
  maxAttempts?: number;
  inputs: Record<string, StageOutputs>;
  /** Set for a large fan-out: `params[param]` is element `branch` of this JSON array. */
  fanOutValues?: { param: string; ref: ArtifactRef };
  /** Dependencies of which this branch reads only the matching branch (FanOutPlan.alignedWith). */
  alignedWith?: string[];
  /** A branch of a large fan-out: record the result in the store and return a BranchReceipt. */
  recordBranch?: boolean;
}

/** What a branch of a large fan-out returns; its StageResult waits in the store for the branch index. */
export interface BranchReceipt {
  branch: number;
  cached: boolean;
}

export interface StageResult {
  outputs: Record<string, ArtifactRef>;
  summary: { [key: string]: Json };
  resumedFromCheckpoint: boolean;
  checkpointsSaved: number;
  backend?: string;
  /** The key it is cached under. */
  cacheKey: string;
  /** True when it came from the cache instead of being computed. */
  cached?: boolean;
}

export type StageStatus = 'pending' | 'running' | 'completed' | 'failed' | 'cancelled' | 'skipped';
export type RunStatus = 'running' | 'completed' | 'failed' | 'cancelled' | 'terminated' | 'timed_out';

export interface StageRecord {
  name: string;
  activity: string;
  dependsOn: string[];
  status: StageStatus;
  cached: boolean;
  branches: number;
  cachedBranches: number;
  cacheKeys: string[];
  /** Branches finished so far, while a large fan-out runs. */
  completedBranches?: number;
  startedAt?: string;
  finishedAt?: string;
  durationMs?: number;
  outputs?: StageOutputs;
  summary?: { [key: string]: Json }[];
  resumedFromCheckpoint?: boolean;
  checkpointsSaved?: number;
  error?: string;
}

export interface RunManifest {
  runId: string;
  /** Temporal's id for the run; equals runId except for scheduled runs (see run-id.ts). */
  workflowId: string;
  pipeline: string;
  status: RunStatus;
  createdAt: string;
  updatedAt: string;
  finishedAt?: string;
  /** How many times this run id was executed (1 + resumes). */
  executions: number;
  /** Temporal's run id of the execution that wrote this manifest. */
  executionId?: string;
  config: { [key: string]: Json };
  configHash: string;
  codeVersion: string;
  seed: number;
  tags?: RunTags;
  note?: string;
  backend: { [key: string]: Json };
  host: { [key: string]: Json };
  inputs: InputFile[];
  stages: StageRecord[];
  error?: string;
  /** Monotone counter; a writer never replaces a manifest with an older revision. */
  revision: number;
}
