/**
 * Heteroscedastic deep ensembles for a scalar target (Lakshminarayanan et al. 2017): K MLPs, each
 * predicting a Gaussian N(μ_k(x), σ_k²(x)) and trained by its negative log-likelihood
 *
 *   ℓ = ½ ln σ² + (y − μ)² / (2σ²),   σ² = softplus(s) + σ²_min,
 *
 * combined as the moment-matched mixture: μ = (1/K) Σ μ_k, total variance
 * σ² = aleatoric + epistemic with aleatoric = (1/K) Σ σ_k² and epistemic = (1/K) Σ (μ_k − μ)².
 * Inputs and the target are standardised on the training rows; members differ in initial weights
 * and batch order only.
 *
 * `calibrate` fits one variance scale c on held-out rows (the NLL-optimal c = mean r²/σ²) and
 * applies it to both parts, a scalar recalibration in the spirit of Levi et al. 2022 (σ scaling).
 * `integratedGradients` attributes the ensemble mean to the inputs (Sundararajan et al. 2017).
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../random.ts';
import { mapRowBatches, type Matrix } from './matrix.ts';
import { initialMlpParameters, mlpForward, mlpShapes, type Activation, type MlpArchitecture } from './mlp.ts';
import { Parameters } from './parameters.ts';
import type { LearningRateSchedule } from './schedule.ts';
import { fitStandardization, standardize, type Standardization } from './standardize.ts';
import { trainNetwork, type EpochRecord } from './train.ts';

export interface HeteroscedasticConfig {
  hiddenUnits: number[];
  activation: Activation;
  ensembleSize: number;
  epochs: number;
  batchSize: number;
  learningRate: LearningRateSchedule;
  patience: number;
  /** Variance floor in standardised target units (keeps the NLL bounded). */
  minVariance: number;
  /**
   * β of the β-NLL (Seitzer et al. 2022): each row's NLL is weighted by stop-gradient(σ²)^β, so
   * rows the network already calls noisy do not starve the mean of gradient; 0 is the plain NLL.
   */
  beta: number;
  seed: number;
}

export const DEFAULT_HETEROSCEDASTIC_CONFIG: HeteroscedasticConfig = {
  hiddenUnits: [64, 64],
  activation: 'silu',
  ensembleSize: 5,
  epochs: 100,
  batchSize: 256,
  learningRate: { kind: 'cosine', initial: 3e-3, final: 1e-4 },
  patience: 15,
  minVariance: 1e-4,
  beta: 0,
  seed: 0,
};

export interface SerializedHeteroscedasticEnsemble {
  format: 'sciflow.heteroscedastic-ensemble/1';
  architecture: MlpArchitecture;
  inputScaling: Standardization;
  targetScaling: Standardization;
  minVariance: number;
  /** Multiplies both variance parts (1 until `calibrate`). */
  varianceScale: number;
  members: { parameters: number[][]; bestEpoch: number; bestValLoss: number; epochsRun: number }[];
}

/** Predictive moments per row, in target units; variances, not standard deviations. */
export interface EnsemblePrediction {
  mean: Float64Array;
  aleatoric: Float64Array;
  epistemic: Float64Array;
}

export interface EnsembleProgress extends EpochRecord {
  member: number;
  ensembleSize: number;
}

/** Per-epoch losses, one row per (member, epoch). */
export interface EnsembleLosses {
  member: number[];
  epoch: number[];
  loss: number[];
  valLoss: number[];
}

const softplus = (x: tf.Tensor2D): tf.Tensor2D => tf.softplus(x);

/** Columns 0 (μ) and 1 (σ² after softplus + floor) of the network output. */
function meanAndVariance(out: tf.Tensor2D, minVariance: number): [tf.Tensor2D, tf.Tensor2D] {
  const [mu, raw] = tf.split(out, 2, 1) as [tf.Tensor2D, tf.Tensor2D];
  return [mu, tf.add(softplus(raw), minVariance)];
}

/** Identity whose gradient is zero (tfjs has no stop_gradient op). */
const stopGradient = tf.customGrad(((x: tf.Tensor) => ({ value: tf.clone(x), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) })) as never) as (x: tf.Tensor) => tf.Tensor;

