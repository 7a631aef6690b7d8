import { hostname, cpus } from 'node:os';
import { UserError } from '../lib/engine/errors.ts';
import { resolveInputFiles } from '../lib/engine/inputs.ts';
import { buildPlan } from '../lib/engine/pipeline.ts';
import { branchIndexTable } from '../lib/engine/branch-index.ts';
import { isLargeFanOut } from '../lib/engine/fan-out.ts';
import type { Json, RunManifest, RunPlan, RunRequest, StageOutputs, StageResult } from '../lib/engine/types.ts';
import { RunStore } from '../lib/store/run-store.ts';
import { getPipeline } from '../pipelines/index.ts';
import { PACKAGE_VERSION, codeVersion, sourceFingerprint } from '../lib/engine/version.ts';
import { supervised } from './supervised.ts';

/** Attempts for an error thrown by the engine's own steps (a full disk, say) before the run fails. */
const ENGINE_CODE_ATTEMPTS = 10;

/**
 * Resolve a run request into a plan: validate the config against the pipeline's schema, hash the
 * data files it reads (globs resolve to the newest matches now, so a scheduled run sees new
 * data), and write the initial manifest. Runs as an activity because it touches the filesystem.
 */
export function planRun(request: RunRequest & { runId: string; workflowId: string; executionId: string }): Promise<{ plan: RunPlan; manifest: RunManifest }> {
  return supervised(ENGINE_CODE_ATTEMPTS, async () => {
    const pipeline = getPipeline(request.pipeline);
    const parsed = pipeline.schema.safeParse(request.config);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new UserError(`${request.source ?? 'config'}: ${issue.path.join('.')}: ${issue.message}`);
    }
    const config = parsed.data as { [key: string]: Json };
    const inputs = await resolveInputFiles(pipeline, config, () => request.source ?? 'config');
    const plan = buildPlan(pipeline, config, request.runId, inputs, `${PACKAGE_VERSION}+src.${sourceFingerprint(pipeline.name)}`);
    const store = RunStore.forWorker(request.storeRoot);
    const previous = await store.readManifest(request.runId);
    // The store's own guard against overwriting a run (the client checks first; this covers the
    // library API, schedules and races). A retry of this activity in the same execution may rewrite.
    if (previous && !request.resume && previous.executionId !== request.executionId) {
      throw new UserError(`run ${request.runId} already exists in ${store.root} (${previous.status}); a run is never overwritten — resume it or choose another id`);
    }
    const now = new Date().toISOString();
    // A resume submits no labels: the run keeps the ones it was started with.
    const tags = request.tags ?? previous?.tags;
    const note = request.note ?? previous?.note;
    const manifest: RunManifest = {
      runId: request.runId,
      workflowId: request.workflowId,
      pipeline: pipeline.name,
      status: 'running',
      createdAt: previous?.createdAt ?? now,
      updatedAt: now,
      executions: (previous?.executions ?? 0) + (previous?.executionId === request.executionId ? 0 : 1),
      executionId: request.executionId,
      config,
      configHash: plan.configHash,
      codeVersion: await codeVersion(),
      seed: plan.seed,
      ...(tags && { tags }),
      ...(note && { note }),
      backend: {},
      host: { hostname: hostname(), platform: process.platform, arch: process.arch, cpus: cpus().length, node: process.version },
      inputs,
      stages: plan.stages.map((s) => ({
        name: s.name,
        activity: s.activity,
        dependsOn: s.dependsOn,
        status: 'pending',
        cached: false,
        branches: s.fanOut?.count ?? 1,
        cachedBranches: 0,
        cacheKeys: [],
      })),
      revision: (previous?.revision ?? 0) + 1,
    };
    await store.writeManifest(manifest);
    // Written after the guard above: a refused request leaves the existing run untouched.
    await storeLargeFanOutValues(store, plan);
    return { plan, manifest };
  });
}

/** A large fan-out's values go to the store, so the plan (a payload in the history) stays small. */
async function storeLargeFanOutValues(store: RunStore, plan: RunPlan): Promise<void> {
  for (const stage of plan.stages) {
    if (!stage.fanOut || !isLargeFanOut(stage)) continue;
    stage.fanOut.valuesRef = await store.putJson(plan.runId, [stage.name, 'fan-out-values'], stage.fanOut.values);
    delete stage.fanOut.values;
  }
}

export interface BranchIndexSummary {
  outputs: StageOutputs;
  cachedBranches: number;
  checkpointsSaved: number;
  resumedFromCheckpoint: boolean;
  backend?: string;
}

/** Once a large fan-out's branches are done: their recorded results as one Parquet table (branch-index.ts). */
export function indexBranches(input: { storeRoot: string; runId: string; stage: string; count: number }): Promise<BranchIndexSummary> {
  return supervised(ENGINE_CODE_ATTEMPTS, async (heartbeat) => {
    const store = RunStore.forWorker(input.storeRoot);
    const results: StageResult[] = [];
    const READS_AT_ONCE = 64;
    for (let from = 0; from < input.count; from += READS_AT_ONCE) {
      const to = Math.min(input.count, from + READS_AT_ONCE);
      results.push(...(await Promise.all(Array.from({ length: to - from }, (_, i) => store.readBranchResult(input.runId, input.stage, from + i)))));
      heartbeat.beat({ stage: input.stage, progress: { fraction: to / input.count, message: 'indexing branches' } });
    }
    const index = await store.put(input.runId, [input.stage, 'branches'], branchIndexTable(results));
    const fresh = results.filter((r) => !r.cached);
    const backend = results.find((r) => r.backend)?.backend;
    return {
      outputs: { branches: [], index, count: input.count },
      cachedBranches: results.length - fresh.length,
      checkpointsSaved: fresh.reduce((n, r) => n + r.checkpointsSaved, 0),
      resumedFromCheckpoint: fresh.some((r) => r.resumedFromCheckpoint),
      ...(backend && { backend }),
    };
  });
}

export function writeManifest(input: { storeRoot: string; manifest: RunManifest }): Promise<void> {
  return supervised(ENGINE_CODE_ATTEMPTS, () => RunStore.forWorker(input.storeRoot).writeManifest(input.manifest));
}
