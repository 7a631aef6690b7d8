import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../lib/random.ts';
import {
  bhattacharyya,
  bhattacharyyaKde,
  histogramBinCount,
  intervalOverlap,
  jensenShannon,
  silvermanBandwidth,
} from '../../../lib/stats/index.ts';
import { gaussianBhattacharyya, normalDraws, normalPdf } from './gaussian.ts';

const N = 40_000;
const BINS = histogramBinCount(N);

/**
 * Tolerance for the binned BC of two n-draw samples: the counting-noise bias B/(4n) plus four
 * standard deviations of the estimator, √((1 − BC²)/(2n)) to first order (delta method).
 */
function bcTolerance(bc: number, n: number): number {
  return BINS / (4 * n) + 4 * Math.sqrt((1 - bc * bc) / (2 * n));
}

for (const { name, mean, sd, expected } of [
  { name: '0.2σ shift', mean: 0.2, sd: 1, expected: 0.995 },
  { name: '0.5σ shift', mean: 0.5, sd: 1, expected: 0.9692 },
  { name: 'width ratio 1.2', mean: 0, sd: 1.2, expected: 0.9918 },
]) {
  test(`histogram BC of unit Gaussians, ${name}: ${expected}`, () => {
    const closed = gaussianBhattacharyya(0, 1, mean, sd);
    assert.ok(Math.abs(closed - expected) < 5e-5, `closed form ${closed}`);
    const bc = bhattacharyya({ values: normalDraws(N, 0, 1, 1) }, { values: normalDraws(N, mean, sd, 2) });
    assert.ok(Math.abs(bc - closed) < bcTolerance(closed, N), `BC ${bc} vs ${closed} ± ${bcTolerance(closed, N)}`);
  });

  test(`KDE BC of unit Gaussians, ${name}: closed form with σ² + h²`, () => {
    const a = { values: normalDraws(N, 0, 1, 3) };
    const b = { values: normalDraws(N, mean, sd, 4) };
    // A Gaussian KDE's expectation is the density convolved with N(0, h²).
    const closed = gaussianBhattacharyya(0, Math.hypot(1, silvermanBandwidth(a)), mean, Math.hypot(sd, silvermanBandwidth(b)));
    const bc = bhattacharyyaKde(a, b);
    assert.ok(Math.abs(bc - closed) < bcTolerance(closed, N), `BC ${bc} vs ${closed}`);
  });
}

test('BC tells a 0.2σ shift from a 0.3σ shift', () => {
  // Guards against a tolerance so loose that the closed-form tests could not fail.
  const bc = bhattacharyya({ values: normalDraws(N, 0, 1, 5) }, { values: normalDraws(N, 0.3, 1, 6) });
  const closed02 = gaussianBhattacharyya(0, 1, 0.2, 1);
  assert.ok(Math.abs(bc - closed02) > bcTolerance(closed02, N), `BC ${bc}`);
});

test('importance-weighted reference gives the same BC as an unweighted one', () => {
  // Reference N(0,1) as uniform draws weighted by φ (nested-sampling-like), other N(0.5,1) unweighted.
  const rng = Rng.fromSeed(9);
  const values = Float64Array.from({ length: 4 * N }, () => -7 + 14 * rng.uniform());
  const weights = values.map((x) => normalPdf(x));
  const closed = gaussianBhattacharyya(0, 1, 0.5, 1);
  const ess = (4 * N * Math.sqrt(Math.PI)) / 7 / 2; // √π/(2·7)·n for U(−7, 7)
  const bc = bhattacharyya({ values, weights }, { values: normalDraws(N, 0.5, 1, 10) });
  assert.ok(Math.abs(bc - closed) < bcTolerance(closed, Math.min(ess, N)), `BC ${bc} vs ${closed}`);
});

test('BC is 0 for disjoint and ≈1 for identical distributions', () => {
  const a = { values: normalDraws(N, 0, 1, 11) };
  assert.equal(bhattacharyya(a, { values: normalDraws(N, 20, 1, 12) }), 0);
  assert.ok(bhattacharyya(a, a) > 1 - 1e-12);
});

/** JSD in bits between N(0,1) and N(d,1) by the trapezoid rule on [−12, 12 + d]. */
function gaussianJsdBits(d: number): number {
  const step = 1e-3;
  let sum = 0;
  for (let x = -12; x <= 12 + d; x += step) {
    const p = normalPdf(x);
    const q = normalPdf(x, d);
    const m = (p + q) / 2;
    if (p > 0) sum += 0.5 * p * Math.log2(p / m);
    if (q > 0) sum += 0.5 * q * Math.log2(q / m);
  }
  return sum * step;
}

test('JSD of unit Gaussians matches numerical quadrature', () => {
  for (const [d, seed] of [[0.5, 13], [1, 15], [2, 17]]) {
    const reference = gaussianJsdBits(d);
    const jsd = jensenShannon({ values: normalDraws(N, 0, 1, seed) }, { values: normalDraws(N, d, 1, seed + 1) });
    // Counting-noise bias B/(4n ln 2) bits plus 4 sd of the estimator, √(JSD·ln2/n)/ln2 bits (delta method).
    const tol = BINS / (4 * N * Math.LN2) + 4 * Math.sqrt((reference * Math.LN2) / N) / Math.LN2;
    assert.ok(Math.abs(jsd - reference) < tol, `d=${d}: JSD ${jsd} vs ${reference} ± ${tol}`);
  }
  // The quadrature itself against the small-shift limit JSD → d²·I/8 nats (Fisher information I = 1).
  const small = gaussianJsdBits(0.05);
  assert.ok(Math.abs(small / (0.05 ** 2 / (8 * Math.LN2)) - 1) < 1e-3, `${small}`);
  assert.ok(Math.abs(jensenShannon({ values: normalDraws(1000, 0, 1, 19) }, { values: normalDraws(1000, 30, 1, 20) }) - 1) < 1e-12);
});

test('credible-interval overlap of unit Gaussians: (2z − d)/(2z + d)', () => {
  const a = { values: normalDraws(N, 0, 1, 21) };
  const b = { values: normalDraws(N, 0.5, 1, 22) };
  for (const [mass, z] of [[0.68, 0.994457883], [0.95, 1.959963985]]) {
    const closed = (2 * z - 0.5) / (2 * z + 0.5);
    // Each quantile's sd is √(p(1−p)/n)/φ(z) ≈ 0.01 here; the ratio moves by < 1/(2z) per unit of endpoint error.
    assert.ok(Math.abs(intervalOverlap(a, b, mass) - closed) < 0.03, `${mass}: ${intervalOverlap(a, b, mass)} vs ${closed}`);
  }
  assert.equal(intervalOverlap(a, { values: normalDraws(N, 10, 1, 23) }, 0.95), 0);
});
