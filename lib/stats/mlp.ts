/**
 * A small fully connected binary classifier (ReLU hidden layers, one logit out) trained with Adam on
 * the logistic loss, in plain TypeScript so the classifier two-sample test needs no tensor backend.
 * Every parameter lives in one Float64Array; layers are views into it, which keeps Adam a single loop.
 */
import type { Rng } from '../random.ts';

export interface MlpTraining {
  learningRate: number;
  batchSize: number;
  maxEpochs: number;
  /** Stop after this many epochs without a lower validation loss; the best parameters are kept. */
  patience: number;
  /** Fraction of the training rows held out for early stopping. */
  validationFraction: number;
}

export const DEFAULT_TRAINING: MlpTraining = {
  learningRate: 3e-3,
  batchSize: 64,
  maxEpochs: 100,
  patience: 10,
  validationFraction: 0.1,
};

interface Layer {
  inputs: number;
  outputs: number;
  weights: Float64Array; // outputs × inputs, row-major
  bias: Float64Array;
  weightGrad: Float64Array;
  biasGrad: Float64Array;
}

export class BinaryMlp {
  private readonly params: Float64Array;
  private readonly grads: Float64Array;
  private readonly layers: Layer[];
  // Per-layer activations and pre-activations of the row being processed.
  private readonly activations: Float64Array[];
  private readonly deltas: Float64Array[];

  /** Layer sizes [inputs, ...hidden, 1]; He-normal weights from `rng`, zero biases. */
  constructor(inputs: number, hidden: readonly number[], rng: Rng) {
    const sizes = [inputs, ...hidden, 1];
    let total = 0;
    for (let l = 0; l + 1 < sizes.length; l++) total += sizes[l] * sizes[l + 1] + sizes[l + 1];
    this.params = new Float64Array(total);
    this.grads = new Float64Array(total);
    this.layers = [];
    let offset = 0;
    for (let l = 0; l + 1 < sizes.length; l++) {
      const [nIn, nOut] = [sizes[l], sizes[l + 1]];
      const layer: Layer = {
        inputs: nIn,
        outputs: nOut,
        weights: this.params.subarray(offset, offset + nIn * nOut),
        weightGrad: this.grads.subarray(offset, offset + nIn * nOut),
        bias: this.params.subarray(offset + nIn * nOut, offset + nIn * nOut + nOut),
        biasGrad: this.grads.subarray(offset + nIn * nOut, offset + nIn * nOut + nOut),
      };
      offset += nIn * nOut + nOut;
      const scale = Math.sqrt(2 / nIn);
      for (let i = 0; i < layer.weights.length; i++) layer.weights[i] = scale * rng.normal();
      this.layers.push(layer);
    }
    this.activations = sizes.map((n) => new Float64Array(n));
    this.deltas = sizes.map((n) => new Float64Array(n));
  }

  /** The logit z(x); P(class 1 | x) = σ(z). `x` is the row at `offset` of a row-major matrix. */
  logit(x: Float64Array, offset = 0): number {
    const input = this.activations[0];
    for (let i = 0; i < input.length; i++) input[i] = x[offset + i];
    for (let l = 0; l < this.layers.length; l++) {
      const { inputs, outputs, weights, bias } = this.layers[l];
      const a = this.activations[l];
      const z = this.activations[l + 1];
      const last = l === this.layers.length - 1;
      for (let o = 0; o < outputs; o++) {
        let s = bias[o];
        const row = o * inputs;
        for (let i = 0; i < inputs; i++) s += weights[row + i] * a[i];
        z[o] = last || s > 0 ? s : 0;
      }
    }
    return this.activations[this.layers.length][0];
  }

  /** Mean logistic loss softplus(z) − y·z over the rows. */
  loss(x: Float64Array, y: Uint8Array, rows: ArrayLike<number>): number {
    const d = this.layers[0].inputs;
    let total = 0;
    for (let k = 0; k < rows.length; k++) {
      const z = this.logit(x, rows[k] * d);
      total += softplus(z) - y[rows[k]] * z;
    }
    return total / rows.length;
  }

  /** Adam on minibatches of the training rows, early-stopped on a held-out slice of them. */
  fit(x: Float64Array, y: Uint8Array, rows: readonly number[], rng: Rng, training: MlpTraining = DEFAULT_TRAINING): void {
    const shuffled = rng.shuffle([...rows]);
    const nValidation = Math.max(1, Math.round(training.validationFraction * shuffled.length));
    const validation = shuffled.slice(0, nValidation);
    const train = shuffled.slice(nValidation);
    const d = this.layers[0].inputs;
    const m = new Float64Array(this.params.length);
    const v = new Float64Array(this.params.length);
    const [beta1, beta2, eps] = [0.9, 0.999, 1e-8];
    let step = 0;
    let best = this.loss(x, y, validation);
    let bestParams = this.params.slice();
    let sinceBest = 0;
    for (let epoch = 0; epoch < training.maxEpochs && sinceBest < training.patience; epoch++) {
      rng.shuffle(train);
      for (let start = 0; start < train.length; start += training.batchSize) {
        const end = Math.min(train.length, start + training.batchSize);
        this.grads.fill(0);
        for (let k = start; k < end; k++) this.accumulateGradient(x, train[k] * d, y[train[k]]);
        step++;
        const lr = (training.learningRate * Math.sqrt(1 - beta2 ** step)) / (1 - beta1 ** step);
        const batch = end - start;
        for (let i = 0; i < this.params.length; i++) {
          const g = this.grads[i] / batch;
          m[i] = beta1 * m[i] + (1 - beta1) * g;
          v[i] = beta2 * v[i] + (1 - beta2) * g * g;
          this.params[i] -= (lr * m[i]) / (Math.sqrt(v[i]) + eps);
        }
      }
      const validationLoss = this.loss(x, y, validation);
      if (validationLoss < best - 1e-6) {
        best = validationLoss;
        bestParams = this.params.slice();
        sinceBest = 0;
      } else sinceBest++;
    }
    this.params.set(bestParams);
  }

  /** Back-propagates ∂(softplus(z) − y z)/∂z = σ(z) − y through the layers, adding into `grads`. */
  private accumulateGradient(x: Float64Array, offset: number, label: number): void {
    const z = this.logit(x, offset);
    const top = this.layers.length;
    this.deltas[top][0] = sigmoid(z) - label;
    for (let l = top - 1; l >= 0; l--) {
      const { inputs, outputs, weights, weightGrad, biasGrad } = this.layers[l];
      const a = this.activations[l];
      const delta = this.deltas[l + 1];
      const below = this.deltas[l];
      below.fill(0);
      for (let o = 0; o < outputs; o++) {
        const g = delta[o];
        if (g === 0) continue;
        biasGrad[o] += g;
        const row = o * inputs;
        for (let i = 0; i < inputs; i++) {
          weightGrad[row + i] += g * a[i];
          below[i] += g * weights[row + i];
        }
      }
      // ReLU derivative: hidden activations are zero exactly where the unit was inactive.
      if (l > 0) for (let i = 0; i < inputs; i++) if (a[i] <= 0) below[i] = 0;
    }
  }
}

function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}
