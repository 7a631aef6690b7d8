import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../lib/random.ts';
import { kolmogorovSurvival, ksPValue, ksStatisticUniform, simulationBasedCalibration, type SbcTrial } from '../../../lib/stats/index.ts';

test('Kolmogorov distribution: tabulated critical values', () => {
  // P(K > 1.3581) = 0.05, P(K > 1.6276) = 0.01, P(K > 1.2238) = 0.10 (Smirnov's table).
  assert.ok(Math.abs(kolmogorovSurvival(1.3581) - 0.05) < 1e-4);
  assert.ok(Math.abs(kolmogorovSurvival(1.6276) - 0.01) < 1e-4);
  assert.ok(Math.abs(kolmogorovSurvival(1.2238) - 0.1) < 1e-4);
  assert.equal(kolmogorovSurvival(0.1), 1);
});

test('KS statistic of an evenly spread set is 1/(2n)', () => {
  const n = 50;
  assert.ok(Math.abs(ksStatisticUniform(Array.from({ length: n }, (_, i) => (i + 0.5) / n)) - 1 / (2 * n)) < 1e-12);
  assert.ok(ksPValue(1 / (2 * n), n) > 0.999);
  assert.ok(ksPValue(0.5, n) < 1e-9);
});

/**
 * Conjugate model θ ~ N(0,1), x | θ ~ N(θ, s²): the posterior is N(x/(1+s²), s²/(1+s²)).
 * `shift` and `scale` distort the drawn posterior in units of its own sd.
 */
function conjugateTrials(count: number, draws: number, seed: number, shift = 0, scale = 1): SbcTrial[] {
  const rng = Rng.fromSeed(seed);
  const s2 = 0.25;
  const postSd = Math.sqrt(s2 / (1 + s2));
  return Array.from({ length: count }, () => {
    const theta = rng.normal();
    const x = theta + Math.sqrt(s2) * rng.normal();
    const mean = x / (1 + s2) + shift * postSd;
    return {
      truth: { theta },
      draws: { theta: Float64Array.from({ length: draws }, () => mean + scale * postSd * rng.normal()) },
    };
  });
}

test('SBC ranks are uniform for the exact posterior', () => {
  const [result] = simulationBasedCalibration(conjugateTrials(1000, 99, 1), ['theta']);
  assert.equal(result.maxRank, 99);
  assert.equal(result.ranks.length, 1000);
  // 1000 trials → 20 bins (a divisor of the 100 ranks), 50 expected per bin.
  assert.equal(result.histogram.length, 20);
  assert.deepEqual(result.expected, new Array(20).fill(50));
  assert.equal(result.histogram.reduce((s, c) => s + c, 0), 1000);
  assert.ok(result.ksPValue > 0.05, `p = ${result.ksPValue}`);
  // Each bin count ~ Binomial(1000, 0.05): sd 6.9, so all within 4 sd.
  for (const c of result.histogram) assert.ok(Math.abs(c - 50) < 4 * 6.9, `bin count ${c}`);
});

test('SBC flags a biased and an overconfident posterior', () => {
  const [biased] = simulationBasedCalibration(conjugateTrials(1000, 99, 2, 0.5), ['theta']);
  assert.ok(biased.ksPValue < 1e-6, `biased p = ${biased.ksPValue}`);
  // Posterior mean too high ⇒ most draws exceed the truth ⇒ low ranks pile up.
  assert.ok(biased.histogram[0] > 2 * biased.histogram[19]);
  const [narrow] = simulationBasedCalibration(conjugateTrials(1000, 99, 3, 0, 0.5), ['theta']);
  assert.ok(narrow.ksPValue < 1e-4, `overconfident p = ${narrow.ksPValue}`);
  // ∪ shape: both extreme bins far above the 50 expected.
  assert.ok(narrow.histogram[0] > 100 && narrow.histogram[19] > 100, `${narrow.histogram}`);
});

test('SBC rejects trials with unequal draw counts', () => {
  const trials = conjugateTrials(3, 10, 4);
  trials[1].draws.theta = new Float64Array(9);
  assert.throws(() => simulationBasedCalibration(trials, ['theta']), /trial 1 has 9 draws/);
});
