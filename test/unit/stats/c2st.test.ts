import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../lib/random.ts';
import { c2st, c2stSampleSets } from '../../../lib/stats/index.ts';
import { normalCdf, normalPdf } from './gaussian.ts';

/** n rows of a `dim`-variate unit Gaussian whose first coordinate is shifted by `shift`. */
function gaussianRows(n: number, dim: number, shift: number, seed: number): number[][] {
  const rng = Rng.fromSeed(seed);
  return Array.from({ length: n }, () => Array.from({ length: dim }, (_, j) => rng.normal() + (j === 0 ? shift : 0)));
}

// 2 × 1000 rows: the held-out accuracy over 2000 rows has sd √(0.25/2000) ≈ 0.011 at chance.
const SD_AT_CHANCE = Math.sqrt(0.25 / 2000);

test('C2ST ≈ 0.5 for two samples of one distribution', () => {
  const { accuracy, foldAccuracies, samplesPerClass } = c2st(gaussianRows(1000, 2, 0, 1), gaussianRows(1000, 2, 0, 2), { seed: 3 });
  assert.equal(samplesPerClass, 1000);
  assert.equal(foldAccuracies.length, 5);
  assert.ok(Math.abs(accuracy - 0.5) < 4 * SD_AT_CHANCE, `accuracy ${accuracy}`);
});

test('C2ST → 1 for disjoint distributions', () => {
  const { accuracy } = c2st(gaussianRows(500, 2, 0, 4), gaussianRows(500, 2, 12, 5), { seed: 6 });
  assert.ok(accuracy > 0.995, `accuracy ${accuracy}`);
});

test('C2ST approaches the Bayes-optimal accuracy Φ(Δ/2) for shifted Gaussians', () => {
  // Means Δ = 2 apart with identity covariance: the best possible classifier is right with probability Φ(1) = 0.8413.
  const bayes = normalCdf(1);
  const { accuracy } = c2st(gaussianRows(1000, 2, 0, 7), gaussianRows(1000, 2, 2, 8), { seed: 9 });
  // Sampling sd √(0.84·0.16/2000) ≈ 0.008 plus a small shortfall of a finite network.
  assert.ok(accuracy <= bayes + 3 * 0.008 && accuracy > bayes - 0.035, `accuracy ${accuracy} vs Φ(1) = ${bayes}`);
});

test('C2ST is deterministic for a seed', () => {
  const a = gaussianRows(300, 3, 0, 10);
  const b = gaussianRows(300, 3, 0.5, 11);
  assert.deepEqual(c2st(a, b, { seed: 12 }), c2st(a, b, { seed: 12 }));
});

test('weighted sample sets are resampled to at most their ESS', () => {
  // Reference N(0,1) as weighted uniform draws; other the same distribution unweighted: still ≈ 0.5.
  const rng = Rng.fromSeed(13);
  const x = Float64Array.from({ length: 8000 }, () => -6 + 12 * rng.uniform());
  const y = Float64Array.from({ length: 8000 }, () => -6 + 12 * rng.uniform());
  const weights = x.map((xi, i) => normalPdf(xi) * normalPdf(y[i]));
  const other = gaussianRows(3000, 2, 0, 14);
  const result = c2stSampleSets(
    { samples: { x, y }, weights },
    { samples: { x: other.map((r) => r[0]), y: other.map((r) => r[1]) } },
    ['x', 'y'],
    { seed: 15 },
  );
  // ESS/n = (E φφ)²/E (φφ)² = (1/144)² · 144·4π = 4π/144 for U(−6,6)²: ≈ 698 of 8000.
  assert.ok(Math.abs(result.samplesPerClass - 698) < 40, `${result.samplesPerClass}`);
  assert.ok(Math.abs(result.accuracy - 0.5) < 4 * Math.sqrt(0.25 / (2 * result.samplesPerClass)), `accuracy ${result.accuracy}`);
});
