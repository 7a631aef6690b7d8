import { writeRunReport } from '../lib/report/from-manifest.ts';
import { RunStore } from '../lib/store/run-store.ts';
import { getPipeline } from '../pipelines/index.ts';

/** Write `<runId>/report.html` at the end of a run (see lib/report/from-manifest.ts). */
export async function writeReport(input: { storeRoot: string; runId: string }): Promise<string> {
  const store = RunStore.forWorker(input.storeRoot);
  const manifest = await store.readManifest(input.runId);
  if (!manifest) throw new Error(`run ${input.runId}: no manifest`);
  return (await writeRunReport(store, manifest, getPipeline(manifest.pipeline).reportFigures)).path;
}
