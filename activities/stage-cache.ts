import type { StageInvocation, StageResult } from '../lib/engine/types.ts';
import { hashJson } from '../lib/store/hash.ts';
import type { RunStore } from '../lib/store/run-store.ts';

/**
 * A stage's cache key — a hash of exactly what it depends on: activity, code version, resolved
 * params, run seed, branch and the content hashes of its input artifacts.
 */
export function stageCacheKey(invocation: Pick<StageInvocation, 'activity' | 'codeVersion' | 'params' | 'seed' | 'branch' | 'inputs'>): string {
  const inputHashes = Object.fromEntries(
    Object.entries(invocation.inputs).map(([stage, out]) => [stage, out.branches.map((b) => Object.fromEntries(Object.entries(b).map(([k, r]) => [k, r.sha256])))]),
  );
  return hashJson({
    activity: invocation.activity,
    codeVersion: invocation.codeVersion,
    params: invocation.params,
    seed: invocation.seed,
    branch: invocation.branch,
    inputs: inputHashes,
  });
}

/** The cached result under this key, when every artifact it names still exists with its recorded hash. */
export async function cachedStageResult(store: RunStore, cacheKey: string): Promise<StageResult | undefined> {
  const entry = await store.readIndex<{ result: StageResult }>('cache', cacheKey);
  if (!entry) return undefined;
  for (const ref of Object.values(entry.result.outputs)) {
    if (!(await store.verify(ref))) return undefined;
  }
  return entry.result;
}
