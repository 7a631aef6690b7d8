import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../lib/random.ts';
import { geneticSearch, surrogateFitness, type Genome } from '../../../lib/nn/genetic.ts';
import { useDefaultBackend } from './helpers.ts';

await useDefaultBackend();

test('the genetic search finds the optimum of a known fitness landscape, caching repeats', async () => {
  // Minimum 0 at 3 layers, 64 units, learning rate 3e-3.
  let calls = 0;
  const fitness = async (g: Genome) => {
    calls++;
    return (g.layers - 3) ** 2 + Math.log2(g.units / 64) ** 2 + Math.log(g.learningRate / 3e-3) ** 2;
  };
  const options = { population: 12, generations: 12, seed: 1 };
  const result = await geneticSearch(fitness, options);
  assert.equal(result.best.layers, 3);
  assert.equal(result.best.units, 64);
  assert.ok(Math.abs(Math.log(result.best.learningRate / 3e-3)) < 0.3, `learning rate ${result.best.learningRate}`);
  assert.equal(calls, result.evaluations.length);
  assert.ok(calls < 12 * 12, 'elites and repeated children are not re-evaluated');

  // Elitism: the best fitness known by each generation never gets worse.
  const bestBy = Array.from({ length: 12 }, (_, g) => Math.min(...result.evaluations.filter((e) => e.generation <= g).map((e) => e.fitness)));
  bestBy.slice(1).forEach((v, g) => assert.ok(v <= bestBy[g]));
  assert.equal(result.bestFitness, bestBy[11]);

  // Same seed, same search.
  assert.deepEqual(await geneticSearch(fitness, options), result);
});

test('surrogate fitness ranks a capable network above a starved one', async () => {
  const rng = Rng.fromSeed(3);
  const inputs = Array.from({ length: 300 }, () => [2 * rng.uniform() - 1, 2 * rng.uniform() - 1]);
  const outputs = inputs.map(([a, b]) => [Math.sin(3 * a) * Math.cos(2 * b)]);
  const fitness = surrogateFitness(inputs, outputs, { epochs: 40, batchSize: 32, patience: 40, seed: 1 });
  const capable = await fitness({ layers: 2, units: 32, learningRate: 1e-2 });
  const starved = await fitness({ layers: 1, units: 2, learningRate: 1e-4 });
  assert.ok(capable < 0.2 * starved, `validation loss ${capable} vs ${starved}`);

  const search = await geneticSearch(fitness, {
    population: 4,
    generations: 2,
    layerChoices: [1, 2],
    unitChoices: [4, 32],
    learningRateRange: [1e-3, 2e-2],
    seed: 2,
  });
  assert.ok([1, 2].includes(search.best.layers) && [4, 32].includes(search.best.units));
  assert.equal(search.bestFitness, Math.min(...search.evaluations.map((e) => e.fitness)));
});