function gaussianNll(out: tf.Tensor2D, y: tf.Tensor2D, minVariance: number, beta: number): tf.Scalar {
  const [mu, variance] = meanAndVariance(out, minVariance);
  const nll = tf.mul(0.5, tf.add(tf.log(variance), tf.div(tf.squaredDifference(y, mu), variance)));
  return tf.mean(beta === 0 ? nll : tf.mul(nll, tf.pow(stopGradient(variance), beta)));
}

const column = (values: ArrayLike<number>): Matrix => ({ rows: values.length, cols: 1, data: Float32Array.from(values) });

export class HeteroscedasticEnsemble {
  private readonly members: Parameters[];

  private constructor(private readonly state: SerializedHeteroscedasticEnsemble) {
    const shapes = mlpShapes(state.architecture);
    this.members = state.members.map((m) => new Parameters(shapes, m.parameters));
  }

  static restore(serialized: SerializedHeteroscedasticEnsemble): HeteroscedasticEnsemble {
    if (serialized.format !== 'sciflow.heteroscedastic-ensemble/1') throw new Error(`not a heteroscedastic ensemble (format ${String(serialized.format)})`);
    return new HeteroscedasticEnsemble(structuredClone(serialized));
  }

  get inputDim(): number {
    return this.state.architecture.inputDim;
  }

  get varianceScale(): number {
    return this.state.varianceScale;
  }

  /** Per-member (μ_k, σ_k²) in standardised target units, as [K][2 × rows]. */
  private memberOutputs(inputs: Matrix, batchSize: number): Matrix[] {
    const x = standardize(inputs, this.state.inputScaling);
    return this.members.map((p) =>
      mapRowBatches(x, batchSize, (batch) => tf.concat(meanAndVariance(mlpForward(batch, p.variables, this.state.architecture.activation), this.state.minVariance), 1)),
    );
  }

  predict(inputs: Matrix, batchSize = 4096): EnsemblePrediction {
    const outs = this.memberOutputs(inputs, batchSize);
    const { mean: m0, std: s0 } = this.state.targetScaling;
    const [shift, scale] = [m0[0]!, s0[0]!];
    const k = outs.length;
    const c = this.state.varianceScale;
    const mean = new Float64Array(inputs.rows);
    const aleatoric = new Float64Array(inputs.rows);
    const epistemic = new Float64Array(inputs.rows);
    for (let i = 0; i < inputs.rows; i++) {
      let mu = 0;
      let v = 0;
      for (const o of outs) {
        mu += o.data[2 * i]!;
        v += o.data[2 * i + 1]!;
      }
      mu /= k;
      let spread = 0;
      for (const o of outs) spread += (o.data[2 * i]! - mu) ** 2;
      mean[i] = shift + scale * mu;
      aleatoric[i] = c * scale * scale * (v / k);
      epistemic[i] = c * scale * scale * (spread / k);
    }
    return { mean, aleatoric, epistemic };
  }

  /** Fit the variance scale on held-out rows: c ← c · mean((y − μ)² / σ²). Returns the new c. */
  calibrate(inputs: Matrix, targets: ArrayLike<number>): number {
    const p = this.predict(inputs);
    let ratio = 0;
    for (let i = 0; i < targets.length; i++) ratio += (targets[i]! - p.mean[i]!) ** 2 / (p.aleatoric[i]! + p.epistemic[i]!);
    this.state.varianceScale *= ratio / targets.length;
    return this.state.varianceScale;
  }

  /**
   * Integrated gradients of the ensemble mean μ(x) (target units) from `baseline` to each row,
   * with a `steps`-point midpoint rule: a_j = (x_j − x0_j) · mean_α ∂μ/∂x_j(x0 + α(x − x0)).
   * Completeness: Σ_j a_j ≈ μ(x) − μ(x0).
   */
  integratedGradients(inputs: Matrix, baseline: readonly number[], steps = 32): Matrix {
    const x = standardize(inputs, this.state.inputScaling);
    const x0 = standardize({ rows: 1, cols: inputs.cols, data: Float32Array.from(baseline) }, this.state.inputScaling);
    const scale = this.state.targetScaling.std[0]! / this.members.length;
    const ensembleMean = (z: tf.Tensor2D): tf.Tensor =>
      tf.mul(tf.addN(this.members.map((p) => tf.split(mlpForward(z, p.variables, this.state.architecture.activation), 2, 1)[0]!)), scale);
    const gradient = tf.grad((z: tf.Tensor) => tf.sum(ensembleMean(z as tf.Tensor2D)));
    return mapRowBatches(x, 512, (batch) => {
      const start = tf.tensor2d(x0.data, [1, inputs.cols]);
      const delta = tf.sub(batch, start);
      let sum = tf.zerosLike(batch);
      for (let s = 0; s < steps; s++) sum = tf.add(sum, gradient(tf.add(start, tf.mul(delta, (s + 0.5) / steps))));
      return tf.mul(delta, tf.div(sum, steps));
    });
  }

