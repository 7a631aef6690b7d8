/**
 * Degenerate problems end the sampler with a DegenerateLikelihoodError (a user error: never
 * retried) instead of spinning: a constant likelihood (e.g. data with no rows), a plateau that
 * swallows every live point, and a contour no proposal can beat within the call budget.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UserError } from '../../../lib/engine/errors.ts';
import { DegenerateLikelihoodError, NestedSampler, type NestedProblem } from '../../../lib/sampling/index.ts';

const box = (d: number, logLikelihood: NestedProblem['logLikelihood']): NestedProblem => ({ ndim: d, priorTransform: (u) => u, logLikelihood });

async function failure(problem: NestedProblem, options: ConstructorParameters<typeof NestedSampler>[1]): Promise<Error> {
  const sampler = new NestedSampler(problem, options);
  const error = await sampler.run().then(
    () => undefined,
    (e: Error) => e,
  );
  assert.ok(error, 'the sampler must fail');
  return error;
}

describe('nested sampling: degenerate likelihoods fail fast and clearly', () => {
  it('a constant likelihood (no observations) is refused at the first live points', async () => {
    let calls = 0;
    const e = await failure(box(3, (b) => ((calls += b.length), b.map(() => 0))), { nlive: 50, seed: 3 });
    assert.ok(e instanceof DegenerateLikelihoodError && e instanceof UserError);
    assert.match(e.message, /the same \(0\) at all 50 initial live points/);
    assert.equal(calls, 50, 'nothing beyond the initial live points was evaluated');
  });

  for (const proposal of ['uniform', 'slice'] as const) {
    it(`a plateau that takes every live point ends the run (${proposal} proposals)`, async () => {
      // ln L = −|x|² capped at −0.01: after a while every live point sits on the cap.
      const capped = box(2, (b) => b.map((x) => Math.min(-0.01, -((x[0]! - 0.5) ** 2 + (x[1]! - 0.5) ** 2))));
      const e = await failure(capped, { nlive: 20, seed: 5, proposal, dlogz: 1e-12 });
      assert.ok(e instanceof DegenerateLikelihoodError);
      assert.match(e.message, /every live point has ln L = -0\.01: the likelihood is flat/);
    });
  }

  it('a contour no proposal can beat within maxCallsPerIteration calls ends the run', async () => {
    // A narrow Gaussian: the uniform proposals' acceptance soon drops below 1 in 50, past the budget.
    const narrow = box(3, (b) => b.map((x) => -x.reduce((s, v) => s + ((v - 0.5) / 0.01) ** 2, 0) / 2));
    const e = await failure(narrow, { nlive: 20, seed: 9, proposal: 'uniform', bound: 'none', maxCallsPerIteration: 50 });
    assert.ok(e instanceof DegenerateLikelihoodError);
    assert.match(e.message, /no point above ln L\* = -?[\d.e+-]+ after \d+ likelihood calls \(iteration \d+\)/);
  });
});

describe('nested sampling: an aborted run stops inside its iteration', () => {
  it('a contour nothing beats, with no call budget to end it: the signal ends run() with its reason', async () => {
    // After the initial live points nothing beats the worst one, and the budget is out of reach: the
    // iteration would go on for 1e12 calls. The abort lands while it is still searching.
    let calls = 0;
    const hopeless = box(2, (b) => b.map(() => (++calls <= 30 ? -calls : -1e300)));
    const sampler = new NestedSampler(hopeless, { nlive: 30, seed: 2, proposal: 'uniform', maxCallsPerIteration: 1e12 });
    const controller = new AbortController();
    const reason = new Error('cancelled by the user');
    setTimeout(() => controller.abort(reason), 50);
    const error = await sampler.run({ signal: controller.signal }).then(() => undefined, (e: unknown) => e);
    assert.equal(error, reason);
    assert.ok(calls > 30, 'the abort arrived while the iteration was searching');
  });
});
