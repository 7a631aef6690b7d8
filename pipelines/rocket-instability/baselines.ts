/**
 * The two reference forecasters, each a Gaussian with one variance fitted on the training rows:
 * persistence (the envelope's mean over the last 10 ms, carried 500 ms ahead) and a linear
 * autoregressive model (ridge regression on the same inputs as the network).
 */
import { cholesky, choleskySolve } from '../../lib/nn/linalg.ts';
import type { Matrix } from '../../lib/nn/matrix.ts';

export interface GaussianForecast {
  mean: Float64Array;
  variance: Float64Array;
}

const residualVariance = (truth: ArrayLike<number>, mean: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < truth.length; i++) s += (truth[i]! - mean[i]!) ** 2;
  return s / truth.length;
};

export interface PersistenceModel {
  column: number;
  variance: number;
}

/** Persistence: μ = the input column holding the latest envelope mean. */
export function fitPersistence(inputs: Matrix, targets: ArrayLike<number>, column: number): PersistenceModel {
  const mean = Float64Array.from({ length: inputs.rows }, (_, i) => inputs.data[i * inputs.cols + column]!);
  return { column, variance: residualVariance(targets, mean) };
}

export function predictPersistence(model: PersistenceModel, inputs: Matrix): GaussianForecast {
  const mean = Float64Array.from({ length: inputs.rows }, (_, i) => inputs.data[i * inputs.cols + model.column]!);
  return { mean, variance: new Float64Array(inputs.rows).fill(model.variance) };
}

export interface LinearModel {
  /** Intercept first, then one weight per input. */
  weights: number[];
  variance: number;
}

/** Ridge least squares on standardised inputs (penalty `ridge` per row on every slope). */
export function fitLinear(inputs: Matrix, targets: ArrayLike<number>, ridge = 1e-3): LinearModel {
  const d = inputs.cols + 1;
  const gram = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  const rhs = new Array<number>(d).fill(0);
  const row = new Array<number>(d);
  for (let i = 0; i < inputs.rows; i++) {
    row[0] = 1;
    for (let j = 1; j < d; j++) row[j] = inputs.data[i * inputs.cols + j - 1]!;
    for (let a = 0; a < d; a++) {
      rhs[a]! += row[a]! * targets[i]!;
      for (let b = 0; b <= a; b++) gram[a]![b]! += row[a]! * row[b]!;
    }
  }
  // Scale-aware penalty: λ n times the diagonal (Marquardt), so the inputs' units do not matter.
  for (let a = 0; a < d; a++) {
    for (let b = 0; b < a; b++) gram[b]![a] = gram[a]![b]!;
    if (a > 0) gram[a]![a]! += ridge * gram[a]![a]! + 1e-12;
  }
  const weights = choleskySolve(cholesky(gram), rhs);
  return { weights, variance: residualVariance(targets, linearMean(weights, inputs)) };
}

function linearMean(weights: number[], inputs: Matrix): Float64Array {
  return Float64Array.from({ length: inputs.rows }, (_, i) => {
    let s = weights[0]!;
    for (let j = 0; j < inputs.cols; j++) s += weights[j + 1]! * inputs.data[i * inputs.cols + j]!;
    return s;
  });
}

export function predictLinear(model: LinearModel, inputs: Matrix): GaussianForecast {
  return { mean: linearMean(model.weights, inputs), variance: new Float64Array(inputs.rows).fill(model.variance) };
}
