import assert from 'node:assert/strict';
import { test } from 'node:test';
import { atmosphericRetrieval, guideStages, previewStages } from '../../../pipelines/atmospheric-retrieval/index.ts';
import { previewStage } from '../../../pipelines/atmospheric-retrieval/report.ts';
import { gaussianLogLikelihood, guideLikelihood, surrogateLikelihood, withModelError } from '../../../pipelines/atmospheric-retrieval/retrieval.ts';
import { logLikelihoodShift, pointsToReweight, reweightNested } from '../../../lib/sampling/reweight.ts';

const inputs = (sha256: string) => [{ key: 'dataDir', path: '/x/eclipse_depths.csv', sha256, bytes: 1 }] as never;
const stagesOf = (c: object) => atmosphericRetrieval.stages(atmosphericRetrieval.schema.parse(c), inputs('aaa'));

test('presets fill only the size keys the user left unset, and a filled config parses to itself', () => {
  const parse = (c: object) => atmosphericRetrieval.schema.parse(c);
  const sizes = (c: ReturnType<typeof parse>) => ({
    trainingSize: c.trainingSize,
    epochs: c.surrogate.epochs,
    ensembleSize: c.surrogate.ensembleSize,
    nlive: c.nlive,
    refinementSize: c.refinement.trainingSize,
    refinementEpochs: c.refinement.epochs,
    guidedLive: c.guide.nlive,
  });
  assert.deepEqual(sizes(parse({})), { trainingSize: 8000, epochs: 60, ensembleSize: 2, nlive: 100, refinementSize: 4000, refinementEpochs: 150, guidedLive: 100 });
  const full = parse({ preset: 'full', nlive: 300, refinement: { trainingSize: 900 }, referenceRuns: 4 });
  assert.deepEqual(sizes(full), { trainingSize: 50000, epochs: 300, ensembleSize: 5, nlive: 300, refinementSize: 900, refinementEpochs: 300, guidedLive: 1200 });
  // A stored (filled) config fed back in — resume, schedules, a manifest's config — is the same run.
  assert.deepEqual(parse(JSON.parse(JSON.stringify(full))), full);
  assert.deepEqual(stagesOf(full), stagesOf({ preset: 'full', nlive: 300, refinement: { trainingSize: 900 }, referenceRuns: 4 }));
  assert.throws(() => parse({ refinement: { widen: 1.5 } }), 'the Gaussian-region keys are gone');
  assert.throws(() => parse({ refinement: { ensembleSize: 1 } }), 'a guide needs an ensemble spread');
  assert.throws(() => parse({ guide: { relativeSpread: 0.5 } }), 'k · relativeSpread < 1, else the guide accepts everything');
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
  for (const name of ['retrieve-surrogate', 'retrieve-refined-2', 'retrieve-guided', 'retrieve-full']) assert.notEqual(byName(a, name), byName(b, name), name);
  const synthetic = stagesOf({ mode: 'synthetic', injections: 3, reference: false });
  const stage = (n: string) => synthetic.find((s) => s.name === n)!;
  assert.deepEqual(stage('retrieve-guided').fanOut!.values, [0, 1, 2]);
  // Refinement fans out per injection: its set, surrogate and retrieval see injection i's branch.
  assert.deepEqual(stage('refine-training-set').fanOut, { param: 'injection', values: [0, 1, 2], concurrency: 1 });
  assert.deepEqual(stage('refine-surrogate-2').fanOut, { param: 'trainingBranch', values: [0, 1, 2], concurrency: 1 });
});

