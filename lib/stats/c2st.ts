/**
 * Classifier two-sample test (Lopez-Paz & Oquab 2017; the sbi package's `c2st`): train a classifier
 * to tell draws of p from draws of q and report its held-out accuracy. 0.5 means the classifier can
 * do no better than chance (the samples are indistinguishable); 1 means disjoint distributions.
 * For two Gaussians with a common covariance Σ the Bayes-optimal accuracy is Φ(Δ/2), Δ the
 * Mahalanobis distance between the means: the ceiling a well-trained classifier approaches.
 */
import { Rng } from '../random.ts';
import { BinaryMlp, DEFAULT_TRAINING, type MlpTraining } from './mlp.ts';
import { kishEss, resampleIndices, type SampleSet } from './weighted.ts';

export interface C2stOptions {
  /** Number of cross-validation folds (stratified). */
  folds?: number;
  seed?: number;
  /** Rows per class are capped here (default 1000) to bound training time. */
  maxSamplesPerClass?: number;
  /** Hidden layer widths; default two layers of clamp(10·dim, 16, 32) like sbi's 10·dim. */
  hidden?: number[];
  training?: Partial<MlpTraining>;
}

export interface C2stResult {
  /** Mean held-out accuracy over the folds. */
  accuracy: number;
  foldAccuracies: number[];
  samplesPerClass: number;
}

/** C2ST on two matrices of rows (each row one draw of the same `dim` parameters). */
export function c2st(a: readonly ArrayLike<number>[], b: readonly ArrayLike<number>[], options: C2stOptions = {}): C2stResult {
  const rng = Rng.fromSeed(options.seed ?? 0);
  const folds = options.folds ?? 5;
  const perClass = Math.min(a.length, b.length, options.maxSamplesPerClass ?? 1000);
  if (perClass < folds) throw new Error(`c2st needs at least ${folds} rows per sample, got ${perClass}`);
  const dim = a[0].length;
  if (b[0].length !== dim) throw new Error(`c2st samples differ in dimension: ${dim} vs ${b[0].length}`);
  // Equal class sizes make 0.5 the chance level.
  const rowsA = rng.shuffle(Array.from({ length: a.length }, (_, i) => i)).slice(0, perClass);
  const rowsB = rng.shuffle(Array.from({ length: b.length }, (_, i) => i)).slice(0, perClass);
  const n = 2 * perClass;
  const x = new Float64Array(n * dim);
  const y = new Uint8Array(n);
  for (let k = 0; k < perClass; k++) {
    for (let j = 0; j < dim; j++) {
      x[k * dim + j] = a[rowsA[k]][j];
      x[(perClass + k) * dim + j] = b[rowsB[k]][j];
    }
    y[perClass + k] = 1;
  }
  // Stratified folds: each class is dealt round-robin after a shuffle.
  const foldOf = new Uint8Array(n);
  for (const offset of [0, perClass]) {
    const order = rng.shuffle(Array.from({ length: perClass }, (_, i) => offset + i));
    order.forEach((row, k) => (foldOf[row] = k % folds));
  }
  const hiddenWidth = Math.min(32, Math.max(16, 10 * dim));
  const hidden = options.hidden ?? [hiddenWidth, hiddenWidth];
  const training = { ...DEFAULT_TRAINING, ...options.training };
  const foldAccuracies: number[] = [];
  for (let f = 0; f < folds; f++) {
    const trainRows: number[] = [];
    const testRows: number[] = [];
    for (let r = 0; r < n; r++) (foldOf[r] === f ? testRows : trainRows).push(r);
    const xs = standardize(x, dim, trainRows);
    const net = new BinaryMlp(dim, hidden, rng.fork(f));
    net.fit(xs, y, trainRows, rng.fork(100 + f), training);
    let correct = 0;
    for (const r of testRows) if (net.logit(xs, r * dim) > 0 === (y[r] === 1)) correct++;
    foldAccuracies.push(correct / testRows.length);
  }
  return { accuracy: foldAccuracies.reduce((s, v) => s + v, 0) / folds, foldAccuracies, samplesPerClass: perClass };
}

/** C2ST between two weighted sample sets over `paramNames`, resampling each to equal-weight rows. */
export function c2stSampleSets(ref: SampleSet, other: SampleSet, paramNames: readonly string[], options: C2stOptions = {}): C2stResult {
  const rng = Rng.fromSeed((options.seed ?? 0) + 1);
  return c2st(toRows(ref, paramNames, rng), toRows(other, paramNames, rng), options);
}

/**
 * Equal-weight rows from a weighted set. Weighted sets are resampled to at most their Kish ESS rows:
 * more would repeat points, and repeats split across folds let the classifier score by memory.
 */
function toRows(set: SampleSet, paramNames: readonly string[], rng: Rng): number[][] {
  const columns = paramNames.map((name) => {
    const column = set.samples[name];
    if (!column) throw new Error(`sample set has no column '${name}'`);
    return column;
  });
  const n = columns[0].length;
  const indices = set.weights
    ? resampleIndices(n, set.weights, Math.max(1, Math.floor(kishEss(set.weights))), rng)
    : Uint32Array.from({ length: n }, (_, i) => i);
  return Array.from(indices, (i) => columns.map((c) => c[i]));
}

/** Features scaled by the training rows' mean and sd, so no test statistics leak into training. */
function standardize(x: Float64Array, dim: number, trainRows: readonly number[]): Float64Array {
  const out = new Float64Array(x.length);
  for (let j = 0; j < dim; j++) {
    let mean = 0;
    for (const r of trainRows) mean += x[r * dim + j];
    mean /= trainRows.length;
    let variance = 0;
    for (const r of trainRows) variance += (x[r * dim + j] - mean) ** 2;
    const sd = Math.sqrt(variance / trainRows.length) || 1;
    for (let r = 0; r < x.length / dim; r++) out[r * dim + j] = (x[r * dim + j] - mean) / sd;
  }
  return out;
}
