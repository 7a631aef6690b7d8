/**
 * A network's trainable tensors as one ordered list, with lossless export to plain number arrays
 * (float32 values are exact doubles, so JSON round-trips them bit for bit).
 */
import * as tf from '@tensorflow/tfjs';

export class Parameters {
  readonly variables: tf.Variable[];

  constructor(
    readonly shapes: readonly number[][],
    values: readonly ArrayLike<number>[],
  ) {
    if (values.length !== shapes.length) {
      throw new Error(`expected ${shapes.length} parameter tensors, got ${values.length}`);
    }
    this.variables = shapes.map((shape, i) => {
      const size = shape.reduce((a, b) => a * b, 1);
      if (values[i].length !== size) {
        throw new Error(`parameter ${i} of shape [${shape}] needs ${size} values, got ${values[i].length}`);
      }
      return tf.variable(tf.tensor(Float32Array.from(values[i]), shape), true);
    });
  }

  values(): number[][] {
    return this.variables.map((v) => Array.from(v.dataSync()));
  }

  /** Copies of the current tensors (kept on the device: cheap snapshots for early stopping). */
  snapshot(): tf.Tensor[] {
    return this.variables.map((v) => tf.keep(v.clone()));
  }

  assign(values: readonly (tf.Tensor | ArrayLike<number>)[]): void {
    this.variables.forEach((v, i) => {
      const value = values[i];
      if (value instanceof tf.Tensor) v.assign(value);
      else tf.tidy(() => v.assign(tf.tensor(Float32Array.from(value), v.shape)));
    });
  }

  dispose(): void {
    this.variables.forEach((v) => v.dispose());
  }
}