test('stage graph: search, posterior-trained rounds, guided exact retrieval, reference and comparisons', () => {
  const names = (c: object) => stagesOf(c).map((s) => s.name);
  // Listed in report order: the guided headline, the preview, the reference, the comparisons, then the search.
  assert.deepEqual(names({ refinement: { rounds: 0 } }), ['retrieve-guided', 'retrieve-surrogate', 'retrieve-full', 'compare-guided', 'compare-preview', 'training-set', 'surrogate', 'surrogate-error']);
  assert.deepEqual(names({ reference: false }), [
    'retrieve-guided',
    'training-set',
    'surrogate',
    'retrieve-surrogate',
    'refine-training-set',
    'refine-surrogate',
    'retrieve-refined',
    'refine-training-set-2',
    'refine-surrogate-2',
    'retrieve-refined-2',
  ]);
  const config = atmosphericRetrieval.schema.parse({});
  const two = atmosphericRetrieval.stages(config, inputs('aaa'));
  const stage = (n: string) => two.find((s) => s.name === n)!;
  assert.deepEqual(previewStages(config), { set: 'refine-training-set-2', surrogate: 'refine-surrogate-2', retrieve: 'retrieve-refined-2' });
  assert.deepEqual(guideStages(config), { set: 'refine-training-set', surrogate: 'refine-surrogate' });
  // Round r trains a fresh ensemble on the samples of round r − 1's retrieval, the last round on the
  // guided (exact) posterior's; no inflation after the search.
  assert.deepEqual(stage('refine-training-set').params, { simulator: 'posterior-set', source: 'retrieve-surrogate', size: 4000, jitter: 0.15, resolution: config.resolution });
  assert.equal(stage('refine-training-set-2').params.source, 'retrieve-guided');
  assert.deepEqual(stage('refine-training-set-2').dependsOn, ['retrieve-guided']);
  assert.deepEqual(stage('refine-surrogate-2').params.training, { stage: 'refine-training-set-2', output: 'observations' });
  assert.deepEqual(stage('refine-surrogate-2').params.surrogate, { ...config.surrogate, ensembleSize: 2, epochs: 150 });
  assert.equal(stage('retrieve-surrogate').params.errorScale, config.searchErrorScale);
  assert.equal(stage('retrieve-refined-2').params.errorScale, undefined);
  // The guided retrieval: the full model with the last-but-one round's surrogate and its training set.
  const guided = stage('retrieve-guided');
  assert.equal(guided.params.problem, 'guided');
  assert.deepEqual(guided.dependsOn, ['refine-surrogate', 'refine-training-set']);
  assert.equal(guided.params.nlive, 100, 'as many live points as the (one-run) reference');
  assert.equal(stagesOf({ referenceRuns: 4 }).find((s) => s.name === 'retrieve-guided')!.params.nlive, 400, 'and as the merged one');
  assert.equal(guided.params.whitening, 'differential');
  assert.deepEqual(guided.params.guide, { margin: 4, spreadFactor: 2, auditFraction: 0.01, blockSteps: 1 });
  assert.deepEqual(guided.params.guideTrust, { trustDepth: 8, maxSpread: 2, relativeSpread: 0.1 });
  assert.deepEqual(stage('retrieve-full').dependsOn, [], 'the reference starts at once, beside the search (one process each)');
  assert.equal(stage('retrieve-full').params.slices, 72, 'the reference mixes more than the default guided run');
  assert.equal(guided.params.slices, 48, 'kept steps of the guided run');
  assert.equal(stagesOf({ guide: { slices: 72 } }).find((s) => s.name === 'retrieve-guided')!.params.slices, 72, 'the bench: equal mixing');
  assert.equal(stage('retrieve-refined-2').params.slices, 24, 'the preview keeps `slices`');
  assert.equal(stage('retrieve-full').params.samplerSeed, guided.params.samplerSeed, 'common random numbers');
  for (const [name, other] of [['compare-guided', 'retrieve-guided'], ['compare-preview', 'retrieve-refined-2']]) {
    assert.deepEqual((stage(name!).params.other as { stage: string }).stage, other);
    assert.equal(stage(name!).params.resolution, true, 'BC beside its resolution floor');
  }
  // The preview surrogate's ln L on the reference's samples.
  assert.equal(stage('surrogate-error').params.problem, 'surrogate');
  assert.equal(stage('surrogate-error').params.surrogate, 'refine-surrogate-2');
  assert.deepEqual(stage('surrogate-error').params.samples, { stage: 'retrieve-full' });
  // The reference check: other seeds, compared with the first; merged references merge K runs each.
  const merged = stagesOf({ refinement: { rounds: 0 }, referenceCheck: true, referenceRuns: 3 });
  const byName = (n: string) => merged.find((s) => s.name === n)!;
  assert.deepEqual(byName('merge-full').params.runs, ['retrieve-full', 'retrieve-full-2', 'retrieve-full-3']);
  assert.deepEqual(byName('merge-full-check').params.runs, ['retrieve-full-check', 'retrieve-full-check-2', 'retrieve-full-check-3']);
  const seeds = merged.filter((s) => s.activity === 'nestedSampling' && s.params.problem === 'full').map((s) => s.params.samplerSeed);
  assert.equal(new Set(seeds).size, 6, 'every full-model run has its own seed');
  assert.deepEqual(byName('retrieve-full-2').dependsOn, []);
  assert.deepEqual((byName('compare-guided').params.reference as { stage: string }).stage, 'merge-full');
  assert.deepEqual((byName('compare-reference').params.other as { stage: string }).stage, 'merge-full-check');
  assert.deepEqual(byName('surrogate-error').params.samples, { stage: 'merge-full' });
  assert.equal(previewStage([{ name: 'retrieve-refined-2' }, { name: 'retrieve-refined' }, { name: 'retrieve-full' }]), 'retrieve-refined-2');
  assert.equal(previewStage([{ name: 'retrieve-surrogate' }]), 'retrieve-surrogate');
});

