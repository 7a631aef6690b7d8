/**
 * A learned bound's network (nautilus, Lange 2023): a small MLP that scores unit-cube points so that
 * higher scores go with higher ln L. Trained elsewhere (lib/nn's rankTrainer, on TensorFlow.js) and
 * evaluated here in plain JavaScript: a bound filters thousands of candidate draws per likelihood
 * call, and one forward pass of a 64×64 network costs a few µs this way, not a tfjs dispatch.
 */

export const RANK_ACTIVATIONS = ['tanh', 'relu', 'silu', 'elu'] as const;

/** The trained network as plain data: input standardisation, then dense layers (last one linear). */
export interface RankNetworkJson {
  activation: (typeof RANK_ACTIVATIONS)[number];
  inputMean: number[];
  inputStd: number[];
  /** weights: inputs × outputs, row-major (h·W + b). */
  layers: { inputs: number; outputs: number; weights: number[]; bias: number[] }[];
}

/** Trains a network on evaluated points: u (n×d, flat) and their ln L; deterministic in `seed`. */
export type RankTrainer = (u: Float64Array, logL: Float64Array, d: number, seed: number) => Promise<RankNetworkJson>;

export class RankNetwork {
  private readonly weights: Float64Array[];
  private readonly biases: Float64Array[];
  private readonly buffers: Float64Array[];
  private readonly act: (x: number) => number;

  constructor(readonly json: RankNetworkJson) {
    const { layers, inputMean, inputStd, activation } = json;
    if (!RANK_ACTIVATIONS.includes(activation)) throw new Error(`rank network: unknown activation ${activation}`);
    if (layers.length === 0 || layers[0].inputs !== inputMean.length || inputStd.length !== inputMean.length) throw new Error('rank network: input size does not match its standardisation');
    layers.forEach((l, i) => {
      if (l.weights.length !== l.inputs * l.outputs || l.bias.length !== l.outputs) throw new Error(`rank network: layer ${i} has the wrong number of weights`);
      if (i > 0 && l.inputs !== layers[i - 1].outputs) throw new Error(`rank network: layer ${i} takes ${l.inputs} inputs, the layer before gives ${layers[i - 1].outputs}`);
    });
    if (layers[layers.length - 1].outputs !== 1) throw new Error('rank network: the last layer must have one output');
    this.weights = layers.map((l) => Float64Array.from(l.weights));
    this.biases = layers.map((l) => Float64Array.from(l.bias));
    this.buffers = [new Float64Array(layers[0].inputs), ...layers.map((l) => new Float64Array(l.outputs))];
    this.act = ACTIVATION[activation];
  }

  get dim(): number {
    return this.json.inputMean.length;
  }

  /** The score of the point at u[offset … offset + d). */
  score(u: ArrayLike<number>, offset = 0): number {
    const { inputMean, inputStd } = this.json;
    const input = this.buffers[0];
    for (let k = 0; k < input.length; k++) input[k] = (u[offset + k] - inputMean[k]) / inputStd[k];
    const last = this.weights.length - 1;
    for (let l = 0; l <= last; l++) {
      const h = this.buffers[l];
      const out = this.buffers[l + 1];
      const w = this.weights[l];
      const n = out.length;
      out.set(this.biases[l]);
      for (let i = 0; i < h.length; i++) {
        const hi = h[i];
        const row = i * n;
        for (let j = 0; j < n; j++) out[j] += hi * w[row + j];
      }
      if (l < last) for (let j = 0; j < n; j++) out[j] = this.act(out[j]);
    }
    return this.buffers[last + 1][0];
  }
}

const ACTIVATION: Record<RankNetworkJson['activation'], (x: number) => number> = {
  tanh: Math.tanh,
  relu: (x) => (x > 0 ? x : 0),
  silu: (x) => x / (1 + Math.exp(-x)),
  elu: (x) => (x > 0 ? x : Math.expm1(x)),
};
