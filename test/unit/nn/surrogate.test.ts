import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../lib/random.ts';
import { toMatrix } from '../../../lib/nn/matrix.ts';
import { learningRateAt } from '../../../lib/nn/schedule.ts';
import { fitSurrogate, outputErrors, Surrogate, type SurrogateCheckpoint } from '../../../lib/nn/surrogate.ts';
import { useDefaultBackend } from './helpers.ts';
import { drawSpectrumParameters, spectrum } from './problems.ts';

await useDefaultBackend();

test('surrogate fits a 3 → 50 sum of Gaussians to < 1% median relative error on new points', async () => {
  const rng = Rng.fromSeed(1);
  const inputs = Array.from({ length: 2000 }, () => drawSpectrumParameters(rng));
  const fit = await fitSurrogate(inputs, inputs.map(spectrum), {
    pcaComponents: 12,
    ensembleSize: 2,
    epochs: 150,
    patience: 30,
    seed: 3,
  });
  const fresh = Array.from({ length: 500 }, () => drawSpectrumParameters(rng));
  const { mean, std } = fit.surrogate.predict(fresh, 128);
  const relative = fresh.flatMap((theta, i) => spectrum(theta).map((y, j) => Math.abs(mean[i][j] - y) / y)).sort((a, b) => a - b);
  const medianRelative = relative[relative.length >> 1];
  assert.ok(medianRelative < 0.01, `median relative error ${medianRelative}`);

  // The two members disagree a little: a non-zero epistemic spread, smaller than the signal.
  const meanStd = std.flat().reduce((a, b) => a + b) / (std.length * 50);
  assert.ok(meanStd > 1e-4 && meanStd < 0.05, `mean ensemble spread ${meanStd}`);

  assert.equal(fit.heldOutErrors.output.length, 50);
  assert.ok(Math.max(...fit.heldOutErrors.medianRelativeError) < 0.02);
  assert.equal(fit.losses.member.length, fit.losses.epoch.length);
  assert.deepEqual([...new Set(fit.losses.member)], [0, 1]);
  const meta = fit.surrogate.serialize();
  assert.equal(meta.pca?.components.length, 12);
  assert.equal(meta.metadata.backend, 'wasm');
  fit.surrogate.dispose();
});

const tinyProblem = () => {
  const rng = Rng.fromSeed(7);
  const inputs = Array.from({ length: 120 }, () => [rng.uniform(), rng.uniform()]);
  return { inputs, outputs: inputs.map(([a, b]) => [Math.sin(3 * a) + b, a * b, 2 - b]) };
};
const tinyConfig = { hiddenUnits: [16], ensembleSize: 2, epochs: 12, batchSize: 16, patience: 50, seed: 5 };

test('same seed ⇒ same weights; a JSON round trip predicts identically', async () => {
  const { inputs, outputs } = tinyProblem();
  const a = await fitSurrogate(inputs, outputs, tinyConfig);
  const b = await fitSurrogate(inputs, outputs, tinyConfig);
  assert.deepEqual(a.surrogate.serialize().members, b.surrogate.serialize().members);
  const c = await fitSurrogate(inputs, outputs, { ...tinyConfig, seed: 6 });
  assert.notDeepEqual(a.surrogate.serialize().members[0].parameters, c.surrogate.serialize().members[0].parameters);

  const restored = Surrogate.restore(JSON.parse(JSON.stringify(a.surrogate.serialize())));
  assert.deepEqual(restored.predict(inputs), a.surrogate.predict(inputs));
  assert.throws(() => Surrogate.restore({ ...a.surrogate.serialize(), format: 'x' as never }), /not a serialized surrogate/);
  [a, b, c].forEach((f) => f.surrogate.dispose());
  restored.dispose();
});

test('a warm start begins from the given network: its scalings, and its weights as the first iterate', async () => {
  const { inputs, outputs } = tinyProblem();
  const a = await fitSurrogate(inputs, outputs, tinyConfig);
  const from = a.surrogate.serialize();
  // With a vanishing learning rate the warm-started network stays where it started.
  const still = await fitSurrogate(inputs.slice(0, 30), outputs.slice(0, 30), { ...tinyConfig, epochs: 1, learningRate: { kind: 'constant', initial: 1e-12 } }, { initialFrom: from });
  const warm = still.surrogate.serialize();
  assert.deepEqual([warm.inputScaling, warm.outputScaling], [from.inputScaling, from.outputScaling]);
  const before = a.surrogate.predict(inputs).mean;
  still.surrogate.predict(inputs).mean.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(v - before[i]![j]!) < 1e-4)));
  await assert.rejects(fitSurrogate(inputs, outputs, { ...tinyConfig, hiddenUnits: [8] }, { initialFrom: from }), /same architecture/);
  a.surrogate.dispose();
  still.surrogate.dispose();
});

