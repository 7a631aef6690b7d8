import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../lib/random.ts';
import { LearnedLikelihood } from '../../../lib/nn/learned-likelihood.ts';
import { nestedSample } from '../../../lib/sampling/nested/index.ts';
import { useDefaultBackend } from './helpers.ts';
import { gaussian5d } from './problems.ts';

await useDefaultBackend();

test('nested sampling with a learned likelihood on a 5-D Gaussian: same ln Z, ≥ 40% fewer true calls', async () => {
  let trueCalls = 0;
  const trueLogLikelihood = async (batch: number[][]) => {
    trueCalls += batch.length;
    return batch.map(gaussian5d.logLikelihood);
  };
  const problem = { ndim: gaussian5d.ndim, priorTransform: gaussian5d.priorTransform };

  const plain = await nestedSample({ ...problem, logLikelihood: trueLogLikelihood }, { nlive: 1000, seed: 11 });
  const plainCalls = trueCalls;
  trueCalls = 0;
  const learned = new LearnedLikelihood(trueLogLikelihood, { warmupCalls: 2000, seed: 4 });
  const withNetwork = await nestedSample({ ...problem, logLikelihood: learned.logLikelihood }, { nlive: 1000, seed: 12 });
  const stats = learned.stats();
  learned.dispose();

  assert.equal(stats.trueCalls, trueCalls, 'the wrapper counts every true evaluation');
  assert.equal(stats.trueCalls - stats.auditCalls + stats.networkCalls, withNetwork.ncall);
  assert.ok(Math.abs(plain.logZ - gaussian5d.analyticLogZ) < 0.2, `plain ln Z ${plain.logZ} vs analytic ${gaussian5d.analyticLogZ}`);
  assert.ok(Math.abs(withNetwork.logZ - plain.logZ) < 0.2, `learned ln Z ${withNetwork.logZ} vs ${plain.logZ}`);
  const saving = 1 - stats.trueCalls / plainCalls;
  assert.ok(saving >= 0.4, `true-likelihood calls ${stats.trueCalls} vs ${plainCalls} (saving ${saving})`);
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
  learned.dispose();
});

test('with architectureSearch, the first training lets the genetic search pick the network', async () => {
  const learned = new LearnedLikelihood(async (batch) => batch.map(([x]) => -0.5 * x * x), {
    warmupCalls: 150,
    network: { epochs: 20, batchSize: 32 },
    architectureSearch: { population: 3, generations: 2, layerChoices: [1], unitChoices: [8, 16], epochs: 10 },
    seed: 3,
  });
  const rng = Rng.fromSeed(5);
  for (let i = 0; i < 3; i++) await learned.logLikelihood(Array.from({ length: 50 }, () => [2 * rng.uniform() - 1]));
  const { genome, trainings } = learned.stats();
  assert.equal(trainings, 1);
  assert.ok(genome && genome.layers === 1 && [8, 16].includes(genome.units), JSON.stringify(genome));
  learned.dispose();
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
  original.dispose();
  restored.dispose();
});
