import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../lib/random.ts';
import {
  credibleInterval,
  kishEss,
  resampleIndices,
  summarize,
  weightedMean,
  weightedQuantiles,
  weightedSd,
} from '../../../lib/stats/index.ts';
import { normalPdf } from './gaussian.ts';

test('integer weights act like repeated samples', () => {
  const weighted = { values: [1, 4, 10], weights: [1, 2, 3] };
  const repeated = { values: [1, 4, 4, 10, 10, 10] };
  assert.equal(weightedMean(weighted), 39 / 6);
  assert.ok(Math.abs(weightedMean(weighted) - weightedMean(repeated)) < 1e-12);
  // Population variance of the repeated set is 11.8055…; the reliability correction uses 1 − Σw² = 1 − 14/36.
  const popVar = [1, 4, 4, 10, 10, 10].reduce((s, x) => s + (x - 39 / 6) ** 2, 0) / 6;
  assert.ok(Math.abs(weightedSd(weighted) - Math.sqrt(popVar / (1 - 14 / 36))) < 1e-12);
});

test('equal weights: n−1 sd and Hazen quantiles', () => {
  const sample = { values: [3, 1, 2, 5, 4] };
  assert.ok(Math.abs(weightedSd(sample) - Math.sqrt(2.5)) < 1e-12);
  // Hazen: the k-th smallest sits at (k − ½)/n, linear in between.
  assert.deepEqual(weightedQuantiles(sample, [0.1, 0.5, 0.9, 0.2, 0, 1]), [1, 3, 5, 1.5, 1, 5]);
});

test('Kish ESS', () => {
  assert.equal(kishEss(undefined, 7), 7);
  assert.equal(kishEss([2, 2, 2, 2]), 4);
  assert.equal(kishEss([1, 0, 0]), 1);
  assert.ok(Math.abs(kishEss([1, 1, 2, 2]) - 3.6) < 1e-12);
});

test('importance-weighted uniform draws reproduce N(0,1) moments and intervals', () => {
  // x ~ U(−8, 8) with weights φ(x) is a weighted sample of N(0, 1), as nested sampling output is.
  const rng = Rng.fromSeed(11);
  const n = 200_000;
  const values = Float64Array.from({ length: n }, () => -8 + 16 * rng.uniform());
  const weights = values.map((x) => normalPdf(x));
  const s = summarize({ values, weights });
  const ess = kishEss(weights);
  // ESS/n → (E φ)²/E φ² = (1/16)² / (1/(32√π)) = √π/8 ≈ 0.2216 for x ~ U(−8, 8).
  assert.ok(Math.abs(ess / n - Math.sqrt(Math.PI) / 8) < 0.005, `ESS ${ess}`);
  const tol = 5 / Math.sqrt(ess);
  assert.ok(Math.abs(s.mean) < tol, `mean ${s.mean}`);
  assert.ok(Math.abs(s.sd - 1) < tol, `sd ${s.sd}`);
  assert.ok(Math.abs(s.median) < tol, `median ${s.median}`);
  assert.ok(Math.abs(s.ci68[1] - 0.994457883) < 2 * tol && Math.abs(s.ci68[0] + 0.994457883) < 2 * tol, `ci68 ${s.ci68}`);
  const [lo, hi] = credibleInterval({ values, weights }, 0.95);
  assert.ok(Math.abs(hi - 1.959963985) < 3 * tol && Math.abs(lo + 1.959963985) < 3 * tol, `ci95 ${lo} ${hi}`);
});

test('validation errors name the problem', () => {
  assert.throws(() => weightedMean({ values: [1, 2], weights: [1] }), /length 1, samples 2/);
  assert.throws(() => weightedMean({ values: [1, 2], weights: [1, -1] }), /weight 1 is -1/);
  assert.throws(() => weightedMean({ values: [1, 2], weights: [0, 0] }), /sum to zero/);
});

test('systematic resampling is deterministic and follows the weights', () => {
  const weights = [1, 3, 0, 6];
  const a = resampleIndices(4, weights, 10_000, Rng.fromSeed(5));
  const b = resampleIndices(4, weights, 10_000, Rng.fromSeed(5));
  assert.deepEqual(a, b);
  const counts = [0, 0, 0, 0];
  for (const i of a) counts[i]++;
  // Systematic resampling puts ⌊N wᵢ⌋ or ⌈N wᵢ⌉ copies of each point.
  assert.deepEqual(counts, [1000, 3000, 0, 6000]);
  // Shuffled: the first tenth already holds every kept index in proportion.
  const head = Array.from(a.subarray(0, 1000));
  assert.ok(Math.abs(head.filter((i) => i === 3).length - 600) < 60);
});