test('training resumed from a mid-ensemble checkpoint ends with the uninterrupted weights', async () => {
  const { inputs, outputs } = tinyProblem();
  let checkpoint: SurrogateCheckpoint | null = null;
  const epochsSeen: string[] = [];
  const full = await fitSurrogate(inputs, outputs, tinyConfig, {
    onEpoch: (progress, take) => {
      epochsSeen.push(`${progress.member}:${progress.epoch}`);
      if (progress.member === 1 && progress.epoch === 4) checkpoint = JSON.parse(JSON.stringify(take()));
    },
  });
  assert.equal(epochsSeen.length, 24);
  assert.ok(checkpoint);
  const resumedEpochs: string[] = [];
  const resumed = await fitSurrogate(inputs, outputs, tinyConfig, {
    resumeFrom: checkpoint,
    onEpoch: (p) => void resumedEpochs.push(`${p.member}:${p.epoch}`),
  });
  assert.deepEqual(resumedEpochs, epochsSeen.slice(17));
  assert.deepEqual(resumed.surrogate.serialize().members, full.surrogate.serialize().members);
  assert.deepEqual(resumed.losses, full.losses);
  await assert.rejects(fitSurrogate(inputs.slice(1), outputs.slice(1), tinyConfig, { resumeFrom: checkpoint }), /120 rows/);
  full.surrogate.dispose();
  resumed.surrogate.dispose();
});

test('early stopping keeps the best validation epoch', async () => {
  const { inputs, outputs } = tinyProblem();
  // A large constant learning rate makes the validation loss bounce, so patience 2 stops early.
  const fit = await fitSurrogate(inputs, outputs, {
    ...tinyConfig,
    ensembleSize: 1,
    epochs: 200,
    patience: 2,
    learningRate: { kind: 'constant', initial: 0.05 },
  });
  const member = fit.surrogate.serialize().members[0];
  const best = Math.min(...fit.losses.valLoss);
  assert.ok(member.epochsRun < 200);
  assert.equal(member.epochsRun, member.bestEpoch + 3);
  assert.equal(member.bestValLoss, best);
  assert.equal(fit.losses.valLoss[member.bestEpoch], best);
  fit.surrogate.dispose();
});

test('learning-rate schedules and held-out error columns', () => {
  assert.equal(learningRateAt({ kind: 'cosine', initial: 1e-2, final: 1e-4 }, 0, 100), 1e-2);
  assert.ok(Math.abs(learningRateAt({ kind: 'cosine', initial: 1e-2, final: 1e-4 }, 50, 100) - 0.00505) < 1e-12);
  assert.equal(learningRateAt({ kind: 'cosine', initial: 1e-2, final: 1e-4 }, 100, 100), 1e-4);
  assert.ok(Math.abs(learningRateAt({ kind: 'exponential', initial: 1, decayPerEpoch: 0.5 }, 3, 10) - 0.125) < 1e-15);

  const truth = toMatrix([[1, 2], [2, -4], [4, 8]]);
  const prediction = { mean: toMatrix([[1.5, 2], [2, -3], [3, 8]]), std: toMatrix([[0.1, 0], [0.3, 0], [0.2, 0.6]]) };
  const e = outputErrors(prediction, truth);
  assert.deepEqual(e.output, [0, 1]);
  assert.ok(Math.abs(e.rmse[0] - Math.sqrt(1.25 / 3)) < 1e-7);
  assert.ok(Math.abs(e.meanAbsError[1] - 1 / 3) < 1e-7);
  assert.ok(Math.abs(e.medianRelativeError[0] - 0.25) < 1e-7); // errors 0.5/1, 0/2, 1/4
  assert.ok(Math.abs(e.medianRelativeError[1] - 0) < 1e-7); // 0, 0.25, 0
  assert.ok(Math.abs(e.meanEpistemicStd[0] - 0.2) < 1e-7);
});
