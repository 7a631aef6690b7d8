import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../../lib/random.ts';
import { comparePosteriors, histogramBinCount } from '../../../lib/stats/index.ts';
import { bhattacharyyaFloor } from '../../../lib/stats/resolution.ts';
import { normalDraws } from './gaussian.ts';

test('BC floor: two samples of one distribution read ≈ 1 − B/(4·ESS) on the histogram, → 1 as the ESS grows', () => {
  const reference = { values: normalDraws(20_000, 0, 1, 1) };
  for (const ess of [200, 2000]) {
    const floor = bhattacharyyaFloor(reference, ess, ess, Rng.fromSeed(2), { repeats: 32 });
    const bins = histogramBinCount(ess);
    // Counting noise: each sample's bins lose ≈ B/(8·ESS); the two together ≈ B/(4·ESS).
    assert.ok(Math.abs(1 - floor.histogram - bins / (4 * ess)) < 0.35 * (bins / (4 * ess)), `ESS ${ess}: floor ${floor.histogram}, bins ${bins}`);
    assert.ok(floor.kde < 1 && floor.kde > 0.97, `KDE floor ${floor.kde}`);
  }
  // Weighted samples: drawn by weight, so a sample carrying its mass on half the points behaves like that half.
  const values = normalDraws(4000, 0, 1, 3);
  const weights = Array.from(values, (_, i) => (i % 2 ? 1 : 0));
  const weighted = bhattacharyyaFloor({ values, weights }, 500, 500, Rng.fromSeed(4));
  assert.ok(weighted.histogram < 1 && weighted.histogram > 0.97);
});

test('comparePosteriors with resolution: floor rows per parameter and their mean / min in the summary', () => {
  const a = { samples: { x: normalDraws(800, 0, 1, 5), y: normalDraws(800, 0, 1, 6) } };
  const b = { samples: { x: normalDraws(300, 0, 1, 7), y: normalDraws(300, 0.1, 1, 8) } };
  const { rows, summary } = comparePosteriors(a, b, { paramNames: ['x', 'y'], c2st: false, resolution: { seed: 9 } });
  const floors = ['x', 'y'].map((p) => rows.find((r) => r.parameter === p && r.metric === 'bhattacharyya_floor')!.value);
  assert.ok(floors.every((f) => f > 0.95 && f < 1));
  assert.equal(summary.minBhattacharyyaFloor, Math.min(...floors));
  assert.ok(rows.some((r) => r.metric === 'bhattacharyya_kde_floor'));
  // The measured BC of two samples of one distribution sits at its floor, within the floor's own noise.
  assert.ok(Math.abs(rows.find((r) => r.parameter === 'x' && r.metric === 'bhattacharyya')!.value - floors[0]!) < 0.02);
  assert.equal(comparePosteriors(a, b, { paramNames: ['x'], c2st: false }).summary.meanBhattacharyyaFloor, null);
});
