import assert from 'node:assert/strict';
import { test } from 'node:test';
import { atmosphericRetrieval, headlineStage, resolveSizes } from '../../../pipelines/atmospheric-retrieval/index.ts';
import { PARAMETERS } from '../../../pipelines/atmospheric-retrieval/constants.ts';
import { refinedStage } from '../../../pipelines/atmospheric-retrieval/report.ts';
import {
  gaussianLogLikelihood,
  mahalanobis2,
  posteriorRegion,
  refinedLogLikelihood,
  sampleRegion,
  stackedPrediction,
  withModelError,
  type SurrogateLevel,
} from '../../../pipelines/atmospheric-retrieval/retrieval.ts';
import { Rng } from '../../../lib/random.ts';
import { logLikelihoodShift, pointsToReweight, reweightNested } from '../../../lib/sampling/reweight.ts';

const inputs = (sha256: string) => [{ key: 'dataDir', path: '/x/eclipse_depths.csv', sha256, bytes: 1 }] as never;

test('presets fill only the size keys the user left unset', () => {
  const parse = (c: object) => atmosphericRetrieval.schema.parse(c);
  assert.deepEqual(resolveSizes(parse({})), { trainingSize: 8000, epochs: 60, ensembleSize: 2, nlive: 100, refinementSize: 4000 });
  assert.deepEqual(resolveSizes(parse({ preset: 'full', nlive: 300, refinement: { trainingSize: 900 } })), {
    trainingSize: 50000,
    epochs: 300,
    ensembleSize: 5,
    nlive: 300,
    refinementSize: 900,
  });
  assert.throws(() => parse({ refinement: { unknownKey: 1 } }), 'strict refinement schema');
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
  assert.notEqual(byName(a, 'retrieve-refined-2'), byName(b, 'retrieve-refined-2'));
  const synthetic = atmosphericRetrieval.stages(atmosphericRetrieval.schema.parse({ mode: 'synthetic', injections: 3, reference: false }), inputs('aaa'));
  assert.deepEqual(synthetic.find((s) => s.name === 'retrieve-surrogate')!.fanOut!.values, [0, 1, 2]);
  // Refinement fans out per injection: its set, surrogate and retrieval see injection i's branch.
  assert.deepEqual(synthetic.find((s) => s.name === 'refine-training-set')!.fanOut, { param: 'injection', values: [0, 1, 2], concurrency: 1 });
  assert.deepEqual(synthetic.find((s) => s.name === 'refine-surrogate-2')!.fanOut, { param: 'trainingBranch', values: [0, 1, 2], concurrency: 1 });
});

