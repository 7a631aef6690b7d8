import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../lib/random.ts';
import { linearScoreCompressor, pcaCompression } from '../../../lib/nn/compression.ts';
import { toMatrix } from '../../../lib/nn/matrix.ts';
import { ensembleSampler, type PosteriorSampler } from '../../../lib/nn/posterior-sampler.ts';
import { nestedSample } from '../../../lib/sampling/nested/index.ts';
import { runSnl, type SnlCheckpoint } from '../../../lib/nn/snl.ts';
import { bhattacharyyaToNormal, mean, useDefaultBackend } from './helpers.ts';
import { linearGaussian, linearGaussianSnlOptions } from './problems.ts';

await useDefaultBackend();

test('the fallback ensemble sampler draws a correlated 2-D Gaussian', async () => {
  // Precision of N(m, Σ) with Σ = [[1, 0.8·2], [0.8·2, 4]].
  const m = [1, -2];
  const cov = [[1, 1.6], [1.6, 4]];
  const det = cov[0][0] * cov[1][1] - cov[0][1] ** 2;
  const prec = [[cov[1][1] / det, -cov[0][1] / det], [-cov[1][0] / det, cov[0][0] / det]];
  const logDensity = async (points: number[][]) =>
    points.map(([x, y]) => {
      const [dx, dy] = [x - m[0], y - m[1]];
      return -0.5 * (dx * dx * prec[0][0] + 2 * dx * dy * prec[0][1] + dy * dy * prec[1][1]);
    });
  const rng = Rng.fromSeed(1);
  const initial = Array.from({ length: 200 }, () => [4 * rng.normal(), 4 * rng.normal()]);
  const draws = await ensembleSampler()({ logDensity, initial, samples: 6000, seed: 2 });
  assert.equal(draws.length, 6000);
  const mx = mean(draws.map((d) => d[0]));
  const my = mean(draws.map((d) => d[1]));
  assert.ok(Math.abs(mx - 1) < 0.1 && Math.abs(my + 2) < 0.2, `mean ${mx}, ${my}`);
  const sx = Math.sqrt(mean(draws.map((d) => (d[0] - mx) ** 2)));
  const sy = Math.sqrt(mean(draws.map((d) => (d[1] - my) ** 2)));
  const rho = mean(draws.map((d) => (d[0] - mx) * (d[1] - my))) / (sx * sy);
  assert.ok(Math.abs(sx - 1) < 0.1 && Math.abs(sy - 2) < 0.2 && Math.abs(rho - 0.8) < 0.05, `${sx} ${sy} ${rho}`);
});

test('linear score compression equals Jᵀ Σ⁻¹ (x − μ*); PCA compression keeps k coefficients', () => {
  const compressor = linearScoreCompressor({
    fiducialMean: [1, 0, 0],
    meanJacobian: [[1, 0], [0, 2], [1, 1]],
    noiseCovariance: [[4, 0, 0], [0, 1, 0], [0, 0, 0.25]],
  });
  const t = compressor.compress(toMatrix([[3, 1, 1]])).data;
  // Σ⁻¹(x − μ*) = [0.5, 1, 4]  ⇒  t = [0.5 + 4, 2 + 4]
  assert.ok(Math.abs(t[0] - 4.5) < 1e-6 && Math.abs(t[1] - 6) < 1e-6);

  const rng = Rng.fromSeed(4);
  const x = toMatrix(Array.from({ length: 100 }, () => Array.from({ length: 8 }, () => rng.normal())));
  const pca = pcaCompression(3, Rng.fromSeed(1))({ theta: x, x });
  assert.equal(pca.outputDim, 3);
  assert.equal(pca.compress(x).cols, 3);
});


test('SNL on a linear-Gaussian simulator: every marginal has Bhattacharyya coefficient ≥ 0.98 within 3 rounds', async () => {
  const truth = linearGaussian.posterior;
  const rounds: number[] = [];
  const result = await runSnl(linearGaussianSnlOptions({ onRound: (s) => void rounds.push(s.simulatorCalls) }));
  assert.equal(result.simulatorCalls, 1500);
  assert.deepEqual(rounds, [500, 1000, 1500]);
  assert.equal(result.posterior.length, 4000);
  for (let k = 0; k < 2; k++) {
    const bc = bhattacharyyaToNormal(result.posterior.map((p) => p[k]), truth.mean[k], truth.std[k]);
    assert.ok(bc >= 0.98, `θ${k}: BC = ${bc}`);
  }
  result.flow.dispose();
});

test('SNL resumed from a round checkpoint reproduces the uninterrupted run', async () => {
  const small = { rounds: 2, simulationsPerRound: 150, posteriorSamples: 300, training: { epochs: 8 } };
  let checkpoint: SnlCheckpoint | null = null;
  const full = await runSnl(linearGaussianSnlOptions({ ...small, onRound: (s, take) => void (s.round === 0 && (checkpoint = JSON.parse(JSON.stringify(take())))) }));
  assert.ok(checkpoint);
  const resumed = await runSnl(linearGaussianSnlOptions({ ...small, resumeFrom: checkpoint }));
  assert.deepEqual(resumed.posterior, full.posterior);
  assert.deepEqual(resumed.rounds, full.rounds);
  assert.equal(resumed.simulatorCalls, 300);
  full.flow.dispose();
  resumed.flow.dispose();
});

test('lib/sampling\'s nested sampler plugs into SNL as the posterior sampler', async () => {
  // Adapter: nested sampling of q(x_o | θ) under the prior, equal-weight draws resampled to `samples`.
  const nestedPosterior: PosteriorSampler = async ({ logLikelihood, prior, samples, seed }) => {
    if (!logLikelihood || !prior?.fromUnitCube) throw new Error('nested sampling needs the likelihood and a prior transform');
    const result = await nestedSample(
      { ndim: prior.dim, priorTransform: (u) => prior.fromUnitCube!(u), logLikelihood },
      { nlive: 300, seed },
    );
    const rng = Rng.fromSeed(seed);
    return Array.from({ length: samples }, () => result.equalWeight[rng.int(result.equalWeight.length)]);
  };
  const truth = linearGaussian.posterior;
  const result = await runSnl(linearGaussianSnlOptions({ rounds: 2, simulationsPerRound: 400, posteriorSamples: 3000, sampler: nestedPosterior }));
  assert.equal(result.simulatorCalls, 800);
  for (let k = 0; k < 2; k++) {
    const bc = bhattacharyyaToNormal(result.posterior.map((p) => p[k]), truth.mean[k], truth.std[k]);
    assert.ok(bc >= 0.98, `θ${k}: BC = ${bc}`);
  }
  result.flow.dispose();
});
