/**
 * A nested run's path through the prior volume, recovered from its stored ln L and log-weights
 * (lib/sampling/nested/trace.ts): exactly the sampler's ln X bookkeeping for single and merged
 * runs, and the analytic ln X(L) of a Gaussian likelihood within the run's statistical scatter.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NestedSampler, logAddExp, mergeNestedRuns, nestedRunTrace } from '../../../lib/sampling/index.ts';
import { gaussian } from '../../../lib/sampling/reference-problems.ts';

/** ln X of a run of N live points: the i-th dead point e^{−i/N}, then the k-th final live point X·(1 − k/(N+1)). */
function staticLogVolumes(niter: number, nlive: number): number[] {
  const dead = Array.from({ length: niter }, (_, i) => -(i + 1) / nlive);
  return [...dead, ...Array.from({ length: nlive }, (_, k) => -niter / nlive + Math.log1p(-(k + 1) / (nlive + 1)))];
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number, what: string) {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(actual[i]! - expected[i]!) < tolerance, `${what} ${i}: ${actual[i]} vs ${expected[i]}`);
}

test('a sampler run: ln X is e^{−i/N} per dead point then the live points’ shares, ln Z ends at the run’s, the bound above it', async () => {
  const nlive = 100;
  const problem = gaussian(2);
  const sampler = new NestedSampler(problem, { nlive, seed: 5 });
  await sampler.run();
  const result = sampler.result();
  const { logL, logWeight } = result.samples;
  const trace = nestedRunTrace(logL, logWeight, nlive);
  assertClose(trace.logVolume, staticLogVolumes(result.niter, nlive), 1e-9, 'ln X');
  assert.ok(Math.abs(trace.logZ.at(-1)! - result.logZ) < 1e-9, `ln Z ${trace.logZ.at(-1)} vs ${result.logZ}`);
  const maxLogL = Math.max(...logL);
  trace.logZUpper.forEach((upper, i) => assert.ok(Math.abs(upper - logAddExp(trace.logZ[i]!, maxLogL + trace.logVolume[i]!)) < 1e-9, `bound ${i}`));

  // ln L = norm − r²/2σ²: the contour encloses X = π r² while the circle stays inside the unit square
  // (ln X < −1), and the run's ln X scatters about it by √i / N after i iterations.
  const norm = -2 * (Math.log(0.1) + 0.5 * Math.log(2 * Math.PI));
  let compared = 0;
  for (let i = 0; i < result.niter; i++) {
    const truth = Math.log(Math.PI * 2 * 0.1 ** 2 * (norm - logL[i]!));
    if (truth > -1) continue;
    compared++;
    assert.ok(Math.abs(trace.logVolume[i]! - truth) < (4 * Math.sqrt(i + 1)) / nlive, `point ${i}: ln X ${trace.logVolume[i]} vs analytic ${truth}`);
  }
  assert.ok(compared > 300, `${compared} points compared`);
});

test('merged runs: seven threads whose dead points all come first shrink like one run of seven live points', () => {
  const run = (offset: number, nlive: number, niter: number) => {
    const logL = Array.from({ length: niter + nlive }, (_, i) => i + offset - (i >= niter ? 0 : 100));
    return { theta: logL.map((l) => [l]), logL, nlive, niter };
  };
  const merged = mergeNestedRuns([run(0, 3, 10), run(0.5, 4, 10)]);
  const trace = nestedRunTrace(merged.logL, merged.logWeight, merged.nlive);
  assertClose(trace.logVolume, staticLogVolumes(20, 7), 1e-9, 'ln X');
});

test('points of zero likelihood before the first finite one still shrink the volume by e^{−1/N}', () => {
  const logL = [-Infinity, -Infinity, -3, -2, -1, 0];
  const merged = mergeNestedRuns([{ theta: logL.map(() => [0]), logL, nlive: 2, niter: 4 }]);
  assertClose(nestedRunTrace(merged.logL, merged.logWeight, 2).logVolume, staticLogVolumes(4, 2), 1e-12, 'ln X');
});

test('points out of ln L order are refused (a reweighted subset is no nested run)', () => {
  assert.throws(() => nestedRunTrace([0, -1], [-1, -2], 1), /ascending ln L/);
});
