/**
 * Fully connected networks: h_{l+1} = act(h_l W_l + b_l), linear last layer. Optional constant
 * 0/1 masks multiply the weights (W ⊙ M), which is all a MADE block needs on top of a plain MLP.
 *
 * Initial weights come from the project's seeded generator (Glorot/Xavier normal,
 * σ = √(2 / (fan_in + fan_out))), never from tfjs's own initialisers, so the same seed gives the same
 * network on every backend.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../random.ts';

export const ACTIVATIONS = ['tanh', 'relu', 'silu', 'elu'] as const;
export type Activation = (typeof ACTIVATIONS)[number];

export interface MlpArchitecture {
  inputDim: number;
  hiddenUnits: number[];
  outputDim: number;
  activation: Activation;
}

export function activate(x: tf.Tensor2D, activation: Activation): tf.Tensor2D {
  switch (activation) {
    case 'tanh':
      return tf.tanh(x);
    case 'relu':
      return tf.relu(x);
    case 'silu':
      return tf.mul(x, tf.sigmoid(x));
    case 'elu':
      return tf.elu(x);
  }
}

/** Layer widths including input and output: [in, h1, …, out]. */
const widths = (a: MlpArchitecture): number[] => [a.inputDim, ...a.hiddenUnits, a.outputDim];

/** Shapes of the parameter list [W0, b0, W1, b1, …]. */
export function mlpShapes(a: MlpArchitecture): number[][] {
  const w = widths(a);
  return w.slice(1).flatMap((out, l) => [[w[l], out], [out]]);
}

/**
 * Glorot-normal weights and zero biases. `outputScale` shrinks the last layer, e.g. so a flow
 * starts close to the identity map.
 */
export function initialMlpParameters(a: MlpArchitecture, rng: Rng, outputScale = 1): Float32Array[] {
  const w = widths(a);
  const layers = w.length - 1;
  return w.slice(1).flatMap((out, l) => {
    const fanIn = w[l];
    const sigma = Math.sqrt(2 / (fanIn + out)) * (l === layers - 1 ? outputScale : 1);
    const weights = new Float32Array(fanIn * out);
    for (let i = 0; i < weights.length; i++) weights[i] = sigma * rng.normal();
    return [weights, new Float32Array(out)];
  });
}

/** Forward pass through [W0, b0, …]; `masks[l]`, when given, multiplies W_l elementwise. */
export function mlpForward(
  x: tf.Tensor2D,
  parameters: readonly tf.Tensor[],
  activation: Activation,
  masks?: readonly tf.Tensor2D[],
): tf.Tensor2D {
  const layers = parameters.length / 2;
  let h = x;
  for (let l = 0; l < layers; l++) {
    const weight = parameters[2 * l] as tf.Tensor2D;
    const effective = masks ? tf.mul(weight, masks[l]) : weight;
    h = tf.add(tf.matMul(h, effective), parameters[2 * l + 1]);
    if (l < layers - 1) h = activate(h, activation);
  }
  return h;
}
