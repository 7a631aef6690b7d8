import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../lib/random.ts';
import { madeMasks } from '../../../lib/nn/made.ts';
import { ConditionalMaf, DEFAULT_FLOW_TRAINING } from '../../../lib/nn/maf.ts';
import { toMatrix } from '../../../lib/nn/matrix.ts';
import { mean, useDefaultBackend } from './helpers.ts';
import { banana } from './problems.ts';

await useDefaultBackend();

test('MADE masks: output i sees x_j only for j < i, and the context everywhere', () => {
  const dim = 3;
  const contextDim = 2;
  const masks = madeMasks({ dim, contextDim, hiddenUnits: [7, 5] });
  const widths = [dim + contextDim, 7, 5, 2 * dim];
  // Path counts from every input to every output: the product of the 0/1 masks.
  let reach: number[][] = Array.from({ length: widths[0] }, (_, r) => Array.from({ length: widths[0] }, (_, c) => (r === c ? 1 : 0)));
  masks.forEach((m, l) => {
    const [rows, cols] = [widths[l], widths[l + 1]];
    reach = reach.map((row) => Array.from({ length: cols }, (_, c) => row.reduce((s, v, k) => s + v * m[k * cols + c], 0)));
    assert.equal(m.length, rows * cols);
  });
  for (let out = 0; out < 2 * dim; out++) {
    const variable = out % dim; // μ_i then α_i
    for (let input = 0; input < dim; input++) {
      assert.equal(reach[input][out] > 0, input < variable, `x${input} → output ${out}`);
    }
    for (let c = dim; c < dim + contextDim; c++) assert.ok(reach[c][out] > 0, `θ${c - dim} → output ${out}`);
  }
});

test('MAF learns a banana: mean test log-density within 0.05 nats of the true density', async () => {
  const rng = Rng.fromSeed(5);
  const train = toMatrix(Array.from({ length: 4000 }, () => banana.draw(rng)));
  const testPoints = Array.from({ length: 4000 }, () => banana.draw(rng));
  const flow = ConditionalMaf.create(
    { dim: 2, contextDim: 0, blocks: 2, hiddenUnits: [32, 32], activation: 'tanh' },
    { x: train, context: null },
    1,
  );
  const result = await flow.train(train, null, { ...DEFAULT_FLOW_TRAINING, epochs: 100, seed: 2 });
  assert.ok(result.history.length > 20);

  const learned = mean(Array.from(flow.logDensity(toMatrix(testPoints), null)));
  const truth = mean(testPoints.map(banana.logDensity));
  assert.ok(Math.abs(learned - truth) < 0.05, `mean log q = ${learned}, mean log p = ${truth}`);

  // Draws from the flow have the banana's moments: E x₁² = 1, E x₂ = 0, E[x₂ x₁²] = b·E[x₁⁴ − x₁²] = 2b.
  const draws = flow.sample(4000, Rng.fromSeed(8));
  assert.ok(Math.abs(mean(draws.map(([x1]) => x1 * x1)) - 1) < 0.1);
  assert.ok(Math.abs(mean(draws.map(([, x2]) => x2))) < 0.05);
  assert.ok(Math.abs(mean(draws.map(([x1, x2]) => x2 * x1 * x1)) - 2 * banana.b) < 0.25);

  // A JSON round trip gives the same densities.
  const restored = ConditionalMaf.restore(JSON.parse(JSON.stringify(flow.serialize())));
  assert.deepEqual(restored.logDensity(toMatrix(testPoints.slice(0, 50)), null), flow.logDensity(toMatrix(testPoints.slice(0, 50)), null));
  flow.dispose();
  restored.dispose();
});
