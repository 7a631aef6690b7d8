import { test } from 'node:test';
import assert from 'node:assert/strict';
import { selectBackend } from '../../../lib/nn/backend.ts';
import { fitHeteroscedasticEnsemble, HeteroscedasticEnsemble, type EnsembleCheckpoint } from '../../../lib/nn/heteroscedastic.ts';
import type { Matrix } from '../../../lib/nn/matrix.ts';
import { Rng } from '../../../lib/random.ts';
import { scoreForecasts } from '../../../pipelines/rocket-instability/metrics.ts';

await selectBackend({ env: {} });

/** y = sin(x₁) + (0.1 + 0.05 x₁²) ε; x₂ is an irrelevant input. */
const noiseSd = (x1: number) => 0.1 + 0.05 * x1 * x1;
function draw(rng: Rng, n: number): { inputs: Matrix; targets: Float64Array } {
  const data = new Float32Array(2 * n);
  const targets = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x1 = -3 + 6 * rng.uniform();
    data[2 * i] = x1;
    data[2 * i + 1] = rng.normal();
    targets[i] = Math.sin(x1) + noiseSd(x1) * rng.normal();
  }
  return { inputs: { rows: n, cols: 2, data }, targets };
}
const rowsOf = (points: number[][]): Matrix => ({ rows: points.length, cols: 2, data: Float32Array.from(points.flat()) });

test('heteroscedastic ensemble: learns the noise level, calibrated coverage, epistemic growth off the data, IG completeness', async () => {
  const rng = Rng.fromSeed(11);
  const fit = await fitHeteroscedasticEnsemble(draw(rng, 1000), draw(rng, 400), { ensembleSize: 3, hiddenUnits: [32, 32], epochs: 60, batchSize: 128, patience: 20, seed: 5 });
  const ensemble = fit.ensemble;
  const validation = draw(rng, 500);
  ensemble.calibrate(validation.inputs, validation.targets);
  assert.ok(Math.abs(ensemble.varianceScale - 1) < 0.5, `variance scale ${ensemble.varianceScale}`);

  // Aleatoric sd against the true noise level at a few points.
  const probe = ensemble.predict(rowsOf([[0, 0], [2.5, 0], [-2.5, 0]]));
  [0, 2.5, -2.5].forEach((x1, i) => {
    const sd = Math.sqrt(probe.aleatoric[i]!);
    assert.ok(Math.abs(sd / noiseSd(x1) - 1) < 0.35, `aleatoric sd at ${x1}: ${sd} vs ${noiseSd(x1)}`);
    assert.ok(Math.abs(probe.mean[i]! - Math.sin(x1)) < 0.15, `mean at ${x1}: ${probe.mean[i]}`);
  });

  const fresh = draw(rng, 3000);
  const p = ensemble.predict(fresh.inputs);
  const scores = scoreForecasts(fresh.targets, p.mean, p.aleatoric.map((a, i) => a + p.epistemic[i]!));
  assert.ok(scores.coverage90 > 0.86 && scores.coverage90 < 0.94, `coverage ${scores.coverage90}`);

  // Far outside the training inputs the members disagree.
  const inside = p.epistemic.reduce((s, v) => s + Math.sqrt(v), 0) / p.epistemic.length;
  const outside = Math.sqrt(ensemble.predict(rowsOf([[9, 0]])).epistemic[0]!);
  assert.ok(outside > 5 * inside, `epistemic sd ${outside} off the data vs ${inside} on it`);

  // Integrated gradients: attributions sum to μ(x) − μ(baseline); the irrelevant input gets little.
  const baseline = [0.5, 0];
  const points = rowsOf([[2, 1], [-1.5, -0.5], [2.8, 0.3]]);
  const ig = ensemble.integratedGradients(points, baseline, 64);
  const mu = ensemble.predict(points).mean;
  const mu0 = ensemble.predict(rowsOf([baseline])).mean[0]!;
  for (let i = 0; i < 3; i++) {
    const sum = ig.data[2 * i]! + ig.data[2 * i + 1]!;
    assert.ok(Math.abs(sum - (mu[i]! - mu0)) < 0.01 * Math.abs(mu[i]! - mu0) + 2e-3, `row ${i}: Σ IG ${sum} vs Δμ ${mu[i]! - mu0}`);
    assert.ok(Math.abs(ig.data[2 * i + 1]!) < 0.2 * Math.abs(ig.data[2 * i]!), `row ${i}: irrelevant input ${ig.data[2 * i + 1]}`);
  }

  // Serialised and restored: the same numbers.
  const again = HeteroscedasticEnsemble.restore(JSON.parse(JSON.stringify(ensemble.serialize())));
  assert.deepEqual(again.predict(points), ensemble.predict(points));
  again.dispose();
  ensemble.dispose();
});

test('heteroscedastic ensemble: resuming from a member checkpoint gives the same members as one uninterrupted fit', async () => {
  const rng = Rng.fromSeed(12);
  const [train, validation] = [draw(rng, 200), draw(rng, 100)];
  const config = { ensembleSize: 3, hiddenUnits: [8], epochs: 4, batchSize: 64, seed: 9 };
  let saved: EnsembleCheckpoint | undefined;
  const whole = await fitHeteroscedasticEnsemble(train, validation, config, {
    onEpoch: (p, checkpoint) => {
      if (p.member === 2 && p.epoch === 0) saved = checkpoint();
    },
  });
  assert.equal(saved!.members.length, 2);
  const trainedAgain = new Set<number>();
  const resumed = await fitHeteroscedasticEnsemble(train, validation, config, { resumeFrom: saved, onEpoch: (p) => void trainedAgain.add(p.member) });
  assert.deepEqual([...trainedAgain], [2], 'only the unfinished member is trained again');
  assert.deepEqual(resumed.ensemble.serialize(), whole.ensemble.serialize());
  assert.deepEqual(resumed.losses, whole.losses);
  whole.ensemble.dispose();
  resumed.ensemble.dispose();
});
