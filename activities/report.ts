import { writeRunReport } from '../lib/report/from-manifest.ts';
import { RunStore } from '../lib/store/run-store.ts';
import { getPipeline } from '../pipelines/index.ts';
import { supervised } from './supervised.ts';

/** Write `<runId>/report.html` at the end of a run (see lib/report/from-manifest.ts); a drawing error is tried twice. */
export function writeReport(input: { storeRoot: string; runId: string }): Promise<string> {
  return supervised(2, async () => {
    const store = RunStore.forWorker(input.storeRoot);
    const manifest = await store.readManifest(input.runId);
    if (!manifest) throw new Error(`run ${input.runId}: no manifest`);
    return (await writeRunReport(store, manifest, getPipeline(manifest.pipeline))).path;
  });
}
