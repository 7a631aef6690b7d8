import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../lib/random.ts';
import { cholesky, choleskySolve, symmetricEigen } from '../../../lib/nn/linalg.ts';
import { toMatrix } from '../../../lib/nn/matrix.ts';
import { fitPca, pcaProject, pcaReconstruct } from '../../../lib/nn/pca.ts';
import { fitStandardization, standardize, unstandardize } from '../../../lib/nn/standardize.ts';

test('symmetricEigen: the 3×3 second-difference matrix has eigenvalues 2 − 2cos(kπ/4)', () => {
  const a = [2, -1, 0, -1, 2, -1, 0, -1, 2];
  const { values, vectors } = symmetricEigen(a, 3);
  const expected = [3, 2, 1].map((k) => 2 - 2 * Math.cos((k * Math.PI) / 4));
  values.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-12, `${v} vs ${expected[i]}`));
  vectors.forEach((v, k) => {
    for (let i = 0; i < 3; i++) {
      const av = a[3 * i] * v[0] + a[3 * i + 1] * v[1] + a[3 * i + 2] * v[2];
      assert.ok(Math.abs(av - values[k] * v[i]) < 1e-12);
    }
  });
});

test('Cholesky solve reproduces a known solution', () => {
  const a = [
    [4, 2, 0.4],
    [2, 5, 1],
    [0.4, 1, 3],
  ];
  const x = [1, -2, 0.5];
  const b = a.map((row) => row.reduce((s, v, j) => s + v * x[j], 0));
  choleskySolve(cholesky(a), b).forEach((v, i) => assert.ok(Math.abs(v - x[i]) < 1e-12));
  assert.throws(() => cholesky([[1, 2], [2, 1]]), /not positive definite/);
});

test('randomised PCA matches the exact eigen-decomposition of the sample covariance', () => {
  const rng = Rng.fromSeed(3);
  const d = 40;
  const n = 600;
  // Three latent directions with standard deviations 3, 1.5, 0.5 plus isotropic noise 0.05.
  const directions = [0, 1, 2].map((k) => Array.from({ length: d }, (_, j) => Math.sin((k + 1) * (j + 0.5) * 0.3) + 0.2 * k));
  const rows = Array.from({ length: n }, () => {
    const z = [3, 1.5, 0.5].map((s) => s * rng.normal());
    return Array.from({ length: d }, (_, j) => 1 + directions.reduce((acc, dir, k) => acc + z[k] * dir[j], 0) + 0.05 * rng.normal());
  });
  const data = toMatrix(rows);
  const pca = fitPca(data, 3, Rng.fromSeed(9));

  const mean = Array.from({ length: d }, (_, j) => rows.reduce((s, r) => s + r[j], 0) / n);
  const cov = new Float64Array(d * d);
  for (const r of rows) for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) cov[i * d + j] += ((r[i] - mean[i]) * (r[j] - mean[j])) / (n - 1);
  const exact = symmetricEigen(cov, d);

  for (let k = 0; k < 3; k++) {
    assert.ok(Math.abs(pca.variances[k] / exact.values[k] - 1) < 1e-3, `variance ${k}: ${pca.variances[k]} vs ${exact.values[k]}`);
    // Float32 input limits agreement to ~1e-6 relative in the directions.
    const dot = pca.components[k].reduce((s, v, j) => s + v * exact.vectors[k][j], 0);
    assert.ok(Math.abs(Math.abs(dot) - 1) < 1e-4, `direction ${k}: |cos| = ${Math.abs(dot)}`);
  }
  const trace = exact.values.reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(pca.totalVariance / trace - 1) < 1e-5);

  // Three components reconstruct the data to the noise level.
  const recon = pcaReconstruct(pcaProject(data, pca), pca);
  let sq = 0;
  for (let i = 0; i < data.data.length; i++) sq += (recon.data[i] - data.data[i]) ** 2;
  const rms = Math.sqrt(sq / data.data.length);
  assert.ok(rms < 0.06 && rms > 0.03, `reconstruction rms ${rms}`);
});

test('standardisation gives zero-mean unit-variance columns and inverts exactly enough', () => {
  const m = toMatrix([
    [1, 10, 5],
    [2, 30, 5],
    [3, 20, 5],
  ]);
  const s = fitStandardization(m);
  assert.deepEqual(s.mean, [2, 20, 5]);
  assert.deepEqual(s.std, [1, 10, 1]); // the constant column keeps std 1
  assert.deepEqual(Array.from(standardize(m, s).data), [-1, -1, 0, 0, 1, 0, 1, 0, 0]);
  assert.deepEqual(Array.from(unstandardize(standardize(m, s), s).data), Array.from(m.data));
});
