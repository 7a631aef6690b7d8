/**
 * The best-fit spectrum figure (pipelines/atmospheric-retrieval/report.ts) from a small synthetic
 * posterior: the best fit is the full model's smallest χ² among the highest-ln L samples, its
 * residuals are (data − model)/σ, depths are in ppm, and χ²_min and the degrees of freedom are named.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RunManifest } from '../../../lib/engine/types.ts';
import { Rng } from '../../../lib/random.ts';
import { tableFromColumns } from '../../../lib/store/parquet.ts';
import { PARAM_NAMES } from '../../../pipelines/atmospheric-retrieval/constants.ts';
import { atmosphericFigures } from '../../../pipelines/atmospheric-retrieval/report.ts';
import { cachedForwardModel, cachedSpectrum, samplePrior } from '../../../pipelines/atmospheric-retrieval/retrieval.ts';

test('best-fit spectrum: residual panel (data − model)/σ, χ²_min over 79 − 9 = 70 dof, depths in ppm', async () => {
  const model = cachedForwardModel();
  const data = cachedSpectrum();
  const rng = Rng.fromSeed(3);
  const thetas = Array.from({ length: 30 }, () => samplePrior(rng));
  const chiSquares = thetas.map((t) => model.depths(t).reduce((s, m, i) => s + ((data.depth[i]! - m) / data.error[i]!) ** 2, 0));
  // A stored ln L that ranks the samples in reverse of their χ²: the figure must re-judge them with the full model.
  const logL = chiSquares.map((c) => c / 2);
  const table = tableFromColumns({
    ...Object.fromEntries(PARAM_NAMES.map((p, d) => [p, thetas.map((t) => t[d]!)])),
    weight: thetas.map(() => 1 / thetas.length),
    logL,
  });
  const manifest = { config: { seed: 1, mode: 'real' }, stages: [{ name: 'retrieve-full', status: 'completed' }] } as unknown as RunManifest;
  const [spectrum] = await atmosphericFigures({ manifest, load: async () => table });

  // The 20 highest stored ln L are the 20 largest χ²; the best fit is the smallest among those.
  const expected = [...chiSquares].sort((a, b) => b - a).slice(0, 20).at(-1)!;
  assert.ok(spectrum!.caption!.includes(`full model ${expected.toFixed(1)} (χ²/dof ${(expected / 70).toFixed(2)})`), spectrum!.caption);
  assert.match(spectrum!.caption!, /70 degrees of freedom \(79 − 9 free parameters\)/);
  const best = model.depths(thetas[chiSquares.indexOf(expected)]!);
  const layers = (spectrum!.spec as unknown as { vconcat: { layer: { data: { values: Record<string, number>[] } }[] }[] }).vconcat;
  const modelRows = layers[1]!.layer[2]!.data.values;
  modelRows.forEach((row, i) => {
    assert.ok(Math.abs(row.residual! - (data.depth[i]! - best[i]!) / data.error[i]!) < 1e-12, `residual ${i}`);
    assert.ok(Math.abs(row.depth! - best[i]! * 1e6) < 1e-6, `depth ${i} in ppm`);
  });
});
