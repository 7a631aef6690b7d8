/**
 * Merging independent nested-sampling runs (lib/sampling/nested/merge.ts): one run comes back
 * unchanged; K runs of N live points estimate ln Z as one run of K·N would.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NestedSampler, type NestedResult } from '../../../lib/sampling/index.ts';
import { mergeNestedRuns, type RunPoints } from '../../../lib/sampling/nested/merge.ts';
import { gaussian } from '../../../lib/sampling/reference-problems.ts';

async function run(seed: number, nlive: number): Promise<NestedResult> {
  const sampler = new NestedSampler(gaussian(2), { nlive, seed });
  await sampler.run();
  return sampler.result();
}
const points = (r: NestedResult): RunPoints => ({ theta: r.samples.theta, logL: r.samples.logL, nlive: r.nlive, niter: r.niter });

test('merging a single run returns its evidence, information and weights', async () => {
  const r = await run(3, 60);
  const merged = mergeNestedRuns([points(r)]);
  assert.ok(Math.abs(merged.logZ - r.logZ) < 1e-9, `${merged.logZ} vs ${r.logZ}`);
  assert.ok(Math.abs(merged.information - r.information) < 1e-9);
  assert.ok(Math.abs(merged.logZerr - r.logZerr) < 1e-9);
  // Same points, same order (a single run is already sorted by ln L).
  merged.logWeight.forEach((w, i) => assert.ok(Math.abs(w - r.samples.logWeight[i]!) < 1e-9, `point ${i}`));
  assert.equal(merged.nlive, 60);
});

test('eight runs of 50 live points: ln Z within 3σ of the truth with the error of 400 live points, mean within its standard error', async () => {
  const problem = gaussian(2);
  const runs = await Promise.all([11, 12, 13, 14, 15, 16, 17, 18].map((s) => run(s, 50)));
  const merged = mergeNestedRuns(runs.map(points));
  assert.equal(merged.nlive, 400);
  assert.equal(merged.theta.length, runs.reduce((n, r) => n + r.samples.theta.length, 0));
  const single = runs[0]!.logZerr;
  assert.ok(Math.abs(merged.logZerr / single - 1 / Math.sqrt(8)) < 0.1, `merged error ${merged.logZerr} vs single ${single}`);
  assert.ok(Math.abs(merged.logZ - problem.truth) < 3 * merged.logZerr, `ln Z ${merged.logZ} ± ${merged.logZerr} vs ${problem.truth}`);
  const mean = merged.theta.reduce((s, t, i) => s + merged.weight[i]! * t[0]!, 0);
  assert.ok(Math.abs(mean - problem.posteriorMean![0]!) < (4 * 0.1) / Math.sqrt(merged.ess), `mean ${mean}`);
  assert.ok(merged.ess > 5 * runs[0]!.ess, `ESS ${merged.ess} vs one run ${runs[0]!.ess}`);
  // The ln L order is the merged run's order.
  for (let i = 1; i < merged.logL.length; i++) assert.ok(merged.logL[i]! >= merged.logL[i - 1]!);
});

test('a run whose point count does not match niter + nlive is refused', () => {
  assert.throws(() => mergeNestedRuns([{ theta: [[0]], logL: [0], nlive: 2, niter: 0 }]), /expected niter \+ nlive = 2/);
});
