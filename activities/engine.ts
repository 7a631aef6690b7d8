import { ApplicationFailure } from '@temporalio/activity';
import { hostname, cpus } from 'node:os';
import { readFile } from 'node:fs/promises';
import { UserError } from '../lib/engine/errors.ts';
import { buildPlan } from '../lib/engine/pipeline.ts';
import type { InputFile, Json, RunManifest, RunPlan, RunRequest, StageOutputs, StagePlan, StageResult } from '../lib/engine/types.ts';
import { hashJson, sha256 } from '../lib/store/hash.ts';
import { RunStore } from '../lib/store/run-store.ts';
import { getPipeline } from '../pipelines/index.ts';
import { PACKAGE_VERSION, codeVersion, sourceFingerprint } from '../lib/engine/version.ts';

/**
 * Resolve a run request into a plan: validate the config against the pipeline's schema, hash the
 * data files it reads (globs resolve to the newest matches now, so a scheduled run sees new
 * data), and write the initial manifest. Runs as an activity because it touches the filesystem.
 */
export async function planRun(request: RunRequest & { runId: string; workflowId: string }): Promise<{ plan: RunPlan; manifest: RunManifest }> {
  try {
    const pipeline = getPipeline(request.pipeline);
    const parsed = pipeline.schema.safeParse(request.config);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new UserError(`${request.source ?? 'config'}: ${issue.path.join('.')}: ${issue.message}`);
    }
    const config = parsed.data as { [key: string]: Json };
    const inputs: InputFile[] = [];
    for (const ref of (await pipeline.dataFiles?.(config)) ?? []) {
      const bytes = await readFile(ref.path).catch(() => {
        throw new UserError(`${request.source ?? 'config'}: ${ref.key}: data file not found: ${ref.path}`);
      });
      inputs.push({ path: ref.path, sha256: sha256(bytes), bytes: bytes.length });
    }
    const plan = buildPlan(pipeline, config, request.runId, inputs, `${PACKAGE_VERSION}+src.${sourceFingerprint(pipeline.name)}`);
    const store = RunStore.forWorker(request.storeRoot);
    const previous = await store.readManifest(request.runId);
    const now = new Date().toISOString();
    const manifest: RunManifest = {
      runId: request.runId,
      workflowId: request.workflowId,
      pipeline: pipeline.name,
      status: 'running',
      createdAt: previous?.createdAt ?? now,
      updatedAt: now,
      executions: (previous?.executions ?? 0) + 1,
      config,
      configHash: plan.configHash,
      codeVersion: await codeVersion(),
      seed: plan.seed,
      backend: {},
      host: { hostname: hostname(), platform: process.platform, arch: process.arch, cpus: cpus().length, node: process.version },
      inputs,
      stages: plan.stages.map((s) => ({
        name: s.name,
        activity: s.activity,
        dependsOn: s.dependsOn,
        status: 'pending',
        cached: false,
        branches: s.fanOut?.values.length ?? 1,
        cachedBranches: 0,
        cacheKeys: [],
      })),
      revision: (previous?.revision ?? 0) + 1,
    };
    await store.writeManifest(manifest);
    return { plan, manifest };
  } catch (err) {
    if (err instanceof UserError) throw ApplicationFailure.nonRetryable(err.message, 'UserError');
    throw err;
  }
}

export interface PrepareStageInput {
  storeRoot: string;
  stage: StagePlan;
  params: { [key: string]: Json };
  branch: number;
  seed: number;
  inputs: Record<string, StageOutputs>;
  useCache: boolean;
}

/**
 * The stage's cache key — a hash of exactly what it depends on: activity, code version, resolved
 * params, run seed and the content hashes of its input artifacts — and the cached result when
 * every artifact of a previous execution still exists with its recorded hash.
 */
export async function prepareStage(input: PrepareStageInput): Promise<{ cacheKey: string; hit?: StageResult }> {
  const inputHashes = Object.fromEntries(
    Object.entries(input.inputs).map(([stage, out]) => [stage, out.branches.map((b) => Object.fromEntries(Object.entries(b).map(([k, r]) => [k, r.sha256])))]),
  );
  const cacheKey = hashJson({
    activity: input.stage.activity,
    codeVersion: input.stage.codeVersion,
    params: input.params,
    seed: input.seed,
    branch: input.branch,
    inputs: inputHashes,
  });
  if (!input.useCache) return { cacheKey };
  const store = RunStore.forWorker(input.storeRoot);
  const entry = await store.readIndex<{ result: StageResult }>('cache', cacheKey);
  if (!entry) return { cacheKey };
  for (const ref of Object.values(entry.result.outputs)) {
    if (!(await store.verify(ref))) return { cacheKey };
  }
  return { cacheKey, hit: entry.result };
}

export async function writeManifest(input: { storeRoot: string; manifest: RunManifest }): Promise<void> {
  await RunStore.forWorker(input.storeRoot).writeManifest(input.manifest);
}
