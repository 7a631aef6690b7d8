/**
 * Conditional masked autoregressive flow q(x | θ) (Papamakarios, Pavlakou & Murray 2017).
 *
 * Data x and context θ are standardised (z = (x − μ_x)/σ_x). Block b maps h_b to
 *   v_i = (h_i − μ_i(h_{<i}, θ)) · exp(−α_i(h_{<i}, θ)),   log|det ∂v/∂h| = −Σ_i α_i,
 * with (μ, α) from one MADE pass; the variable order is reversed between blocks so each variable
 * conditions on the others somewhere in the stack. With u the output of the last block and a
 * standard normal base,
 *   log q(x | θ) = Σ_i log N(u_i; 0, 1) − Σ_b Σ_i α_{b,i} − Σ_i log σ_{x,i}.
 * Density evaluation is one pass per block (what training and SNL need); sampling inverts each
 * block variable by variable (D passes per block).
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../random.ts';
import { madeMasks } from './made.ts';
import { fromMatrix, selectRows, toMatrix, type Matrix } from './matrix.ts';
import { initialMlpParameters, mlpForward, mlpShapes, type Activation, type MlpArchitecture } from './mlp.ts';
import { Parameters } from './parameters.ts';
import {
  fitStandardization,
  logJacobian,
  standardize,
  unstandardize,
  type Standardization,
} from './standardize.ts';
import { trainNetwork, type EpochHook, type TrainerCheckpoint, type TrainingOptions, type TrainingResult } from './train.ts';

export interface FlowArchitecture {
  dim: number;
  /** Dimension of θ; 0 for an unconditional density. */
  contextDim: number;
  blocks: number;
  hiddenUnits: number[];
  activation: Activation;
}

export interface SerializedFlow {
  format: 'sciflow.maf/1';
  architecture: FlowArchitecture;
  dataScaling: Standardization;
  contextScaling: Standardization | null;
  parameters: number[][];
  metadata: { seed: number; backend: string };
}

export interface FlowTrainingOptions extends TrainingOptions {
  validationFraction: number;
  /** Seed for the validation split and batch order. */
  seed: number;
}

export const DEFAULT_FLOW_TRAINING: FlowTrainingOptions = {
  epochs: 200,
  batchSize: 128,
  learningRate: { kind: 'cosine', initial: 2e-3, final: 1e-5 },
  patience: 20,
  clipNorm: 5,
  validationFraction: 0.1,
  seed: 0,
};

/** |α| is softly capped so one bad batch cannot overflow exp(α); the cap is far beyond normal use. */
const ALPHA_CAP = 8;

export class ConditionalMaf {
  private readonly parameters: Parameters;
  private readonly masks: tf.Tensor2D[];
  private readonly perBlock: number;

  private constructor(private readonly state: SerializedFlow) {
    const made = this.madeArchitecture();
    this.perBlock = mlpShapes(made).length;
    const shapes = Array.from({ length: state.architecture.blocks }, () => mlpShapes(made)).flat();
    this.parameters = new Parameters(shapes, state.parameters);
    const maskShapes = mlpShapes(made).filter((s) => s.length === 2);
    this.masks = madeMasks(state.architecture).map((m, l) =>
      tf.keep(tf.tensor2d(m, maskShapes[l] as [number, number])),
    );
  }

  /** A fresh flow whose normalisation is fitted to `data` (and `context`); near-identity at start. */
  static create(
    architecture: FlowArchitecture,
    data: { x: Matrix; context: Matrix | null },
    seed: number,
  ): ConditionalMaf {
    if ((architecture.contextDim > 0) !== (data.context !== null)) {
      throw new Error(`contextDim ${architecture.contextDim} does not match the context given`);
    }
    const rng = Rng.fromSeed(seed);
    const made = madeArchitectureOf(architecture);
    const parameters = Array.from({ length: architecture.blocks }, () =>
      initialMlpParameters(made, rng, 0.01).map((p) => Array.from(p)),
    ).flat();
    return new ConditionalMaf({
      format: 'sciflow.maf/1',
      architecture,
      dataScaling: fitStandardization(data.x),
      contextScaling: data.context ? fitStandardization(data.context) : null,
      parameters,
      metadata: { seed, backend: tf.getBackend() },
    });
  }

  static restore(serialized: SerializedFlow): ConditionalMaf {
    if (serialized.format !== 'sciflow.maf/1') {
      throw new Error(`not a serialized flow (format ${String(serialized.format)})`);
    }
    return new ConditionalMaf(structuredClone(serialized));
  }

  get architecture(): FlowArchitecture {
    return this.state.architecture;
  }

  private madeArchitecture(): MlpArchitecture {
    return madeArchitectureOf(this.state.architecture);
  }

  private blockParameters(b: number): tf.Variable[] {
    return this.parameters.variables.slice(b * this.perBlock, (b + 1) * this.perBlock);
  }

  /** (μ, α) of block b for standardised h and context. */
  private conditionals(b: number, h: tf.Tensor2D, context: tf.Tensor2D | null): [tf.Tensor2D, tf.Tensor2D] {
    const { dim, activation } = this.state.architecture;
    const input = context ? tf.concat([h, context], 1) : h;
    const out = mlpForward(input, this.blockParameters(b), activation, this.masks);
    const mu = out.slice([0, 0], [-1, dim]);
    const alpha = tf.mul(ALPHA_CAP, tf.tanh(tf.div(out.slice([0, dim], [-1, dim]), ALPHA_CAP))) as tf.Tensor2D;
    return [mu, alpha];
  }

