import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../lib/random.ts';
import { LearnedLikelihood } from '../../../lib/nn/learned-likelihood.ts';
import { nestedSample } from '../../../lib/sampling/nested/index.ts';
import { useDefaultBackend } from './helpers.ts';
import { gaussian5d } from './problems.ts';

await useDefaultBackend();

test('nested sampling with a learned likelihood on a 5-D Gaussian: same ln Z, ≥ 30% fewer true calls', async () => {
  let trueCalls = 0;
  const trueLogLikelihood = async (batch: number[][]) => {
    trueCalls += batch.length;
    return batch.map(gaussian5d.logLikelihood);
  };
  const problem = { ndim: gaussian5d.ndim, priorTransform: gaussian5d.priorTransform };

  const plain = await nestedSample({ ...problem, logLikelihood: trueLogLikelihood }, { nlive: 1000, seed: 11 });
  const plainCalls = trueCalls;
  trueCalls = 0;
  // Trained on the path (swapAfter 0) so the swap points, and the test, are reproducible. In 5-D the
  // network must be accurate to 0.1 nat across ≈ 7 nats of posterior bulk: it passes at ≈ 5k calls.
  const learned = new LearnedLikelihood(trueLogLikelihood, { warmupCalls: 2000, retrainAfter: 300, swapAfter: 0, minTrueCallMs: null, seed: 4 });
  const withNetwork = await nestedSample({ ...problem, logLikelihood: learned.logLikelihood }, { nlive: 1000, seed: 12 });
  const stats = learned.stats();
  await learned.dispose();

  assert.equal(stats.trueCalls, trueCalls, 'the wrapper counts every true evaluation');
  assert.equal(stats.trueCalls - stats.auditCalls + stats.networkCalls, withNetwork.ncall);
  assert.ok(Math.abs(plain.logZ - gaussian5d.analyticLogZ) < 0.2, `plain ln Z ${plain.logZ} vs analytic ${gaussian5d.analyticLogZ}`);
  assert.ok(Math.abs(withNetwork.logZ - plain.logZ) < 0.2, `learned ln Z ${withNetwork.logZ} vs ${plain.logZ}`);
  const saving = 1 - stats.trueCalls / plainCalls;
  assert.ok(saving >= 0.3, `true-likelihood calls ${stats.trueCalls} vs ${plainCalls} (saving ${saving})`);
  assert.ok(learned.events.some((e) => e.kind === 'trained' && e.passed));
  assert.ok(learned.events.filter((e) => e.kind === 'audit').length >= 3);
});

test('an audit that finds the network wrong falls back to the true likelihood and retrains', async () => {
  const logL = (theta: number[]) => -0.5 * theta[0] ** 2;
  const learned = new LearnedLikelihood(async (batch) => batch.map(logL), {
    warmupCalls: 200,
    retrainAfter: 100,
    auditEvery: 100,
    auditSize: 10,
    acceptTolerance: 0.05,
    fallbackTolerance: 0.05,
    network: { hiddenUnits: [16, 16], epochs: 80, batchSize: 32, learningRate: { kind: 'constant', initial: 1e-2 } },
    swapAfter: 0,
    minTrueCallMs: null,
    seed: 1,
  });
  const rng = Rng.fromSeed(2);
  const batch = (lo: number, hi: number) => Array.from({ length: 50 }, () => [lo + (hi - lo) * rng.uniform()]);

  for (let i = 0; i < 4; i++) await learned.logLikelihood(batch(-1, 1));
  assert.equal(learned.stats().mode, 'network');
  assert.equal(learned.stats().trueCalls, 200);

  // Inside the training range the network passes its audits ...
  const inside = batch(-1, 1);
  const answers = await learned.logLikelihood(inside);
  answers.forEach((v, i) => assert.ok(Math.abs(v - logL(inside[i])) < 0.05));
  await learned.logLikelihood(batch(-1, 1));
  assert.deepEqual([learned.stats().mode, learned.stats().trueCalls, learned.stats().networkCalls], ['network', 210, 100]);

  // ... far outside it the audit catches the extrapolation error; audited points come back exact.
  await learned.logLikelihood(batch(3, 5));
  const far = batch(3, 5);
  const farAnswers = await learned.logLikelihood(far);
  assert.equal(learned.stats().mode, 'fallback');
  assert.equal(learned.stats().fallbacks, 1);
  const exact = farAnswers.filter((v, i) => v === logL(far[i])).length;
  assert.ok(exact >= 1 && exact <= 10, `${exact} audited points corrected`);
  const audit = learned.events.at(-1)!;
  assert.equal(audit.kind, 'audit');
  assert.ok(!audit.passed && audit.error > 0.05);

  // In fallback every call is true; after retrainAfter calls it retrains on the recent window.
  const before = learned.stats().trueCalls;
  await learned.logLikelihood(batch(3, 5));
  assert.equal(learned.stats().trueCalls, before + 50);
  await learned.logLikelihood(batch(3, 5));
  assert.equal(learned.stats().trainings, 2);
  await learned.dispose();
});

