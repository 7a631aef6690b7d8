/**
 * The ensemble sampler against a known correlated Gaussian, the autocorrelation estimator against
 * an AR(1) process with an exact τ, and R-hat across independent runs.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../../lib/random.ts';
import { EnsembleSampler, burnInAndThin, gelmanRubin, integratedAutocorrTime, type LogDensityProblem } from '../../../lib/sampling/index.ts';
import { cholesky, forwardSolve } from '../../../lib/sampling/linalg.ts';

const mean = [1, -2, 0.5];
const cov = [
  [1.0, 0.6, 0.2],
  [0.6, 2.0, -0.3],
  [0.2, -0.3, 0.5],
];
const d = 3;
const chol = cholesky(Float64Array.from(cov.flat()), d)!;

const gaussian: LogDensityProblem = {
  ndim: d,
  logProb: (batch) =>
    batch.map((x) => {
      const y = forwardSolve(chol, x.map((v, k) => v - mean[k]), d, new Float64Array(d));
      return -0.5 * (y[0] * y[0] + y[1] * y[1] + y[2] * y[2]);
    }),
};

function startingBall(seed: number, walkers: number): number[][] {
  const rng = Rng.fromSeed(seed);
  return Array.from({ length: walkers }, () => Array.from({ length: d }, () => 0.1 * rng.normal()));
}

async function sample(seed: number, steps = 4000) {
  const sampler = new EnsembleSampler(gaussian, startingBall(seed + 100, 32), { seed });
  await sampler.run(steps);
  const { tau, reliable } = sampler.autocorrTime({ discard: 500 });
  const { discard, thin } = burnInAndThin(tau);
  return { sampler, tau, reliable, draws: sampler.flatChain({ discard: Math.max(discard, 500), thin }) };
}

describe('ensemble MCMC (stretch move) on a correlated 3-D Gaussian', () => {
  it('recovers the mean and covariance; τ is sensible and well measured', async () => {
    const { sampler, tau, reliable, draws } = await sample(1);
    assert.ok(reliable, `chain shorter than 50 τ: τ = ${tau}`);
    for (const t of tau) assert.ok(t > 3 && t < 80, `τ = ${t}`);
    const acceptance = sampler.acceptanceFraction.reduce((a, b) => a + b, 0) / 32;
    assert.ok(acceptance > 0.3 && acceptance < 0.8, `acceptance ${acceptance}`);

    const n = draws.length;
    const m = [0, 1, 2].map((k) => draws.reduce((s, x) => s + x[k], 0) / n);
    for (let k = 0; k < d; k++) {
      // Thinned by ~τ/2, so draws are roughly independent up to a factor ~2.
      const tolerance = 5 * Math.sqrt((2 * cov[k][k]) / n);
      assert.ok(Math.abs(m[k] - mean[k]) < tolerance, `mean[${k}] = ${m[k]} vs ${mean[k]} ± ${tolerance}`);
    }
    for (let a = 0; a < d; a++) {
      for (let b = 0; b <= a; b++) {
        const c = draws.reduce((s, x) => s + (x[a] - m[a]) * (x[b] - m[b]), 0) / (n - 1);
        const scale = Math.sqrt(cov[a][a] * cov[b][b]);
        assert.ok(Math.abs(c - cov[a][b]) < 0.08 * scale, `cov[${a}][${b}] = ${c} vs ${cov[a][b]}`);
      }
    }
  });

  it('R-hat across four independent runs is below 1.01', async () => {
    const runs = await Promise.all([11, 12, 13, 14].map((seed) => sample(seed)));
    const rhat = gelmanRubin(runs.map((r) => r.draws));
    for (const r of rhat) assert.ok(r > 0.99 && r < 1.01, `R-hat ${rhat}`);
  });

  it('R-hat flags runs that disagree', () => {
    const rng = Rng.fromSeed(6);
    const chains = [0, 0, 1].map((shift) => Array.from({ length: 2000 }, () => [shift + rng.normal()]));
    assert.ok(gelmanRubin(chains)[0] > 1.1);
  });

  it('pause, checkpoint through JSON, restore, continue = uninterrupted chain', async () => {
    const reference = new EnsembleSampler(gaussian, startingBall(7, 16), { seed: 7 });
    await reference.run(300);
    let sampler = new EnsembleSampler(gaussian, startingBall(7, 16), { seed: 7 });
    while (!(await sampler.run(300, { shouldStop: () => sampler.step % 70 === 69 })).finished) {
      await sampler.run(sampler.step + 1); // step past the pause point
      sampler = EnsembleSampler.restore(gaussian, JSON.parse(JSON.stringify(sampler.checkpoint())));
    }
    assert.deepEqual(sampler.chain(), reference.chain());
    assert.deepEqual(sampler.chainLogProb(), reference.chainLogProb());
    assert.deepEqual(sampler.acceptanceFraction, reference.acceptanceFraction);
  });

  it('refuses walkers that start outside the support', async () => {
    const bounded: LogDensityProblem = { ndim: 1, logProb: (batch) => batch.map(([x]) => (x > 0 ? 0 : -Infinity)) };
    const sampler = new EnsembleSampler(bounded, [[1], [-1]], { seed: 1 });
    await assert.rejects(sampler.run(1), /walker 1 starts where ln p = -Infinity/);
  });
});

describe('integrated autocorrelation time', () => {
  it('AR(1) with φ = 0.9 has τ = (1 + φ)/(1 − φ) = 19', () => {
    const rng = Rng.fromSeed(8);
    const phi = 0.9;
    const walkers = 16;
    const steps = 50000;
    const chain: number[][][] = [];
    const x = new Array(walkers).fill(0);
    for (let s = 0; s < steps; s++) {
      for (let w = 0; w < walkers; w++) x[w] = phi * x[w] + Math.sqrt(1 - phi * phi) * rng.normal();
      chain.push(x.map((v) => [v]));
    }
    const { tau, reliable } = integratedAutocorrTime(chain);
    assert.ok(reliable);
    assert.ok(Math.abs(tau[0] - 19) < 1.5, `τ = ${tau[0]}`);
  });

  it('one AR(1) chain with φ = 0.7: ESS = n/τ with τ = 17/3, not the draw count', () => {
    const rng = Rng.fromSeed(10);
    const phi = 0.7;
    const steps = 40000;
    let x = 0;
    const chain = Array.from({ length: steps }, () => [[(x = phi * x + Math.sqrt(1 - phi * phi) * rng.normal())]]);
    const { ess } = integratedAutocorrTime(chain);
    const expected = steps / ((1 + phi) / (1 - phi));
    assert.ok(Math.abs(ess[0] / expected - 1) < 0.15, `ESS = ${ess[0]}, expected ${expected}`);
  });

  it('white noise has τ ≈ 1', () => {
    const rng = Rng.fromSeed(9);
    const chain = Array.from({ length: 20000 }, () => [[rng.normal()]]);
    const { tau } = integratedAutocorrTime(chain);
    assert.ok(Math.abs(tau[0] - 1) < 0.1, `τ = ${tau[0]}`);
  });
});
