import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../../lib/random.ts';
import { PARAMETERS } from '../../../pipelines/atmospheric-retrieval/constants.ts';
import { posteriorCovariance, posteriorTrainingThetas } from '../../../pipelines/atmospheric-retrieval/refinement.ts';
import { fold, insidePrior, mirror } from '../../../pipelines/atmospheric-retrieval/symmetry.ts';

const ALPHA = PARAMETERS.findIndex((p) => p.name === 'alpha');
const centre = PARAMETERS.map((p) => (p.low + 3 * p.high) / 4); // α ≈ 0.75, log γ1 ≈ 1: canonical, mirror inside
const sd = PARAMETERS.map((p) => 0.02 * (p.high - p.low));

/** A Gaussian cloud of canonical points with unit weights, plus a far point of zero weight (a run's early dead point). */
function run(rng: Rng) {
  const thetas = Array.from({ length: 3000 }, () => centre.map((m, i) => m + sd[i]! * rng.normal()));
  const far = PARAMETERS.map((p) => p.low + 0.1 * (p.high - p.low));
  return { thetas: [...thetas, far], weights: [...thetas.map(() => 1), 0], far };
}

test('posterior covariance: the weighted covariance, zero-weight points ignored', () => {
  const rng = Rng.fromSeed(1);
  const { thetas, weights } = run(rng);
  const cov = posteriorCovariance({ thetas, weights });
  cov.forEach((row, i) => assert.ok(Math.abs(Math.sqrt(row[i]!) / sd[i]! - 1) < 0.06, `sd ${i}`));
  assert.ok(Math.abs(cov[0]![1]!) < 0.1 * sd[0]! * sd[1]!, 'uncorrelated');
});

test('posterior-trained set: weighted samples plus N(0, j² Σ) jitter, folded, inside the prior', () => {
  const rng = Rng.fromSeed(2);
  const r = run(rng);
  const jitter = 0.5;
  const rows = posteriorTrainingThetas(r, 4000, jitter, Rng.fromSeed(3));
  assert.equal(rows.length, 4000);
  rows.forEach((t) => {
    assert.ok(insidePrior(t));
    assert.deepEqual(fold(t), t, 'folded');
  });
  // The zero-weight point is never a centre; each coordinate spreads as √(1 + j²) σ.
  const near = (t: number[], p: number[]) => t.every((x, i) => Math.abs(x - p[i]!) < 4 * sd[i]!);
  assert.ok(rows.every((t) => !near(t, r.far)));
  PARAMETERS.forEach((_, i) => {
    const m = rows.reduce((s, t) => s + t[i]!, 0) / rows.length;
    const s = Math.sqrt(rows.reduce((a, t) => a + (t[i]! - m) ** 2, 0) / rows.length);
    assert.ok(Math.abs(s / (sd[i]! * Math.sqrt(1 + jitter * jitter)) - 1) < 0.08, `spread of ${PARAMETERS[i]!.name}: ${s}`);
  });
  // Same seed, same rows.
  assert.deepEqual(posteriorTrainingThetas(r, 4000, jitter, Rng.fromSeed(3)), rows);
});

test('posterior-trained set: a jitter across α = ½ lands on the canonical copy, mirrored back', () => {
  // Canonical samples just above the fold line α = ½: jitter takes many below it, where fold mirrors them.
  const rng = Rng.fromSeed(6);
  const thetas = Array.from({ length: 300 }, () => centre.map((x, i) => (i === ALPHA ? 0.5 + 0.02 * rng.uniform() : x + 1e-4 * rng.normal())));
  const rows = posteriorTrainingThetas({ thetas, weights: thetas.map(() => 1) }, 1000, 2, Rng.fromSeed(7));
  const [g1, g2] = [centre[1]!, centre[2]!];
  const mirrored = rows.filter((t) => Math.abs(t[1]! - g2) < 0.01 && Math.abs(t[2]! - g1) < 0.01).length;
  const kept = rows.filter((t) => Math.abs(t[1]! - g1) < 0.01 && Math.abs(t[2]! - g2) < 0.01).length;
  assert.ok(rows.every((t) => t[ALPHA]! >= 0.5));
  assert.equal(mirrored + kept, rows.length);
  assert.ok(mirrored > 150 && kept > 150, `${mirrored} rows mirrored back (γ1 and γ2 swapped), ${kept} kept`);
  assert.deepEqual(fold(mirror(rows[0]!)), rows[0]);
});