test('with architectureSearch, the first training lets the genetic search pick the network', async () => {
  const learned = new LearnedLikelihood(async (batch) => batch.map(([x]) => -0.5 * x * x), {
    warmupCalls: 150,
    network: { epochs: 20, batchSize: 32 },
    architectureSearch: { population: 3, generations: 2, layerChoices: [1], unitChoices: [8, 16], epochs: 10 },
    swapAfter: 0,
    minTrueCallMs: null,
    seed: 3,
  });
  const rng = Rng.fromSeed(5);
  for (let i = 0; i < 3; i++) await learned.logLikelihood(Array.from({ length: 50 }, () => [2 * rng.uniform() - 1]));
  const { genome, trainings } = learned.stats();
  assert.equal(trainings, 1);
  assert.ok(genome && genome.layers === 1 && [8, 16].includes(genome.units), JSON.stringify(genome));
  await learned.dispose();
});

test('a checkpoint taken between calls restores to the same answers, audits and counts', async () => {
  const logL = async (batch: number[][]) => batch.map(([x]) => -0.5 * x * x + 0.3 * x);
  const options = {
    warmupCalls: 150,
    auditEvery: 60,
    auditSize: 5,
    // Loose tolerances: this test is about state, not accuracy.
    acceptTolerance: 0.5,
    fallbackTolerance: 0.5,
    network: { hiddenUnits: [8], epochs: 15, batchSize: 32 },
    swapAfter: 0,
    minTrueCallMs: null,
    seed: 7,
  };
  const rng = Rng.fromSeed(11);
  const batches = Array.from({ length: 9 }, () => Array.from({ length: 40 }, () => [2 * rng.uniform() - 1]));
  const original = new LearnedLikelihood(logL, options);
  for (const b of batches.slice(0, 5)) await original.logLikelihood(b);
  assert.equal(original.stats().mode, 'network');
  const saved = JSON.parse(JSON.stringify(original.checkpoint()));
  const restored = LearnedLikelihood.restore(logL, saved);
  for (const b of batches.slice(5)) {
    assert.deepEqual(await restored.logLikelihood(b), await original.logLikelihood(b));
  }
  assert.deepEqual(restored.stats(), original.stats());
  assert.deepEqual(restored.events, original.events);
  assert.ok(original.events.filter((e) => e.kind === 'audit').length >= 2);
  await original.dispose();
  await restored.dispose();
});

/** A 1-D likelihood whose every call takes at least `ms` of wall time (spinning, as a real code would). */
function slowLikelihood(ms: number) {
  const logL = (x: number) => -0.5 * x * x + 0.3 * x;
  return async (batch: number[][]) =>
    batch.map(([x]) => {
      const until = performance.now() + ms;
      while (performance.now() < until);
      return logL(x);
    });
}

const tinyNetwork = { hiddenUnits: [8], epochs: 15, batchSize: 32 };
const uniformBatches = (seed: number, count: number, size = 20) => {
  const rng = Rng.fromSeed(seed);
  return Array.from({ length: count }, () => Array.from({ length: size }, () => [2 * rng.uniform() - 1]));
};

test('the cost-aware switch runs exact when a true call is cheaper than minTrueCallMs, and learns when it is not', async () => {
  let calls = 0;
  const cheap = async (batch: number[][]) => ((calls += batch.length), batch.map(gaussian5d.logLikelihood));
  const problem = { ndim: gaussian5d.ndim, priorTransform: gaussian5d.priorTransform };
  const plain = await nestedSample({ ...problem, logLikelihood: cheap }, { nlive: 200, seed: 21 });
  const plainCalls = calls;
  calls = 0;
  const switched = new LearnedLikelihood(cheap, { warmupCalls: 300, minTrueCallMs: 1, seed: 2 });
  const run = await nestedSample({ ...problem, logLikelihood: switched.logLikelihood }, { nlive: 200, seed: 21 });
  await switched.dispose();
  // Same sampler seed, same values: the run is the plain run, call for call.
  assert.equal(run.logZ, plain.logZ);
  assert.equal(calls, plainCalls);
  assert.deepEqual([switched.stats().mode, switched.stats().costChoice, switched.stats().trainings], ['exact', 'exact', 0]);
  const timings = switched.timings();
  assert.ok(timings.trueCallMs! < 1 && timings.thresholdMs === 1, JSON.stringify(timings));

  const costly = new LearnedLikelihood(slowLikelihood(2), { warmupCalls: 60, minTrueCallMs: 1, network: tinyNetwork, seed: 2 });
  for (const batch of uniformBatches(3, 3)) await costly.logLikelihood(batch);
  assert.equal(costly.stats().costChoice, 'learned');
  assert.ok(costly.timings().trueCallMs! >= 2);
  await costly.dispose();
});

