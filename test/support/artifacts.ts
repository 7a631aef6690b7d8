import { allBranchOutputs } from '../../lib/engine/branch-index.ts';
import type { ArtifactRef, RunManifest } from '../../lib/engine/types.ts';
import type { RunStore } from '../../lib/store/run-store.ts';

/** `name:sha256` of every artifact, per stage: what "identical results" between two runs means. */
export function artifactHashes(manifest: RunManifest): Record<string, string[]> {
  return Object.fromEntries(manifest.stages.map((s) => [s.name, (s.outputs?.branches ?? []).flatMap(hashesOf)]));
}

/** artifactHashes, with a large fan-out's branches read from its branch index. */
export async function allArtifactHashes(store: RunStore, manifest: RunManifest): Promise<Record<string, string[]>> {
  const stages = await Promise.all(manifest.stages.map(async (s) => [s.name, s.outputs ? (await allBranchOutputs(store, s.outputs)).flatMap(hashesOf) : []] as const));
  return Object.fromEntries(stages);
}

const hashesOf = (outputs: Record<string, ArtifactRef>) =>
  Object.entries(outputs).map(([name, ref]) => `${name}:${ref.sha256}`);
