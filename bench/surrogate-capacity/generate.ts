/**
 * Training data for bench/surrogate-capacity/train.py: how accurate can an MLP surrogate of the
 * atmospheric forward model get in the posterior region when training is not CPU-bound? Draws θ
 * from a full-model posterior's samples with 0.15 σ jitter (as the refinement rounds do), simulates
 * the full model there, and stores the reference posterior's samples with their full-model spectra.
 *
 *   node --import tsx bench/surrogate-capacity/generate.ts RUN/retrieve-full/posterior_samples.parquet [N=100000] [OUT=bench/surrogate-capacity/data]
 *
 * Float32 inputs/spectra (train_x.f32, train_y.f32), float64 posterior arrays, data.json with the
 * observed depths, errors and region.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../../lib/random.ts';
import { numberColumn, parquetToTable } from '../../lib/store/parquet.ts';
import { PARAM_NAMES } from '../../pipelines/atmospheric-retrieval/constants.ts';
import { cholesky } from '../../lib/nn/linalg.ts';
import { posteriorCovariance, posteriorTrainingThetas } from '../../pipelines/atmospheric-retrieval/refinement.ts';
import { cachedForwardModel, cachedSpectrum } from '../../pipelines/atmospheric-retrieval/retrieval.ts';

const [posteriorFile, size = '100000', out = 'bench/surrogate-capacity/data'] = process.argv.slice(2);
if (!posteriorFile) throw new Error('usage: generate.ts POSTERIOR_SAMPLES.parquet [N] [OUT]');
const table = parquetToTable(readFileSync(posteriorFile));
const columns = PARAM_NAMES.map((p) => numberColumn(table, p));
const weight = numberColumn(table, 'weight');
const thetas = Array.from({ length: table.numRows }, (_, i) => columns.map((c) => c[i]!));
const model = cachedForwardModel();
const data = cachedSpectrum();
const n = Number(size);
const rng = Rng.fromSeed(11);
const x = new Float32Array(n * 9);
const y = new Float32Array(n * model.nBands);
posteriorTrainingThetas({ thetas, weights: weight }, n, 0.15, rng).forEach((theta, i) => {
  x.set(theta, i * 9);
  y.set(model.depths(theta), i * model.nBands);
});
// Input whitening for train.py: the posterior's weighted mean and covariance factor.
const total = weight.reduce((a, b) => a + b, 0);
const mean = PARAM_NAMES.map((_, d) => thetas.reduce((s, t, i) => s + (weight[i]! / total) * t[d]!, 0));
const chol = cholesky(posteriorCovariance({ thetas, weights: weight }));
const maxWeight = Math.max(...weight);
const kept = thetas.flatMap((_, i) => (weight[i]! > 1e-6 * maxWeight ? [i] : []));
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'train_x.f32'), x);
writeFileSync(join(out, 'train_y.f32'), y);
writeFileSync(join(out, 'post_x.f64'), Float64Array.from(kept.flatMap((i) => thetas[i]!)));
writeFileSync(join(out, 'post_y.f64'), Float64Array.from(kept.flatMap((i) => Array.from(model.depths(thetas[i]!)))));
writeFileSync(join(out, 'post_w.f64'), Float64Array.from(kept, (i) => weight[i]!));
writeFileSync(join(out, 'data.json'), JSON.stringify({ depth: Array.from(data.depth), error: Array.from(data.error), mean, chol, jitter: 0.15, n, posterior: kept.length }));
console.log(`${n} jittered-posterior spectra, ${kept.length} posterior samples → ${out}`);
