import assert from 'node:assert/strict';
import { test } from 'node:test';
import { atmosphericRetrieval, resolveSizes } from '../../../pipelines/atmospheric-retrieval/index.ts';
import { gaussianLogLikelihood, withModelError } from '../../../pipelines/atmospheric-retrieval/retrieval.ts';
import { pointsToReweight, reweightNested } from '../../../lib/sampling/reweight.ts';

const inputs = (sha256: string) => [{ key: 'dataDir', path: '/x/eclipse_depths.csv', sha256, bytes: 1 }] as never;

test('presets fill only the size keys the user left unset', () => {
  const parse = (c: object) => atmosphericRetrieval.schema.parse(c);
  assert.deepEqual(resolveSizes(parse({})), { trainingSize: 8000, epochs: 60, ensembleSize: 2, nlive: 100 });
  assert.deepEqual(resolveSizes(parse({ preset: 'full', nlive: 300 })), { trainingSize: 50000, epochs: 300, ensembleSize: 5, nlive: 300 });
  assert.throws(() => parse({ preset: 'huge' }));
  assert.throws(() => parse({ unknownKey: 1 }), 'strict schema');
});

test('training set and surrogate stages do not depend on the observed data; the retrievals do', () => {
  const config = atmosphericRetrieval.schema.parse({});
  const a = atmosphericRetrieval.stages(config, inputs('aaa'));
  const b = atmosphericRetrieval.stages(config, inputs('bbb'));
  const byName = (stages: typeof a, name: string) => JSON.stringify(stages.find((s) => s.name === name));
  assert.equal(byName(a, 'training-set'), byName(b, 'training-set'));
  assert.equal(byName(a, 'surrogate'), byName(b, 'surrogate'));
  assert.notEqual(byName(a, 'retrieve-surrogate'), byName(b, 'retrieve-surrogate'));
  assert.notEqual(byName(a, 'retrieve-full'), byName(b, 'retrieve-full'));
  const synthetic = atmosphericRetrieval.stages(atmosphericRetrieval.schema.parse({ mode: 'synthetic', injections: 3, reference: false }), inputs('aaa'));
  assert.deepEqual(synthetic.find((s) => s.name === 'retrieve-surrogate')!.fanOut!.values, [0, 1, 2]);
});

test('Gaussian likelihood: normalised density, and the surrogate error widens it in quadrature', () => {
  const obs = { depth: Float64Array.from([1, 2]), error: Float64Array.from([0.5, 2]) };
  const at = gaussianLogLikelihood(obs, [1.5, 0]);
  const expected = -0.5 * ((0.5 / 0.5) ** 2 + (2 / 2) ** 2) - Math.log(0.5 * 2) - Math.log(2 * Math.PI);
  assert.ok(Math.abs(at - expected) < 1e-12);
  const wide = withModelError(obs, [1.2, 0], 1);
  assert.ok(Math.abs(wide.error[0]! - 1.3) < 1e-12 && wide.error[1] === 2);
});

test('importance reweighting of a proxy run recovers the true evidence (1-D quadrature shells)', () => {
  // Prior U[−10, 10] as N equal shells; proxy L̃ = N(0, 2²), true L = N(0.5, 1²).
  const n = 20000;
  const logDX = Math.log(1 / n);
  const xs = Array.from({ length: n }, (_, i) => -10 + (20 * (i + 0.5)) / n);
  const normal = (x: number, m: number, s: number) => -0.5 * ((x - m) / s) ** 2 - Math.log(s * Math.sqrt(2 * Math.PI));
  const proxyLogL = xs.map((x) => normal(x, 0, 2));
  const proxyLogWeight = proxyLogL.map((l) => l + logDX);
  const keep = pointsToReweight(proxyLogWeight, 8);
  assert.ok(keep.length < n, 'the far tail is skipped');
  const r = reweightNested(proxyLogWeight, proxyLogL, keep, keep.map((i) => normal(xs[i]!, 0.5, 1)));
  assert.ok(Math.abs(r.logZ - Math.log(1 / 20)) < 1e-6, `ln Z ${r.logZ}`);
  const mean = keep.reduce((s, i) => s + r.weight[i]! * xs[i]!, 0);
  assert.ok(Math.abs(mean - 0.5) < 1e-6, `mean ${mean}`);
  // Identical likelihoods leave the proxy's evidence unchanged.
  const same = reweightNested(proxyLogWeight, proxyLogL, keep, keep.map((i) => proxyLogL[i]!));
  assert.ok(Math.abs(same.logZ - Math.log(1 / 20)) < 1e-3);
});
