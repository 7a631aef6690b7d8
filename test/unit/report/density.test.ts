import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../lib/random.ts';
import { credibleContours, density1d, marchingSquares, massLevel, scatterIndices } from '../../../lib/report/density.ts';
import { silvermanBandwidth } from '../../../lib/stats/index.ts';

test('marching squares traces a closed circle of the right radius', () => {
  // f = −(x² + y²) on a 41² lattice centred at (20, 20); the level −100 is the circle of radius 10.
  const size = 41;
  const grid = new Float64Array(size * size);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) grid[y * size + x] = -((x - 20) ** 2 + (y - 20) ** 2);
  const lines = marchingSquares(grid, size, -100);
  assert.equal(lines.length, 1);
  const [line] = lines;
  assert.deepEqual(line[0], line[line.length - 1], 'closed');
  for (const [x, y] of line) {
    // Linear interpolation of a quadratic along a unit edge errs by at most 1/(8r) ≈ 0.0125 in radius … plus ~0.02 between axes.
    assert.ok(Math.abs(Math.hypot(x - 20, y - 20) - 10) < 0.05, `${x},${y}`);
  }
});

test('HPD contours of a 2-D standard normal enclose 68 % and 95 %: radii √(−2 ln(1−m))', () => {
  const rng = Rng.fromSeed(2);
  const n = 40_000;
  const x = Float64Array.from({ length: n }, () => rng.normal());
  const y = Float64Array.from({ length: n }, () => rng.normal());
  const lines = credibleContours(x, y, undefined, [-4, 4], [-4, 4]);
  assert.deepEqual([...new Set(lines.map((l) => l.mass))], [0.68, 0.95]);
  // Smoothing with Scott's h = n^{−1/6} and 1/6-wide bins widens σ² to 1 + h² + Δ²/12.
  const widening = Math.sqrt(1 + n ** (-1 / 3) + (8 / 48) ** 2 / 12);
  for (const mass of [0.68, 0.95]) {
    const line = lines.filter((l) => l.mass === mass);
    assert.equal(line.length, 1, `one contour at ${mass}`);
    const radii = line[0].x.map((xi, i) => Math.hypot(xi, line[0].y[i]));
    const expected = Math.sqrt(-2 * Math.log(1 - mass)) * widening;
    const mean = radii.reduce((s, r) => s + r, 0) / radii.length;
    assert.ok(Math.abs(mean / expected - 1) < 0.015, `${mass}: mean radius ${mean} vs ${expected}`);
    assert.ok(radii.every((r) => Math.abs(r / expected - 1) < 0.06), `${mass}: radii ${Math.min(...radii)}…${Math.max(...radii)}`);
  }
});

test('massLevel: the cells at or above the level hold the requested mass', () => {
  const grid = Float64Array.from([5, 1, 3, 0, 1]);
  assert.equal(massLevel(grid, 0.5), 5); // the top cell alone holds half of the total 10
  assert.equal(massLevel(grid, 0.6), 3); // 5 + 3 = 8 ≥ 6
  assert.equal(massLevel(grid, 0.9), 1);
});

test('1-D density: unit mass and the peak of N(0, 1 + h²)', () => {
  const rng = Rng.fromSeed(3);
  const sample = { values: Float64Array.from({ length: 20_000 }, () => rng.normal()) };
  const { x, y } = density1d(sample, [-6, 6], 241);
  const step = x[1] - x[0];
  const integral = y.reduce((s, v) => s + v, 0) * step;
  assert.ok(Math.abs(integral - 1) < 2e-3, `∫ = ${integral}`);
  const h = silvermanBandwidth(sample);
  const peak = 1 / Math.sqrt(2 * Math.PI * (1 + h * h));
  // The peak of a KDE fluctuates by ~ √(φ(0)/(2√π n h)) ≈ 0.004 here.
  assert.ok(Math.abs(y[120] - peak) < 0.012, `p(0) = ${y[120]} vs ${peak}`);
});

test('scatter subsamples are deterministic, bounded and keep small unweighted sets whole', () => {
  assert.deepEqual(Array.from(scatterIndices(5, undefined, 10, 1)), [0, 1, 2, 3, 4]);
  const weights = Float64Array.from({ length: 10_000 }, (_, i) => (i % 2 ? 1 : 0));
  const a = scatterIndices(10_000, weights, 300, 7);
  assert.equal(a.length, 300);
  assert.deepEqual(a, scatterIndices(10_000, weights, 300, 7));
  assert.ok(Array.from(a).every((i) => i % 2 === 1), 'zero-weight draws are never shown');
  assert.notDeepEqual(a, scatterIndices(10_000, weights, 300, 8));
});
