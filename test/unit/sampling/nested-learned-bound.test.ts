/**
 * Learned bounds (options.learnedBound): ellipsoids ∩ a network's filter, for importance nested
 * sampling. The geometry against a hand-made network with a known volume; the trained network
 * (lib/nn rankTrainer, TensorFlow.js) evaluated in JavaScript must rank held-out points like ln L;
 * runs against exact evidences with fewer calls than the ellipsoids alone; checkpoints restore
 * bit for bit with the networks in them.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../../lib/random.ts';
import { rankTrainer } from '../../../lib/nn/rank-trainer.ts';
import { NestedSampler, type NestedProblem, type NestedSamplerOptions } from '../../../lib/sampling/index.ts';
import { boundFromJson, EllipsoidUnion, LearnedBound } from '../../../lib/sampling/nested/bound.ts';
import { Ellipsoid } from '../../../lib/sampling/nested/ellipsoid.ts';
import { tallyLogVolume } from '../../../lib/sampling/nested/importance.ts';
import { RankNetwork } from '../../../lib/sampling/nested/rank-network.ts';
import { gaussianShells, logGamma, type ReferenceProblem } from '../../../lib/sampling/reference-problems.ts';
import { useDefaultBackend } from '../nn/helpers.ts';

await useDefaultBackend();

/** A small, quick network: these runs train it 3–7 times each. */
const quickTrainer = rankTrainer({ hiddenUnits: [32, 32], epochs: 10 });

function withTrainer(problem: ReferenceProblem): NestedProblem & { trainings: number } {
  const counted = {
    ...problem,
    trainings: 0,
    rankTrainer: (u: Float64Array, logL: Float64Array, d: number, seed: number) => {
      counted.trainings++;
      return quickTrainer(u, logL, d, seed);
    },
  };
  return counted;
}

async function run(problem: NestedProblem, options: NestedSamplerOptions) {
  const sampler = new NestedSampler(problem, options);
  await sampler.run();
  return sampler.result();
}

describe('learned bound', () => {
  it('draws from ellipsoids ∩ {score > threshold}, and its volume estimate counts only that part', () => {
    // score(u) = u₀: the filter keeps the right half of a disc centred in the cube.
    const network = new RankNetwork({ activation: 'tanh', inputMean: [0, 0], inputStd: [1, 1], layers: [{ inputs: 2, outputs: 1, weights: [1, 0], bias: [0] }] });
    const union = new EllipsoidUnion(2, [new Ellipsoid(2, Float64Array.of(0.5, 0.5), Float64Array.of(0.3, 0, 0, 0.3))]);
    const bound = new LearnedBound(union, network, 0.5);
    const rng = Rng.fromSeed(3);
    for (let i = 0; i < 1000; i++) {
      const x = bound.sampleInto(rng, new Float64Array(2));
      assert.ok(x[0] > 0.5 && (x[0] - 0.5) ** 2 + (x[1] - 0.5) ** 2 <= 0.09 + 1e-12, `draw ${x} outside the half disc`);
    }
    const { logVolume, variance } = tallyLogVolume(union, bound.tallyVolumeInCube(rng, 16384));
    const halfDisc = (Math.PI * 0.09) / 2;
    assert.ok(Math.abs(Math.exp(logVolume) / halfDisc - 1) < 4 * Math.sqrt(variance) + 1e-9, `volume ${Math.exp(logVolume)} vs ${halfDisc} (σ ${Math.sqrt(variance)})`);
    assert.ok(variance > 0, 'a filtered volume is an estimate');
    const again = boundFromJson(JSON.parse(JSON.stringify(bound.toJson())), 2) as LearnedBound;
    assert.ok(again instanceof LearnedBound && again.threshold === 0.5 && again.network.score([0.7, 0.2]) === network.score([0.7, 0.2]));
  });

  it('the trained network, evaluated in JavaScript, ranks held-out points like ln L', async () => {
    const problem = logGamma(4);
    const rng = Rng.fromSeed(5);
    const draw = (n: number) => Array.from({ length: n }, () => Array.from({ length: 4 }, () => 0.2 + 0.6 * rng.uniform()));
    const train = draw(4000);
    const network = new RankNetwork(await quickTrainer(Float64Array.from(train.flat()), Float64Array.from(problem.logLikelihood(train) as number[]), 4, 11));
    const test = draw(500);
    const logL = problem.logLikelihood(test) as number[];
    const scores = test.map((u) => network.score(u));
    // Spearman's ρ between score and ln L on points the network never saw.
    const ranks = (v: number[]) => {
      const r = new Array<number>(v.length);
      v.map((x, i) => [x, i]).sort((a, b) => a[0] - b[0]).forEach(([, i], k) => (r[i] = k));
      return r;
    };
    const [a, b] = [ranks(scores), ranks(logL)];
    const n = test.length;
    const rho = 1 - (6 * a.reduce((s, ai, i) => s + (ai - b[i]) ** 2, 0)) / (n * (n * n - 1));
    assert.ok(rho > 0.9, `Spearman ρ ${rho.toFixed(3)}`);
  });

  it('keeps ln Z within 3.5σ of the exact evidence, its exploration taking fewer likelihood calls than with the ellipsoids alone', async () => {
    for (const [problem, nlive] of [[logGamma(4), 150], [gaussianShells(5), 200]] as const) {
      let callsLearned = 0;
      let callsEllipsoids = 0;
      for (let seed = 1; seed <= 3; seed++) {
        const learned = withTrainer(problem);
        const r = await run(learned, { nlive, seed, importance: true, learnedBound: true });
        const z = (r.logZ - problem.truth) / r.logZerr;
        assert.ok(Math.abs(z) < 3.5, `${problem.name} seed ${seed}: z ${z.toFixed(2)}`);
        assert.ok(learned.trainings > 0, `${problem.name} seed ${seed}: no network was trained`);
        // The bound shapes the exploration; the fresh draws after it (discardExploration) are counted apart.
        callsLearned += r.exploration!.points;
        callsEllipsoids += (await run(problem, { nlive, seed, importance: true })).ncall;
      }
      assert.ok(callsLearned < 0.9 * callsEllipsoids, `${problem.name}: ${callsLearned} exploration calls with the learned bound, ${callsEllipsoids} without`);
    }
  });

  it('a checkpoint restores bit for bit, networks and thresholds included', async () => {
    const problem = withTrainer(logGamma(4));
    const options = { nlive: 150, seed: 2, importance: true, learnedBound: true };
    const reference = await run(problem, options);
    let sampler = new NestedSampler(problem, options);
    let restarts = 0;
    let learnedCheckpoints = 0;
    for (;;) {
      const start = sampler.progress().iteration;
      if ((await sampler.run({ shouldStop: () => sampler.progress().iteration - start >= 400 })).finished) break;
      const checkpoint = JSON.parse(JSON.stringify(sampler.checkpoint()));
      if (checkpoint.bound.kind === 'learned') learnedCheckpoints++;
      sampler = NestedSampler.restore(problem, checkpoint);
      restarts++;
    }
    assert.ok(restarts >= 3 && learnedCheckpoints >= 1, `${restarts} restarts, ${learnedCheckpoints} with a learned bound`);
    assert.deepEqual(sampler.result(), reference);
  });

  it('refuses a learned bound without importance weighting or without a trainer', () => {
    assert.throws(() => new NestedSampler(withTrainer(logGamma(4)), { learnedBound: true }), /learnedBound needs importance: true/);
    assert.throws(() => new NestedSampler(logGamma(4), { importance: true, learnedBound: true }), /no network trainer/);
  });
});
