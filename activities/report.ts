import { writeFileAtomic } from '../lib/store/atomic.ts';
import { reportInputFromManifest } from '../lib/report/from-manifest.ts';
import { renderReport } from '../lib/report/index.ts';
import { RunStore } from '../lib/store/run-store.ts';

/** Render `<runId>/report.html` from the run's manifest and artifacts (end of every run, and `sciflow report`). */
export async function writeReport(input: { storeRoot: string; runId: string }): Promise<string> {
  const store = RunStore.forWorker(input.storeRoot);
  const manifest = await store.readManifest(input.runId);
  if (!manifest) throw new Error(`run ${input.runId}: no manifest`);
  const { html } = await renderReport(await reportInputFromManifest(store, manifest));
  const path = `${store.runDir(input.runId)}/report.html`;
  await writeFileAtomic(path, html);
  return path;
}