  serialize(): SerializedHeteroscedasticEnsemble {
    return structuredClone(this.state);
  }

  dispose(): void {
    this.members.forEach((m) => m.dispose());
  }
}

/** The members finished so far: pass it back as `resumeFrom` (same data and config) to go on from there. */
export interface EnsembleCheckpoint {
  format: 'sciflow.heteroscedastic-checkpoint/1';
  members: SerializedHeteroscedasticEnsemble['members'];
  losses: EnsembleLosses;
}

export interface EnsembleTrainingHooks {
  onEpoch?: (progress: EnsembleProgress, checkpoint: () => EnsembleCheckpoint) => void | Promise<void>;
  resumeFrom?: EnsembleCheckpoint;
}

export interface HeteroscedasticFit {
  ensemble: HeteroscedasticEnsemble;
  losses: EnsembleLosses;
}

/**
 * Train K members on (inputs, targets), early-stopped on the validation rows (e.g. whole held-out
 * time series, not random rows, when the rows are autocorrelated). The tfjs backend must already be
 * selected (see selectBackend).
 */
export async function fitHeteroscedasticEnsemble(
  train: { inputs: Matrix; targets: ArrayLike<number> },
  validation: { inputs: Matrix; targets: ArrayLike<number> },
  overrides: Partial<HeteroscedasticConfig> = {},
  hooks: EnsembleTrainingHooks = {},
): Promise<HeteroscedasticFit> {
  const config: HeteroscedasticConfig = { ...DEFAULT_HETEROSCEDASTIC_CONFIG, ...overrides };
  const inputScaling = fitStandardization(train.inputs);
  const targetScaling = fitStandardization(column(train.targets));
  const data = (d: { inputs: Matrix; targets: ArrayLike<number> }) => [standardize(d.inputs, inputScaling), standardize(column(d.targets), targetScaling)];
  const architecture: MlpArchitecture = { inputDim: train.inputs.cols, hiddenUnits: config.hiddenUnits, outputDim: 2, activation: config.activation };
  // Members depend only on (seed, member index), so resuming after the completed ones is exact.
  const losses: EnsembleLosses = structuredClone(hooks.resumeFrom?.losses) ?? { member: [], epoch: [], loss: [], valLoss: [] };
  const members: SerializedHeteroscedasticEnsemble['members'] = structuredClone(hooks.resumeFrom?.members) ?? [];
  const checkpoint = (): EnsembleCheckpoint => ({ format: 'sciflow.heteroscedastic-checkpoint/1', members: structuredClone(members), losses: structuredClone(losses) });
  const [trainData, validationData] = [data(train), data(validation)];
  for (let member = members.length; member < config.ensembleSize; member++) {
    const rng = Rng.fromSeed(config.seed).fork(member);
    const parameters = new Parameters(mlpShapes(architecture), initialMlpParameters(architecture, rng));
    try {
      const result = await trainNetwork(
        { parameters, loss: ([x, y]) => gaussianNll(mlpForward(x!, parameters.variables, config.activation), y!, config.minVariance, config.beta), train: trainData, validation: validationData },
        config,
        { seed: rng.nextUint32(), onEpoch: (record) => hooks.onEpoch?.({ ...record, member, ensembleSize: config.ensembleSize }, checkpoint) },
      );
      for (const r of result.history) {
        losses.member.push(member);
        losses.epoch.push(r.epoch);
        losses.loss.push(r.loss);
        losses.valLoss.push(r.valLoss);
      }
      members.push({ parameters: parameters.values(), bestEpoch: result.bestEpoch, bestValLoss: result.bestValLoss, epochsRun: result.history.length });
    } finally {
      parameters.dispose();
    }
  }
  const ensemble = HeteroscedasticEnsemble.restore({
    format: 'sciflow.heteroscedastic-ensemble/1',
    architecture,
    inputScaling,
    targetScaling,
    minVariance: config.minVariance,
    varianceScale: 1,
    members,
  });
  return { ensemble, losses };
}