test('refinement rounds: stage chain, headline and comparisons', () => {
  const names = (c: object) => atmosphericRetrieval.stages(atmosphericRetrieval.schema.parse(c), inputs('aaa')).map((s) => s.name);
  assert.deepEqual(names({ refinement: { rounds: 0 } }), ['training-set', 'surrogate', 'retrieve-surrogate', 'retrieve-full', 'surrogate-error', 'compare']);
  // The reference check: a second full-model run with its own sampler seed, compared with the first.
  const checked = atmosphericRetrieval.stages(atmosphericRetrieval.schema.parse({ refinement: { rounds: 0 }, referenceCheck: true }), inputs('aaa'));
  assert.deepEqual(checked.map((s) => s.name), ['training-set', 'surrogate', 'retrieve-surrogate', 'retrieve-full', 'surrogate-error', 'retrieve-full-check', 'compare', 'compare-reference']);
  const seedOf = (n: string) => checked.find((s) => s.name === n)!.params.samplerSeed;
  assert.notEqual(seedOf('retrieve-full-check'), seedOf('retrieve-full'));
  assert.equal((checked.find((s) => s.name === 'compare-reference')!.params.other as { stage: string }).stage, 'retrieve-full-check');
  // Merged references: K runs each (own seeds), merged, compared merged against merged.
  const merged = atmosphericRetrieval.stages(atmosphericRetrieval.schema.parse({ refinement: { rounds: 0 }, referenceCheck: true, referenceRuns: 3 }), inputs('aaa'));
  const byName = (n: string) => merged.find((s) => s.name === n)!;
  assert.deepEqual(byName('merge-full').params.runs, ['retrieve-full', 'retrieve-full-2', 'retrieve-full-3']);
  assert.deepEqual(byName('merge-full-check').params.runs, ['retrieve-full-check', 'retrieve-full-check-2', 'retrieve-full-check-3']);
  const seeds = merged.filter((s) => s.activity === 'nestedSampling' && s.params.problem === 'full').map((s) => s.params.samplerSeed);
  assert.equal(new Set(seeds).size, 6, 'every full-model run has its own seed');
  // The first run alone (its wall time is the speed-up's numerator), then the others side by side.
  assert.deepEqual(byName('retrieve-full-2').dependsOn, ['retrieve-full']);
  assert.deepEqual(byName('retrieve-full-check').dependsOn, ['retrieve-full']);
  assert.deepEqual((byName('compare').params.reference as { stage: string }).stage, 'merge-full');
  assert.deepEqual((byName('compare-reference').params.other as { stage: string }).stage, 'merge-full-check');
  assert.deepEqual(byName('surrogate-error').params.samples, { stage: 'merge-full' });
  const twoRounds = atmosphericRetrieval.schema.parse({ refinement: { rounds: 2 } });
  const two = atmosphericRetrieval.stages(twoRounds, inputs('aaa'));
  const stage = (n: string) => two.find((s) => s.name === n)!;
  assert.equal(headlineStage(twoRounds), 'retrieve-refined-2');
  // Earlier rounds keep their error inflation; the headline round uses finalErrorScale.
  assert.equal(stage('retrieve-refined').params.refinementErrorScale, twoRounds.refinement.errorScale);
  assert.equal(stage('retrieve-refined-2').params.refinementErrorScale, twoRounds.refinement.finalErrorScale);
  assert.equal(stage('refine-training-set-2').params.source, 'retrieve-refined');
  assert.deepEqual(stage('retrieve-refined-2').params.levels, [
    { surrogate: 'refine-surrogate', source: 'retrieve-surrogate' },
    { surrogate: 'refine-surrogate-2', source: 'retrieve-refined' },
  ]);
  assert.deepEqual(stage('retrieve-full').dependsOn, ['retrieve-refined-2'], 'reference after the surrogate side');
  assert.deepEqual((stage('compare').params.other as { stage: string }).stage, 'retrieve-refined-2');
  assert.deepEqual((stage('compare-base').params.other as { stage: string }).stage, 'retrieve-surrogate');
  // The headline's likelihood (its problem and levels) on the reference's samples.
  assert.equal(stage('surrogate-error').params.problem, 'refined');
  assert.deepEqual(stage('surrogate-error').params.levels, stage('retrieve-refined-2').params.levels);
  assert.deepEqual(stage('surrogate-error').params.samples, { stage: 'retrieve-full' });
  assert.equal(refinedStage([{ name: 'retrieve-refined', status: 'completed' }, { name: 'retrieve-refined-2', status: 'completed' }, { name: 'retrieve-full', status: 'completed' }]), 'retrieve-refined-2');
  assert.equal(refinedStage([{ name: 'retrieve-surrogate', status: 'completed' }]), undefined);
});