test("swapAfter 'ready': the network trains on a worker thread while true calls go on, and swaps in without a stall", async () => {
  const learned = new LearnedLikelihood(slowLikelihood(1), { warmupCalls: 200, acceptTolerance: 0.5, network: tinyNetwork, minTrueCallMs: null, seed: 5 });
  const batches = uniformBatches(8, 600, 10);
  let used = 0;
  while (learned.stats().mode !== 'network' && used < batches.length) await learned.logLikelihood(batches[used++]!);
  assert.equal(learned.stats().mode, 'network', `no network after ${learned.stats().trueCalls} true calls`);
  const trained = learned.events.find((e) => e.kind === 'trained')!;
  assert.equal(trained.startedAt, 200);
  assert.ok(trained.trueCalls > trained.startedAt, 'the sampler kept making true calls while the network trained');
  assert.equal(learned.timings().stallSeconds, 0);
  assert.ok(learned.timings().trainingSeconds > 0);
  const x = batches[used]!;
  const answers = await learned.logLikelihood(x);
  answers.forEach((v, i) => assert.ok(Math.abs(v - (-0.5 * x[i]![0]! ** 2 + 0.3 * x[i]![0]!)) < 0.5));
  await learned.dispose();
});

test('swapAfter K on the worker thread is reproducible, also from a checkpoint taken while a training is in flight', async () => {
  const logL = async (batch: number[][]) => batch.map(([x]) => -0.5 * x * x + 0.3 * x);
  const options = { warmupCalls: 100, swapAfter: 60, auditEvery: 60, auditSize: 5, acceptTolerance: 0.5, fallbackTolerance: 0.5, network: tinyNetwork, minTrueCallMs: null, seed: 9 };
  const batches = uniformBatches(12, 14);
  const original = new LearnedLikelihood(logL, options);
  for (const b of batches.slice(0, 6)) await original.logLikelihood(b);
  // The training started at 100 true calls and swaps in at 160: 120 now, so it is in flight.
  assert.equal(original.stats().trueCalls, 120);
  assert.equal(original.stats().mode, 'warmup');
  const restored = LearnedLikelihood.restore(logL, JSON.parse(JSON.stringify(original.checkpoint())));
  for (const b of batches.slice(6)) assert.deepEqual(await restored.logLikelihood(b), await original.logLikelihood(b));
  assert.deepEqual(restored.stats(), original.stats());
  assert.deepEqual(restored.events, original.events);
  const trained = original.events.find((e) => e.kind === 'trained')!;
  assert.deepEqual([trained.startedAt, trained.trueCalls, trained.passed], [100, 160, true]);
  await original.dispose();
  await restored.dispose();
});

test('an audit that finds no network answer above the contour retires the network for the rest of the run', async () => {
  const logL = async (batch: number[][]) => batch.map(([x]) => -0.5 * x * x);
  const learned = new LearnedLikelihood(logL, { warmupCalls: 100, retrainAfter: 50, auditEvery: 40, auditSize: 5, acceptTolerance: 0.5, fallbackTolerance: 0.5, network: tinyNetwork, swapAfter: 0, minTrueCallMs: null, seed: 4 });
  const batches = uniformBatches(6, 20);
  for (const b of batches.slice(0, 5)) await learned.logLikelihood(b);
  assert.equal(learned.stats().mode, 'network');
  // A contour above the peak: nothing can beat it, as when live points carry true values the network cannot reach.
  for (const b of batches.slice(5, 7)) await learned.logLikelihood(b, 1);
  assert.deepEqual([learned.stats().mode, learned.stats().fallbacks], ['fallback', 1]);
  const trainings = learned.stats().trainings;
  for (const b of batches.slice(7)) await learned.logLikelihood(b, -1);
  assert.equal(learned.stats().trainings, trainings, 'no training after retirement');
  await learned.dispose();
});