/** A fake ensemble: member k predicts the constant spectrum c_k (one band), whatever θ. */
const fakeEnsemble = (...c: number[]) => ({ outputDim: 1, predictMembers: (m: { rows: number }) => c.map((v) => ({ rows: m.rows, cols: 1, data: new Float64Array(m.rows).fill(v) })) }) as never;

test('surrogate likelihood: ln L̃ at the ensemble-mean spectrum, spread = sd of the members\' ln L', () => {
  const obs = { depth: Float64Array.from([0]), error: Float64Array.from([1]) };
  const c = -0.5 * Math.log(2 * Math.PI);
  const theta = new Array<number>(9).fill(0);
  const { logL, spread } = surrogateLikelihood(fakeEnsemble(1, 3), obs)([theta, theta]);
  assert.ok(Math.abs(logL[0]! - (c - 0.5 * 2 ** 2)) < 1e-12, 'mean spectrum 2');
  // Members' ln L: c − 0.5 and c − 4.5: sd 2.
  assert.ok(Math.abs(spread[1]! - 2) < 1e-12);
  assert.deepEqual(surrogateLikelihood(fakeEnsemble(2, 2), obs)([theta]).spread, [0]);
});

test('guide: the network near its peak where its members agree, the coarse model elsewhere with a depth-scaled spread', () => {
  // Network: ln L̃ = −θ, spread θ/10; coarse: ln L = −2θ. Peak 0, trust within 8 nats and spread 2.
  const network = (batch: number[][]) => ({ logL: batch.map(([x]) => -x!), spread: batch.map(([x]) => x! / 10) });
  let coarseCalls = 0;
  const coarse = (batch: number[][]) => ((coarseCalls += batch.length), batch.map(([x]) => -2 * x!));
  const guide = guideLikelihood(network, coarse, { peakLogL: 0, trustDepth: 8, maxSpread: 0.5, relativeSpread: 0.1 });
  const { logL, spread } = guide([[1], [6], [20]]);
  assert.deepEqual(logL, [-1, -12, -40], 'θ = 6: inside the trusted depth but members disagree by 0.6 > 0.5');
  [0.1, 1.2, 4].forEach((s, i) => assert.ok(Math.abs(spread[i]! - s) < 1e-12, `spread ${i}: ${spread[i]}`));
  assert.equal(coarseCalls, 2, 'the coarse model runs only where the network is not trusted');
  assert.deepEqual(guide([[2]]), { logL: [-2], spread: [0.2] });
  assert.equal(coarseCalls, 2);
});

test('Gaussian likelihood: normalised density, and a model error widens it in quadrature', () => {
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