test('posterior region: weighted mean and widened covariance; draws inside the prior with that spread', () => {
  const rng = Rng.fromSeed(3);
  const mean = PARAMETERS.map((p) => (p.low + p.high) / 2);
  const sd = PARAMETERS.map((p) => 0.01 * (p.high - p.low));
  // Weighted sample: unit-weight draws plus a zero-weight outlier that must not count.
  const thetas = Array.from({ length: 4000 }, () => mean.map((m, i) => m + sd[i]! * rng.normal()));
  thetas.push(PARAMETERS.map((p) => p.high));
  const weights = [...thetas.map(() => 1).slice(0, -1), 0];
  const region = posteriorRegion(thetas, weights, 2);
  region.mean.forEach((m, i) => assert.ok(Math.abs(m - mean[i]!) < 0.1 * sd[i]!, `mean ${i}`));
  region.chol.forEach((row, i) => assert.ok(Math.abs(row[i]! - 2 * sd[i]!) < 0.1 * sd[i]!, `widened sd ${i}`));
  assert.ok(Math.abs(mahalanobis2(region, region.mean)) < 1e-12);
  const shifted = [...region.mean];
  shifted[0]! += 2 * 2 * sd[0]!;
  assert.ok(Math.abs(mahalanobis2(region, shifted) - 4) < 0.3, 'two widened sds away: d² ≈ 4');
  const draws = Array.from({ length: 2000 }, () => sampleRegion(region, rng));
  const d2 = draws.map((t) => mahalanobis2(region, t));
  assert.ok(Math.abs(d2.reduce((a, b) => a + b, 0) / d2.length - 9) < 0.5, 'E d² = 9 for a 9-D Gaussian');
  // A region against a prior bound: draws are truncated, never outside.
  const edge = posteriorRegion(thetas.map((t) => t.map((x, i) => x - mean[i]! + PARAMETERS[i]!.high)), weights, 2);
  for (let k = 0; k < 200; k++) sampleRegion(edge, rng).forEach((x, i) => assert.ok(x >= PARAMETERS[i]!.low && x <= PARAMETERS[i]!.high));
});

test('refined likelihood: the innermost level whose region holds the point answers, with the networks below it summed', () => {
  // Fake surrogates predicting a constant spectrum c (one band), data 0, error 1: ln L = −m²/2 − ln √2π
  // with m the sum of the networks up to the answering level.
  const fake = (c: number) => ({ outputDim: 1, predictMatrix: (m: { rows: number }) => ({ mean: { cols: 1, data: new Float64Array(m.rows).fill(c) } }) }) as never;
  const obs = { depth: Float64Array.from([0]), error: Float64Array.from([1]) };
  const region = posteriorRegion([[...PARAMETERS.map(() => 0)], [...PARAMETERS.map(() => 1)]], [1, 1], 1);
  const levels: SurrogateLevel[] = [
    { surrogate: fake(3), obs, region: null, maxD2: Infinity },
    { surrogate: fake(1), obs, region, maxD2: 9 },
  ];
  assert.deepEqual(Array.from(stackedPrediction(levels.map((l) => l.surrogate), [PARAMETERS.map(() => 0), PARAMETERS.map(() => 1)])), [4, 4]);
  assert.deepEqual(Array.from(stackedPrediction(levels.map((l) => l.surrogate), [PARAMETERS.map(() => 0)], 1)), [3]);
  const logL = refinedLogLikelihood(levels, 100);
  const inside = PARAMETERS.map(() => 0.5);
  const outside = PARAMETERS.map(() => 3);
  const c = -0.5 * Math.log(2 * Math.PI);
  const [a, b] = logL([inside, outside]);
  assert.ok(Math.abs(a! - (c - 0.5 * 4 ** 2)) < 1e-12, 'inside: base + residual network');
  assert.ok(Math.abs(b! - (c - 4.5 - 100)) < 1e-12, 'outside: base level, penalised');
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

test('ln L shift over a posterior: weighted mean and spread of ln L − ln L̃ on the evaluated points', () => {
  // Weights 0.5/0.25/0.25 (the last point not evaluated: renormalised over the first three).
  const weight = [0.4, 0.2, 0.2, 0.2];
  const proxyLogL = [1, 2, 3, 4];
  const shift = logLikelihoodShift(weight, proxyLogL, [0, 1, 2], [2, 2, 3 + 4]);
  // Differences 1, 0, 4 with weights ½, ¼, ¼: mean 1.5, E[d²] = 4.5, variance 2.25 / (1 − Σw² = 0.625).
  assert.ok(Math.abs(shift.deltaLogLMean - 1.5) < 1e-12);
  assert.ok(Math.abs(shift.deltaLogLSd - Math.sqrt(2.25 / 0.625)) < 1e-12);
  // Midpoint-rule quantiles: sorted 0 (¼), 1 (½), 4 (¼) sit at 0.125, 0.5, 0.875.
  assert.equal(shift.deltaLogLQ50, 1);
  assert.equal(shift.deltaLogLQ05, 0);
  assert.equal(shift.deltaLogLQ95, 4);
  assert.equal(logLikelihoodShift(weight, proxyLogL, [0, 1, 2, 3], proxyLogL).deltaLogLSd, 0);
});
