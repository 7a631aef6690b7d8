import type { RunManifest } from '../../lib/engine/types.ts';

/** `name:sha256` of every artifact, per stage: what "identical results" between two runs means. */
export function artifactHashes(manifest: RunManifest): Record<string, string[]> {
  return Object.fromEntries(manifest.stages.map((s) => [s.name, (s.outputs?.branches ?? []).flatMap((b) => Object.entries(b).map(([name, ref]) => `${name}:${ref.sha256}`))]));
}
