/**
 * Adam (Kingma & Ba 2015) over a fixed list of variables, with its moments exportable so training
 * resumes exactly where a checkpoint left it (tfjs's built-in optimiser keeps them private and has
 * no per-epoch learning rate).
 *
 *   m ← β₁ m + (1 − β₁) g,   v ← β₂ v + (1 − β₂) g²,
 *   θ ← θ − η · m̂ / (√v̂ + ε),   m̂ = m / (1 − β₁ᵗ),  v̂ = v / (1 − β₂ᵗ).
 *
 * With `clipNorm`, g is first rescaled so that its global L2 norm is at most clipNorm.
 */
import * as tf from '@tensorflow/tfjs';

export interface AdamState {
  step: number;
  firstMoments: number[][];
  secondMoments: number[][];
}

export interface AdamOptions {
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  clipNorm?: number;
}

export class Adam {
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];
  private t: number;
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly epsilon: number;

  constructor(
    private readonly variables: readonly tf.Variable[],
    private readonly options: AdamOptions = {},
    state?: AdamState,
  ) {
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-8;
    this.t = state?.step ?? 0;
    const moment = (values: number[][] | undefined) =>
      variables.map((x, i) =>
        tf.variable(values ? tf.tensor(values[i], x.shape) : tf.zerosLike(x), false),
      );
    this.m = moment(state?.firstMoments);
    this.v = moment(state?.secondMoments);
  }

  /** One update on `loss`; returns the loss before the update (the caller disposes it). */
  step(loss: () => tf.Scalar, learningRate: number): tf.Scalar {
    const { value, grads } = tf.variableGrads(loss, this.variables as tf.Variable[]);
    this.t += 1;
    tf.tidy(() => {
      let gradients = this.variables.map((x) => grads[x.name]);
      if (this.options.clipNorm !== undefined) {
        const norm = tf.sqrt(tf.addN(gradients.map((g) => tf.sum(tf.square(g)))));
        const scale = tf.minimum(1, tf.div(this.options.clipNorm, tf.add(norm, 1e-12)));
        gradients = gradients.map((g) => tf.mul(g, scale));
      }
      const firstCorrection = 1 / (1 - this.beta1 ** this.t);
      const secondCorrection = 1 / (1 - this.beta2 ** this.t);
      this.variables.forEach((x, i) => {
        const g = gradients[i];
        this.m[i].assign(tf.add(tf.mul(this.m[i], this.beta1), tf.mul(g, 1 - this.beta1)));
        this.v[i].assign(tf.add(tf.mul(this.v[i], this.beta2), tf.mul(tf.square(g), 1 - this.beta2)));
        const mHat = tf.mul(this.m[i], firstCorrection);
        const vHat = tf.mul(this.v[i], secondCorrection);
        x.assign(tf.sub(x, tf.mul(learningRate, tf.div(mHat, tf.add(tf.sqrt(vHat), this.epsilon)))));
      });
    });
    Object.values(grads).forEach((g) => g.dispose());
    return value;
  }

  state(): AdamState {
    return {
      step: this.t,
      firstMoments: this.m.map((x) => Array.from(x.dataSync())),
      secondMoments: this.v.map((x) => Array.from(x.dataSync())),
    };
  }

  dispose(): void {
    [...this.m, ...this.v].forEach((x) => x.dispose());
  }
}
