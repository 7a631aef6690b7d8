/**
 * The branch index of a large fan-out: one Parquet row per branch (its cache key, whether it came
 * from the cache, its output references and summary as JSON), written once the branches are done.
 * Downstream stages and readers of a run resolve a fan-out's branches through it, so references
 * to 10⁵ branches never travel through Temporal or sit in the manifest.
 *
 *   SELECT branch, json_extract(summary, '$.rows') FROM 'run/stage/branches.parquet'
 */
import type { Table } from 'apache-arrow';
import { int32Column, tableFromColumns } from '../store/parquet.ts';
import type { RunStore } from '../store/run-store.ts';
import type { ArtifactRef, Json, StageOutputs, StageResult } from './types.ts';

export function branchIndexTable(results: readonly StageResult[]): Table {
  return tableFromColumns({
    branch: int32Column('branch', results.map((_, i) => i)),
    cache_key: results.map((r) => r.cacheKey),
    cached: results.map((r) => r.cached === true),
    resumed_from_checkpoint: results.map((r) => r.resumedFromCheckpoint),
    checkpoints_saved: int32Column('checkpoints_saved', results.map((r) => r.checkpointsSaved)),
    backend: results.map((r) => r.backend ?? ''),
    outputs: results.map((r) => JSON.stringify(r.outputs)),
    summary: results.map((r) => JSON.stringify(r.summary)),
  });
}

/**
 * Index tables and fan-out values by content hash, for the life of a worker: every branch of an
 * aligned stage reads the same index, and a worker runs thousands of them.
 */
const recent = new Map<string, Promise<unknown>>();
const RECENT_LIMIT = 8;

function remembered<T>(ref: ArtifactRef, load: () => Promise<T>): Promise<T> {
  let hit = recent.get(ref.sha256) as Promise<T> | undefined;
  if (!hit) {
    hit = load();
    hit.catch(() => recent.delete(ref.sha256));
    recent.set(ref.sha256, hit);
    if (recent.size > RECENT_LIMIT) recent.delete(recent.keys().next().value!);
  }
  return hit;
}

const indexTable = (store: RunStore, ref: ArtifactRef) => remembered(ref, () => store.get(ref));

/** One branch's output references, from a stage's outputs (inline or indexed). */
export async function branchOutputs(store: RunStore, outputs: StageOutputs, branch: number): Promise<Record<string, ArtifactRef> | undefined> {
  if (!outputs.index) return outputs.branches[branch];
  const column = (await indexTable(store, outputs.index)).getChild('outputs')!;
  return branch >= 0 && branch < column.length ? (JSON.parse(String(column.get(branch))) as Record<string, ArtifactRef>) : undefined;
}

/** Every branch's output references, in branch order. */
export async function allBranchOutputs(store: RunStore, outputs: StageOutputs): Promise<Record<string, ArtifactRef>[]> {
  if (!outputs.index) return outputs.branches;
  const column = (await indexTable(store, outputs.index)).getChild('outputs')!;
  return Array.from({ length: column.length }, (_, i) => JSON.parse(String(column.get(i))) as Record<string, ArtifactRef>);
}

/** Element `branch` of a large fan-out's values (planRun stores them as one JSON array). */
export async function fanOutValue(store: RunStore, ref: ArtifactRef, branch: number): Promise<Json> {
  const values = await remembered(ref, () => store.getJson<Json[]>(ref));
  return values[branch] ?? null;
}

/**
 * A branch's inputs with every reference inline: an indexed dependency expands to its branches,
 * and an aligned one (FanOutPlan.alignedWith) to branch `branch` alone, so the stage code and the
 * cache key see the same shape whichever way the dependency ran.
 */
export async function resolveBranchInputs(
  store: RunStore,
  inputs: Record<string, StageOutputs>,
  branch: number,
  alignedWith: readonly string[] = [],
): Promise<Record<string, StageOutputs>> {
  const resolved: Record<string, StageOutputs> = {};
  for (const [stage, outputs] of Object.entries(inputs)) {
    if (alignedWith.includes(stage)) {
      const own = await branchOutputs(store, outputs, branch);
      resolved[stage] = { branches: own ? [own] : [] };
    } else {
      resolved[stage] = { branches: await allBranchOutputs(store, outputs) };
    }
  }
  return resolved;
}