  /** log q(z | θ) for standardised z and θ, one value per row (excludes the standardisation Jacobian). */
  standardizedLogProb(z: tf.Tensor2D, context: tf.Tensor2D | null): tf.Tensor1D {
    return tf.tidy(() => {
      let h = z;
      let logDet: tf.Tensor1D = tf.zeros([z.shape[0]]);
      for (let b = 0; b < this.state.architecture.blocks; b++) {
        const [mu, alpha] = this.conditionals(b, h, context);
        h = tf.reverse(tf.mul(tf.sub(h, mu), tf.exp(tf.neg(alpha))), 1) as tf.Tensor2D;
        logDet = tf.sub(logDet, tf.sum(alpha, 1));
      }
      const base = tf.sub(tf.mul(-0.5, tf.sum(tf.square(h), 1)), 0.5 * h.shape[1] * Math.log(2 * Math.PI));
      return tf.add(base, logDet) as tf.Tensor1D;
    });
  }

  /** log q(x_i | θ_i) in the data's own units for each row i, evaluated in blocks of `batchSize`. */
  logDensity(x: Matrix, context: Matrix | null, batchSize = 8192): Float64Array {
    const z = standardize(x, this.state.dataScaling);
    const c = this.standardizedContext(context, x.rows);
    const out = new Float64Array(x.rows);
    const jacobian = logJacobian(this.state.dataScaling);
    for (let start = 0; start < x.rows; start += batchSize) {
      const rows = Math.min(batchSize, x.rows - start);
      const slice = (m: Matrix) => tf.tensor2d(m.data.subarray(start * m.cols, (start + rows) * m.cols), [rows, m.cols]);
      const values = tf.tidy(() => this.standardizedLogProb(slice(z), c ? slice(c) : null));
      const data = values.dataSync();
      for (let i = 0; i < rows; i++) out[start + i] = data[i] + jacobian;
      values.dispose();
    }
    return out;
  }

  private standardizedContext(context: Matrix | null, rows: number): Matrix | null {
    if (!this.state.contextScaling) return null;
    if (!context || context.rows !== rows) throw new Error(`this flow needs one context row per data row`);
    return standardize(context, this.state.contextScaling);
  }

  /** n draws x ~ q(x | θ) for one context θ (omit it for an unconditional flow). */
  sample(n: number, rng: Rng, context: readonly number[] | null = null): number[][] {
    const { dim, blocks } = this.state.architecture;
    const noise = new Float32Array(n * dim);
    for (let i = 0; i < noise.length; i++) noise[i] = rng.normal();
    const c = context ? this.standardizedContext(toMatrix(Array.from({ length: n }, () => context)), n) : null;
    const z = tf.tidy(() => {
      const ctx = c ? tf.tensor2d(c.data, [n, c.cols]) : null;
      let h: tf.Tensor2D = tf.tensor2d(noise, [n, dim]);
      for (let b = blocks - 1; b >= 0; b--) {
        const v = tf.reverse(h, 1);
        // Invert v_i = (h_i − μ_i)·exp(−α_i) one variable at a time: μ_i, α_i only need h_{<i}.
        let inverse: tf.Tensor2D = tf.zerosLike(v);
        for (let i = 0; i < dim; i++) {
          const [mu, alpha] = this.conditionals(b, inverse, ctx);
          const solved = tf.add(tf.mul(v, tf.exp(alpha)), mu);
          const onlyI = tf.oneHot([i], dim).reshape([1, dim]);
          inverse = tf.add(tf.mul(inverse, tf.sub(1, onlyI)), tf.mul(solved, onlyI));
        }
        h = inverse;
      }
      return h;
    });
    const values = { rows: n, cols: dim, data: z.dataSync() as Float32Array };
    z.dispose();
    return fromMatrix(unstandardize(values, this.state.dataScaling));
  }

  /**
   * Maximum-likelihood training (minimises −mean log q over the training rows) with early stopping;
   * continues from the current weights, so later SNL rounds warm-start.
   */
  async train(
    x: Matrix,
    context: Matrix | null,
    options: FlowTrainingOptions,
    hooks: { onEpoch?: EpochHook; resumeFrom?: TrainerCheckpoint } = {},
  ): Promise<TrainingResult> {
    const z = standardize(x, this.state.dataScaling);
    const c = this.standardizedContext(context, x.rows);
    const order = Rng.fromSeed(options.seed).shuffle(Array.from({ length: x.rows }, (_, i) => i));
    const nValidation = Math.max(1, Math.round(x.rows * options.validationFraction));
    const pick = (rows: number[]) => (c ? [selectRows(z, rows), selectRows(c, rows)] : [selectRows(z, rows)]);
    const result = await trainNetwork(
      {
        parameters: this.parameters,
        loss: ([zb, cb]) => tf.neg(tf.mean(this.standardizedLogProb(zb, cb ?? null))) as tf.Scalar,
        train: pick(order.slice(nValidation)),
        validation: pick(order.slice(0, nValidation)),
      },
      options,
      { seed: options.seed + 1, onEpoch: hooks.onEpoch, resumeFrom: hooks.resumeFrom },
    );
    this.state.metadata.backend = tf.getBackend();
    return result;
  }

  serialize(): SerializedFlow {
    return { ...structuredClone(this.state), parameters: this.parameters.values() };
  }

  dispose(): void {
    this.parameters.dispose();
    this.masks.forEach((m) => m.dispose());
  }
}

/** The MADE network of every block: [x, θ] → [μ, α]. */
export function madeArchitectureOf(a: FlowArchitecture): MlpArchitecture {
  return {
    inputDim: a.dim + a.contextDim,
    hiddenUnits: a.hiddenUnits,
    outputDim: 2 * a.dim,
    activation: a.activation,
  };
}
