import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COMPARISON_METRICS, JOINT, comparePosteriors, type ComparisonRow } from '../../../lib/stats/index.ts';
import { gaussianBhattacharyya, normalDraws } from './gaussian.ts';

const N = 20_000;

function value(rows: ComparisonRow[], parameter: string, metric: string): number {
  const row = rows.find((r) => r.parameter === parameter && r.metric === metric);
  assert.ok(row, `no row ${parameter}/${metric}`);
  return row.value;
}

test('comparePosteriors: one row per parameter and metric, summary points at the disagreeing parameter', () => {
  // a agrees, b is shifted by 0.5σ, c is 1.2× wider in the other posterior.
  const ref = { samples: { a: normalDraws(N, 0, 1, 1), b: normalDraws(N, 3, 2, 2), c: normalDraws(N, -1, 0.5, 3) } };
  const other = { samples: { a: normalDraws(N, 0, 1, 4), b: normalDraws(N, 4, 2, 5), c: normalDraws(N, -1, 0.6, 6) } };
  const { rows, summary } = comparePosteriors(ref, other, { paramNames: ['a', 'b', 'c'], c2st: { seed: 1, maxSamplesPerClass: 500 } });

  // Per parameter every metric but the joint C2ST and the two resolution floors (off unless asked for).
  assert.equal(rows.length, 3 * (COMPARISON_METRICS.length - 3) + 1);
  const tol = 0.005; // ≥ bias + 4 sd of the binned BC at n = 20 000 (see divergence tests)
  assert.ok(Math.abs(value(rows, 'a', 'bhattacharyya') - 1) < tol);
  assert.ok(Math.abs(value(rows, 'b', 'bhattacharyya') - gaussianBhattacharyya(0, 1, 0.5, 1)) < tol);
  assert.ok(Math.abs(value(rows, 'c', 'bhattacharyya') - gaussianBhattacharyya(0, 1, 0, 1.2)) < tol);
  // Moments: sd of a mean estimate is σ/√n = 0.007σ, of an sd estimate σ/√(2n) = 0.005σ.
  assert.ok(Math.abs(value(rows, 'b', 'mean_shift') - 0.5) < 0.03);
  assert.ok(Math.abs(value(rows, 'a', 'mean_shift')) < 0.03);
  assert.ok(Math.abs(value(rows, 'c', 'sigma_ratio') - 1.2) < 0.03);
  assert.ok(Math.abs(value(rows, 'b', 'sd_ref') - 2) < 0.03 * 2);
  assert.ok(Math.abs(value(rows, 'b', 'mean_other') - 4) < 0.03 * 2);
  assert.ok(value(rows, 'b', 'jensen_shannon') > 10 * value(rows, 'a', 'jensen_shannon'));
  assert.ok(value(rows, 'b', 'ci95_overlap') < value(rows, 'a', 'ci95_overlap'));

  assert.equal(summary.worstParameter, 'b');
  assert.equal(summary.minBhattacharyya, value(rows, 'b', 'bhattacharyya'));
  const bcs = ['a', 'b', 'c'].map((p) => value(rows, p, 'bhattacharyya'));
  assert.ok(Math.abs(summary.meanBhattacharyya - bcs.reduce((s, v) => s + v) / 3) < 1e-15);
  assert.equal(summary.maxAbsMeanShift, Math.abs(value(rows, 'b', 'mean_shift')));
  assert.ok(Math.abs(summary.maxAbsLogSigmaRatio - Math.log(1.2)) < 0.03);
  assert.equal(summary.essRef, N);
  // A 0.5σ shift in one of three coordinates: Bayes-optimal accuracy Φ(0.25) = 0.599.
  assert.equal(summary.c2stAccuracy, value(rows, JOINT, 'c2st_accuracy'));
  assert.ok(summary.c2stAccuracy! > 0.54 && summary.c2stAccuracy! < 0.64, `c2st ${summary.c2stAccuracy}`);
});

test('comparePosteriors without C2ST, and a clear error for a missing column', () => {
  const ref = { samples: { a: normalDraws(500, 0, 1, 7) } };
  const { rows, summary } = comparePosteriors(ref, ref, { paramNames: ['a'], c2st: false });
  assert.equal(summary.c2stAccuracy, null);
  assert.ok(rows.every((r) => r.metric !== 'c2st_accuracy'));
  assert.equal(value(rows, 'a', 'bhattacharyya'), 1);
  assert.equal(value(rows, 'a', 'sigma_ratio'), 1);
  assert.throws(() => comparePosteriors(ref, { samples: { b: [1, 2] } }, { paramNames: ['a'] }), /other posterior has no column 'a' \(has b\)/);
});
