/**
 * What `sciflow clean` may delete: stage-cache entries and checkpoints that no run in the store
 * needs any more. Artifacts a manifest names are never touched — a cache entry only points at
 * artifacts in its run's folder, so deleting one costs at most a future cache hit.
 *
 * Kept:
 * - a cache entry whose key a run records (a stage's `cacheKeys`, a large fan-out's branch index),
 *   or that a run which has not completed wrote (resuming it takes its finished branches from the cache);
 * - a checkpoint of a stage that has not completed, in a run that has not completed: the file its
 *   pointer (`.checkpoints/<key>.json`) names, which a resume restarts from, and while the stage
 *   runs every version (its writer removes the superseded ones itself);
 * - everything of a run whose manifest is damaged: what it references cannot be read.
 */
import { readdir, rm, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { ArtifactRef, RunManifest } from '../engine/types.ts';
import { CHECKPOINT_ARTIFACT, type DamagedRun, type RunStore } from './run-store.ts';

export interface CleanItem {
  kind: 'cache' | 'checkpoint pointer' | 'checkpoint';
  /** Relative to the store root. */
  path: string;
  bytes: number;
  /** Why no run needs it. */
  reason: string;
}

export interface CleanPlan {
  items: CleanItem[];
  bytes: number;
  /** Runs whose manifest is damaged: everything of theirs is kept. */
  skipped: DamagedRun[];
}

const CHECKPOINT_FILE = new RegExp(`^${CHECKPOINT_ARTIFACT}-[0-9a-f]{16}\\.parquet$`);

/** What a store holds that no run needs, with sizes; deletes nothing. */
export async function planClean(store: RunStore): Promise<CleanPlan> {
  // Listed before the manifests are read: a run writes its manifest before any cache entry or
  // checkpoint, so every file listed here belongs to a run the scan below sees.
  const cacheEntries = await store.listIndex('cache');
  const pointers = await store.listIndex('checkpoints');
  const checkpointFiles = await listCheckpointFiles(store);
  const { manifests, damaged } = await store.scanRuns();
  const runs = new Map(manifests.map((m) => [m.runId, m]));
  const { keys, unknownRuns } = await recordedCacheKeys(store, manifests);
  const unreadable = new Set([...damaged.map((d) => d.runId), ...unknownRuns]);
  const orphans: Omit<CleanItem, 'bytes'>[] = [];

  for (const { key, path } of cacheEntries) {
    if (keys.has(key)) continue;
    const entry = await store.readIndex<{ runId?: string; stage?: string }>('cache', key);
    const reason = entry ? unneededCacheEntry(entry, runs, unreadable) : 'unreadable';
    if (reason) orphans.push({ kind: 'cache', path: relative(store.root, path), reason });
  }
  const resumable = new Set<string>();
  for (const { key, path } of pointers) {
    const ref = await store.readIndex<ArtifactRef>('checkpoints', key);
    const reason = !ref ? 'unreadable' : (finishedWork(ref.uri, runs, unreadable) ?? ((await store.exists(ref.uri)) ? undefined : `names ${ref.uri}, which is missing`));
    if (reason) orphans.push({ kind: 'checkpoint pointer', path: relative(store.root, path), reason });
    else resumable.add(ref!.uri);
  }
  for (const uri of checkpointFiles) {
    const [runId, stage] = uri.split('/');
    const running = runs.get(runId!)?.stages.find((s) => s.name === stage)?.status === 'running';
    const reason = finishedWork(uri, runs, unreadable) ?? (running || resumable.has(uri) || unreadable.has(runId!) ? undefined : 'superseded: no checkpoint pointer names it');
    if (reason) orphans.push({ kind: 'checkpoint', path: uri, reason });
  }

  const items: CleanItem[] = [];
  for (const orphan of orphans) {
    // A file gone since it was listed (its writer removed it) is simply not there to clean.
    const size = await stat(join(store.root, orphan.path)).then((s) => s.size, () => undefined);
    if (size !== undefined) items.push({ ...orphan, bytes: size });
  }
  return { items, bytes: items.reduce((n, i) => n + i.bytes, 0), skipped: damaged };
}

/** Delete what a plan lists. */
export async function applyClean(store: RunStore, plan: CleanPlan): Promise<void> {
  for (const item of plan.items) await rm(join(store.root, item.path), { force: true });
}

/** Every cache key a run records, and the runs whose large fan-out's branch index cannot be read. */
async function recordedCacheKeys(store: RunStore, manifests: RunManifest[]): Promise<{ keys: Set<string>; unknownRuns: string[] }> {
  const keys = new Set<string>();
  const unknownRuns: string[] = [];
  for (const m of manifests) {
    for (const s of m.stages) {
      for (const key of s.cacheKeys ?? []) keys.add(key);
      if (!s.outputs?.index) continue;
      try {
        for (const key of (await store.get(s.outputs.index)).getChild('cache_key')!.toArray() as string[]) keys.add(key);
      } catch {
        unknownRuns.push(m.runId);
      }
    }
  }
  return { keys, unknownRuns };
}

/** Why a cache entry no run records is not needed, or undefined when the run that wrote it may still use it. */
function unneededCacheEntry(entry: { runId?: string; stage?: string }, runs: Map<string, RunManifest>, unreadable: Set<string>): string | undefined {
  const writer = entry.runId ?? '';
  if (unreadable.has(writer)) return undefined;
  const run = runs.get(writer);
  if (!run) return `no run records it; run ${writer || '?'} that wrote it is no longer in the store`;
  if (run.status === 'completed') return `no run records it; stage ${entry.stage ?? '?'} of ${writer} was computed again since`;
  return undefined;
}

/** Why a checkpoint (`<run>/<stage>/…`) can no longer be resumed from, or undefined when its stage may continue. */
function finishedWork(uri: string, runs: Map<string, RunManifest>, unreadable: Set<string>): string | undefined {
  const [runId = '', stage] = uri.split('/');
  if (unreadable.has(runId)) return undefined;
  const run = runs.get(runId);
  if (!run) return `run ${runId} is no longer in the store`;
  if (run.status === 'completed') return `run ${runId} completed`;
  if (run.stages.find((s) => s.name === stage)?.status === 'completed') return `stage ${stage} of ${runId} completed`;
  return undefined;
}

/** Store-relative paths of every checkpoint file: `<run>/<stage>/checkpoint-<hash>.parquet` or `<run>/<stage>/b<i>/…`. */
async function listCheckpointFiles(store: RunStore): Promise<string[]> {
  const uris: string[] = [];
  const visit = async (dir: string[]): Promise<void> => {
    const entries = await readdir(join(store.root, ...dir), { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      if (e.isFile() && dir.length >= 2 && CHECKPOINT_FILE.test(e.name)) uris.push([...dir, e.name].join('/'));
      // .cache, .checkpoints and temp files are not runs.
      else if (e.isDirectory() && dir.length < 3 && !e.name.startsWith('.')) await visit([...dir, e.name]);
    }
  };
  await visit([]);
  return uris;
}
