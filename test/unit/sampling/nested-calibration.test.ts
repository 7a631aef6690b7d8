/**
 * Calibration of the reported uncertainty: over many seeds, z = (ln Z − truth)/σ(ln Z) must look
 * like a standard normal — mean near 0 (no bias) and spread near 1 (σ = √(H/N) is honest).
 * Cheap settings (100 live points) keep 40 runs to a few seconds.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NestedSampler, type NestedSamplerOptions } from '../../../lib/sampling/index.ts';
import { correlatedGaussian, type ReferenceProblem } from '../../../lib/sampling/reference-problems.ts';
import { meanAndSd } from './helpers.ts';

async function zScores(problem: ReferenceProblem, seeds: number, options: NestedSamplerOptions): Promise<number[]> {
  const z: number[] = [];
  for (let seed = 1; seed <= seeds; seed++) {
    const sampler = new NestedSampler(problem, { ...options, seed });
    await sampler.run();
    const { logZ, logZerr } = sampler.result();
    z.push((logZ - problem.truth) / logZerr);
  }
  return z;
}

describe('nested sampling: calibration over seeds (correlated Gaussian d = 3, ln Z = −3 ln 20)', () => {
  it('uniform proposals in multi-ellipsoids, 40 seeds: |mean z| < 0.5, sd(z) in [0.6, 1.6]', async () => {
    const { mean, sd } = meanAndSd(await zScores(correlatedGaussian(), 40, { nlive: 100 }));
    assert.ok(Math.abs(mean) < 0.5, `mean z = ${mean.toFixed(3)}`);
    assert.ok(sd >= 0.6 && sd <= 1.6, `sd z = ${sd.toFixed(3)}`);
  });

  it('slice proposals, 20 seeds: |mean z| < 0.5, sd(z) in [0.6, 1.6]', async () => {
    const { mean, sd } = meanAndSd(await zScores(correlatedGaussian(), 20, { nlive: 100, proposal: 'slice' }));
    assert.ok(Math.abs(mean) < 0.5, `mean z = ${mean.toFixed(3)}`);
    assert.ok(sd >= 0.6 && sd <= 1.6, `sd z = ${sd.toFixed(3)}`);
  });

  it('differential slice directions, 20 seeds: |mean z| < 0.5, sd(z) in [0.6, 1.6]', async () => {
    const { mean, sd } = meanAndSd(await zScores(correlatedGaussian(), 20, { nlive: 100, proposal: 'slice', whitening: 'differential' }));
    assert.ok(Math.abs(mean) < 0.5, `mean z = ${mean.toFixed(3)}`);
    assert.ok(sd >= 0.6 && sd <= 1.6, `sd z = ${sd.toFixed(3)}`);
  });
});
