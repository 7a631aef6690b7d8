import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../../lib/random.ts';
import { PARAMETERS } from '../../../pipelines/atmospheric-retrieval/constants.ts';
import { cachedForwardModel, cachedSpectrum, fullLogLikelihood } from '../../../pipelines/atmospheric-retrieval/retrieval.ts';
import { fold, foldedLogPrior, foldedPriorTransform, hasMirror, insidePrior, mirror, MIRRORED_PRIOR_FRACTION } from '../../../pipelines/atmospheric-retrieval/symmetry.ts';

const [GAMMA1, GAMMA2, ALPHA] = ['log_gamma1', 'log_gamma2', 'alpha'].map((n) => PARAMETERS.findIndex((p) => p.name === n)) as [number, number, number];
const boxDraw = (rng: Rng) => PARAMETERS.map((p) => p.low + (p.high - p.low) * rng.uniform());

test('a point and its mirror have the same likelihood on the real forward model and data (to 1e-12 relative)', () => {
  const data = cachedSpectrum();
  const logL = fullLogLikelihood(cachedForwardModel(), { depth: data.depth, error: data.error });
  const rng = Rng.fromSeed(11);
  const points: number[][] = [];
  while (points.length < 40) {
    const theta = boxDraw(rng);
    if (hasMirror(theta)) points.push(theta);
  }
  const a = logL(points);
  const b = logL(points.map(mirror));
  points.forEach((_, i) => assert.ok(Math.abs(a[i]! - b[i]!) <= 1e-12 * Math.abs(a[i]!), `point ${i}: ${a[i]} vs ${b[i]}`));
  // And the likelihood does change under a swap that is not the symmetry (γ swapped, α kept).
  const notMirror = points.map((t) => Object.assign([...t], { [GAMMA1]: t[GAMMA2]!, [GAMMA2]: t[GAMMA1]! }));
  assert.ok(logL(notMirror).some((l, i) => Math.abs(l - a[i]!) > 1e-3 * Math.abs(a[i]!)));
});

test('fold: the canonical copy (α ≥ ½ where a mirror exists), idempotent, inside the prior; points without a mirror untouched', () => {
  const rng = Rng.fromSeed(5);
  let folded = 0;
  let untouched = 0;
  for (let k = 0; k < 5000; k++) {
    const theta = boxDraw(rng);
    const f = fold(theta);
    assert.ok(insidePrior(f));
    assert.deepEqual(fold(f), f, 'idempotent');
    assert.ok(f[ALPHA]! >= 0.5 || !hasMirror(f), 'canonical');
    if (!hasMirror(theta)) {
      assert.deepEqual(f, theta, 'mirror outside the prior: untouched');
      untouched++;
    } else if (theta[ALPHA]! < 0.5) {
      assert.deepEqual(f, mirror(theta));
      folded++;
    } else assert.deepEqual(f, theta);
  }
  assert.ok(folded > 1000 && untouched > 1000, `${folded} folded, ${untouched} without a mirror`);
  // log γ1 = 1.5 lies outside log γ2's prior: that point's mirror does not exist, whatever α.
  const edge = PARAMETERS.map((p) => (p.low + p.high) / 2);
  edge[GAMMA1] = 1.5;
  edge[ALPHA] = 0.1;
  assert.deepEqual(fold(edge), edge);
  assert.ok(Math.abs(MIRRORED_PRIOR_FRACTION - 2.58 / 3.98) < 1e-12);
});

test('the folded prior transform draws what folding the box prior gives (same measure, so the same evidence)', () => {
  const rng = Rng.fromSeed(9);
  const n = 40000;
  const viaFold = Array.from({ length: n }, () => fold(boxDraw(rng)));
  const viaTransform = Array.from({ length: n }, () => foldedPriorTransform(PARAMETERS.map(() => rng.uniform())));
  viaTransform.forEach((t) => assert.deepEqual(fold(t), t, 'already canonical'));
  // Moments that folding changes: α's mean (0.75 where mirrored, 0.5 elsewhere), γ1's and γ2's spread.
  const mean = (rows: number[][], f: (t: number[]) => number) => rows.reduce((s, t) => s + f(t), 0) / rows.length;
  const checks: [string, (t: number[]) => number][] = [
    ['alpha', (t) => t[ALPHA]!],
    ['alpha²', (t) => t[ALPHA]! ** 2],
    ['mirrored', (t) => (hasMirror(t) ? 1 : 0)],
    ['log_gamma1²', (t) => t[GAMMA1]! ** 2],
    ['log_gamma2²', (t) => t[GAMMA2]! ** 2],
    ['alpha·mirrored', (t) => t[ALPHA]! * (hasMirror(t) ? 1 : 0)],
  ];
  for (const [name, f] of checks) {
    const [a, b] = [mean(viaFold, f), mean(viaTransform, f)];
    assert.ok(Math.abs(a - b) < 0.02 * Math.max(1, Math.abs(a)), `${name}: ${a} vs ${b}`);
  }
  assert.ok(Math.abs(mean(viaTransform, (t) => (hasMirror(t) ? 1 : 0)) - MIRRORED_PRIOR_FRACTION) < 0.01);
});

test('foldedLogPrior is the density foldedPriorTransform samples: it integrates to 1 over the box and is 0 off D', () => {
  const rng = Rng.fromSeed(17);
  const box = () => PARAMETERS.map((p) => p.low + (p.high - p.low) * rng.uniform());
  const logBox = -PARAMETERS.reduce((s, p) => s + Math.log(p.high - p.low), 0);
  // E_box[π_D / π_box] = ∫ π_D = 1 (standard error ~0.005 at 40 000 draws).
  let sum = 0;
  const n = 40_000;
  for (let i = 0; i < n; i++) {
    const l = foldedLogPrior(box());
    if (l > -Infinity) sum += Math.exp(l - logBox);
  }
  assert.ok(Math.abs(sum / n - 1) < 0.02, `∫ π_D = ${sum / n}`);
  for (let i = 0; i < 200; i++) {
    const theta = foldedPriorTransform(PARAMETERS.map(() => rng.uniform()));
    assert.ok(foldedLogPrior(theta) > -Infinity, 'every folded-prior draw lies in D');
    if (hasMirror(theta) && theta[ALPHA] !== 0.5) assert.equal(foldedLogPrior(mirror(theta)), -Infinity, 'its mirror copy is outside D');
  }
});
