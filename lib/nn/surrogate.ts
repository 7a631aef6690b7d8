/**
 * Neural surrogates: a deep ensemble of MLPs regressing a vector model output y(θ) on parameters θ
 * (e.g. a spectrum from radiative transfer, as in Himes et al. 2022).
 *
 * Pipeline for the targets:  y → z = (y − μ_y)/σ_y  [→ c = V z / √λ₁ with the leading k PCA
 * directions V when `pcaComponents` is set]. Inputs are standardised the same way. Each member
 * minimises the mean squared error in that space with Adam, early-stopped on a validation split.
 * Without PCA the loss is the MSE of the standardised outputs; with PCA (V orthonormal, one common
 * scale) it is the standardised reconstruction MSE up to the truncation residual.
 *
 * The ensemble of K members (different seeds for initial weights and batch order) predicts
 * ŷ = (1/K) Σ_k ŷ_k with epistemic spread σ̂ = √((1/K) Σ_k (ŷ_k − ŷ)²)  (Lakshminarayanan et al. 2017).
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../random.ts';
import { fromMatrix, mapRowBatches, selectRows, toMatrix, type Matrix } from './matrix.ts';
import { initialMlpParameters, mlpForward, mlpShapes, type Activation, type MlpArchitecture } from './mlp.ts';
import { Parameters } from './parameters.ts';
import { fitPca, pcaProject, pcaReconstruct, type PcaBasis } from './pca.ts';
import type { LearningRateSchedule } from './schedule.ts';
import { fitStandardization, standardize, unstandardize, type Standardization } from './standardize.ts';
import { trainNetwork, type EpochRecord, type TrainerCheckpoint } from './train.ts';

export interface SurrogateConfig {
  hiddenUnits: number[];
  activation: Activation;
  /** Regress this many PCA coefficients of the standardised outputs instead of every output. */
  pcaComponents: number | null;
  /** K, the number of independently seeded members. */
  ensembleSize: number;
  epochs: number;
  batchSize: number;
  learningRate: LearningRateSchedule;
  patience: number;
  /** Fraction of rows held out for early stopping. */
  validationFraction: number;
  /** Fraction of rows held out for the reported per-output errors (0: report on the validation rows). */
  testFraction: number;
  seed: number;
}

export const DEFAULT_SURROGATE_CONFIG: SurrogateConfig = {
  hiddenUnits: [64, 64],
  activation: 'silu',
  pcaComponents: null,
  ensembleSize: 5,
  epochs: 300,
  batchSize: 64,
  learningRate: { kind: 'cosine', initial: 3e-3, final: 1e-5 },
  patience: 30,
  validationFraction: 0.1,
  testFraction: 0.1,
  seed: 0,
};

export interface MemberRecord {
  parameters: number[][];
  bestEpoch: number;
  bestValLoss: number;
  history: EpochRecord[];
}

/** A trained surrogate as a plain JSON-safe object: what the run store keeps as an artifact. */
export interface SerializedSurrogate {
  format: 'sciflow.surrogate/1';
  architecture: MlpArchitecture;
  inputScaling: Standardization;
  outputScaling: Standardization;
  pca: PcaBasis | null;
  /** Scaling of the network's targets (the PCA coefficients, or identity without PCA). */
  targetScaling: Standardization;
  members: { parameters: number[][]; bestEpoch: number; bestValLoss: number; epochsRun: number }[];
  metadata: { seed: number; backend: string; trainingRows: number; config: SurrogateConfig };
}

/** Training state after some epochs; pass it back as `resumeFrom` with the same data and config. */
export interface SurrogateCheckpoint {
  format: 'sciflow.surrogate-checkpoint/1';
  rows: number;
  completed: MemberRecord[];
  current: { member: number; trainer: TrainerCheckpoint } | null;
}

export interface SurrogateProgress extends EpochRecord {
  member: number;
  ensembleSize: number;
}

export interface SurrogateTrainingHooks {
  onEpoch?: (progress: SurrogateProgress, checkpoint: () => SurrogateCheckpoint) => void | Promise<void>;
  resumeFrom?: SurrogateCheckpoint;
  /**
   * Warm start: begin from this network's weights, keeping its input and output scalings (so the
   * weights mean the same thing). Same architecture and ensemble size; PCA targets are not supported.
   */
  initialFrom?: SerializedSurrogate;
}

/** Per-epoch losses, one row per (member, epoch): ready to become a Parquet table. */
export interface LossColumns {
  member: number[];
  epoch: number[];
  loss: number[];
  valLoss: number[];
  learningRate: number[];
}

/** Held-out accuracy, one row per output dimension. */
export interface OutputErrorColumns {
  output: number[];
  rmse: number[];
  meanAbsError: number[];
  /** Median over held-out rows of |ŷ − y| / |y|. */
  medianRelativeError: number[];
  /** Mean ensemble spread σ̂ over held-out rows. */
  meanEpistemicStd: number[];
}

export interface SurrogateFit {
  surrogate: Surrogate;
  losses: LossColumns;
  heldOutErrors: OutputErrorColumns;
}

export interface Prediction {
  mean: Matrix;
  std: Matrix;
}

export class Surrogate {
  private readonly members: Parameters[];

  private constructor(private readonly state: SerializedSurrogate) {
    const shapes = mlpShapes(state.architecture);
    this.members = state.members.map((m) => new Parameters(shapes, m.parameters));
  }

  static restore(serialized: SerializedSurrogate): Surrogate {
    if (serialized.format !== 'sciflow.surrogate/1') {
      throw new Error(`not a serialized surrogate (format ${String(serialized.format)})`);
    }
    return new Surrogate(serialized);
  }

  get inputDim(): number {
    return this.state.inputScaling.mean.length;
  }

  get outputDim(): number {
    return this.state.outputScaling.mean.length;
  }

  /** Ensemble mean and epistemic spread for each input row, computed in blocks of `batchSize` rows. */
  predict(inputs: readonly (readonly number[])[], batchSize = 4096): { mean: number[][]; std: number[][] } {
    const { mean, std } = this.predictMatrix(toMatrix(inputs, this.inputDim), batchSize);
    return { mean: fromMatrix(mean), std: fromMatrix(std) };
  }

  predictMatrix(inputs: Matrix, batchSize = 4096): Prediction {
    return ensembleMoments(this.predictMembers(inputs, batchSize));
  }

  /** Each member's outputs (original units) for each input row: the ensemble before averaging. */
  predictMembers(inputs: Matrix, batchSize = 4096): Matrix[] {
    const x = standardize(inputs, this.state.inputScaling);
    return this.members.map((parameters) =>
      this.toOutputs(
        mapRowBatches(x, batchSize, (batch) =>
          mlpForward(batch, parameters.variables, this.state.architecture.activation),
        ),
      ),
    );
  }

  /** Network targets → outputs in the original units. */
  private toOutputs(targets: Matrix): Matrix {
    const coefficients = unstandardize(targets, this.state.targetScaling);
    const z = this.state.pca ? pcaReconstruct(coefficients, this.state.pca) : coefficients;
    return unstandardize(z, this.state.outputScaling);
  }

  serialize(): SerializedSurrogate {
    return structuredClone(this.state);
  }

  dispose(): void {
    this.members.forEach((m) => m.dispose());
  }
}

function ensembleMoments(members: Matrix[]): Prediction {
  const { rows, cols } = members[0];
  const mean = new Float32Array(rows * cols);
  const std = new Float32Array(rows * cols);
  for (let i = 0; i < mean.length; i++) {
    let s = 0;
    for (const m of members) s += m.data[i];
    const mu = s / members.length;
    let v = 0;
    for (const m of members) v += (m.data[i] - mu) ** 2;
    mean[i] = mu;
    std[i] = Math.sqrt(v / members.length);
  }
  return { mean: { rows, cols, data: mean }, std: { rows, cols, data: std } };
}

interface Splits {
  train: number[];
  validation: number[];
  test: number[];
}

function splitRows(rows: number, config: SurrogateConfig, rng: Rng): Splits {
  const order = rng.shuffle(Array.from({ length: rows }, (_, i) => i));
  const nValidation = Math.max(1, Math.round(rows * config.validationFraction));
  const nTest = Math.round(rows * config.testFraction);
  return {
    validation: order.slice(0, nValidation),
    test: order.slice(nValidation, nValidation + nTest),
    train: order.slice(nValidation + nTest),
  };
}

/** Everything derived deterministically from the data and seed; recomputed identically on resume. */
function prepare(inputs: Matrix, outputs: Matrix, config: SurrogateConfig, initialFrom?: SerializedSurrogate) {
  const root = Rng.fromSeed(config.seed);
  const splits = splitRows(inputs.rows, config, root.fork(0));
  const inputScaling = initialFrom?.inputScaling ?? fitStandardization(selectRows(inputs, splits.train));
  const outputScaling = initialFrom?.outputScaling ?? fitStandardization(selectRows(outputs, splits.train));
  const z = standardize(outputs, outputScaling);
  const pca = config.pcaComponents
    ? fitPca(selectRows(z, splits.train), config.pcaComponents, root.fork(1))
    : null;
  const coefficients = pca ? pcaProject(z, pca) : z;
  const targetScaling: Standardization = pca
    ? { mean: pca.variances.map(() => 0), std: pca.variances.map(() => Math.sqrt(pca.variances[0])) }
    : { mean: new Array(z.cols).fill(0), std: new Array(z.cols).fill(1) };
  return {
    splits,
    inputScaling,
    outputScaling,
    pca,
    targetScaling,
    x: standardize(inputs, inputScaling),
    targets: standardize(coefficients, targetScaling),
  };
}

const mse = (prediction: tf.Tensor2D, target: tf.Tensor2D): tf.Scalar =>
  tf.mean(tf.squaredDifference(prediction, target));

/**
 * Trains a surrogate ensemble on rows (inputs[i], outputs[i]). The tfjs backend must already be
 * selected (see selectBackend); its name is recorded in the metadata.
 */
export async function fitSurrogate(
  inputRows: readonly (readonly number[])[],
  outputRows: readonly (readonly number[])[],
  overrides: Partial<SurrogateConfig> = {},
  hooks: SurrogateTrainingHooks = {},
): Promise<SurrogateFit> {
  const config: SurrogateConfig = { ...DEFAULT_SURROGATE_CONFIG, ...overrides };
  const inputs = toMatrix(inputRows);
  const outputs = toMatrix(outputRows);
  if (inputs.rows !== outputs.rows) throw new Error(`${inputs.rows} input rows but ${outputs.rows} output rows`);
  const resume = hooks.resumeFrom;
  if (resume && resume.rows !== inputs.rows) {
    throw new Error(`checkpoint was taken on ${resume.rows} rows, got ${inputs.rows}`);
  }
  const initialFrom = hooks.initialFrom;
  if (initialFrom) checkWarmStart(initialFrom, inputs.cols, outputs.cols, config);
  const prepared = prepare(inputs, outputs, config, initialFrom);
  const architecture: MlpArchitecture = {
    inputDim: inputs.cols,
    hiddenUnits: config.hiddenUnits,
    outputDim: prepared.targets.cols,
    activation: config.activation,
  };
  const shapes = mlpShapes(architecture);
  const data = (rows: number[]) => [selectRows(prepared.x, rows), selectRows(prepared.targets, rows)];
  const train = data(prepared.splits.train);
  const validation = data(prepared.splits.validation);

  const completed: MemberRecord[] = resume ? [...resume.completed] : [];
  for (let member = completed.length; member < config.ensembleSize; member++) {
    const memberRng = Rng.fromSeed(config.seed).fork(10 + member);
    const parameters = new Parameters(shapes, initialFrom?.members[member]!.parameters ?? initialMlpParameters(architecture, memberRng));
    const trainer = resume?.current?.member === member ? resume.current.trainer : undefined;
    try {
      const result = await trainNetwork(
        {
          parameters,
          loss: ([x, y]) => mse(mlpForward(x, parameters.variables, config.activation), y),
          train,
          validation,
        },
        config,
        {
          seed: memberRng.nextUint32(),
          resumeFrom: trainer,
          onEpoch: hooks.onEpoch
            ? (record, trainerCheckpoint) =>
                hooks.onEpoch!({ ...record, member, ensembleSize: config.ensembleSize }, () => ({
                  format: 'sciflow.surrogate-checkpoint/1',
                  rows: inputs.rows,
                  completed: structuredClone(completed),
                  current: { member, trainer: trainerCheckpoint() },
                }))
            : undefined,
        },
      );
      completed.push({
        parameters: parameters.values(),
        bestEpoch: result.bestEpoch,
        bestValLoss: result.bestValLoss,
        history: result.history,
      });
    } finally {
      parameters.dispose();
    }
  }

  const surrogate = Surrogate.restore({
    format: 'sciflow.surrogate/1',
    architecture,
    inputScaling: prepared.inputScaling,
    outputScaling: prepared.outputScaling,
    pca: prepared.pca,
    targetScaling: prepared.targetScaling,
    members: completed.map((m) => ({
      parameters: m.parameters,
      bestEpoch: m.bestEpoch,
      bestValLoss: m.bestValLoss,
      epochsRun: m.history.length,
    })),
    metadata: { seed: config.seed, backend: tf.getBackend(), trainingRows: train[0].rows, config },
  });
  const heldOut = prepared.splits.test.length > 0 ? prepared.splits.test : prepared.splits.validation;
  return {
    surrogate,
    losses: lossColumns(completed),
    heldOutErrors: outputErrors(
      surrogate.predictMatrix(selectRows(inputs, heldOut)),
      selectRows(outputs, heldOut),
    ),
  };
}

function checkWarmStart(from: SerializedSurrogate, inputDim: number, outputDim: number, config: SurrogateConfig): void {
  const a = from.architecture;
  const same =
    a.inputDim === inputDim &&
    from.outputScaling.mean.length === outputDim &&
    a.activation === config.activation &&
    a.hiddenUnits.join() === config.hiddenUnits.join() &&
    from.members.length === config.ensembleSize &&
    from.pca === null &&
    config.pcaComponents === null;
  if (!same) throw new Error('initialFrom: the warm-start network must have the same architecture and ensemble size, and no PCA');
}

function lossColumns(members: MemberRecord[]): LossColumns {
  const columns: LossColumns = { member: [], epoch: [], loss: [], valLoss: [], learningRate: [] };
  members.forEach((m, member) =>
    m.history.forEach((r) => {
      columns.member.push(member);
      columns.epoch.push(r.epoch);
      columns.loss.push(r.loss);
      columns.valLoss.push(r.valLoss);
      columns.learningRate.push(r.learningRate);
    }),
  );
  return columns;
}

const median = (values: number[]): number => {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

export function outputErrors(prediction: Prediction, truth: Matrix): OutputErrorColumns {
  const columns: OutputErrorColumns = {
    output: [],
    rmse: [],
    meanAbsError: [],
    medianRelativeError: [],
    meanEpistemicStd: [],
  };
  const { rows, cols } = truth;
  for (let j = 0; j < cols; j++) {
    let sq = 0;
    let abs = 0;
    let spread = 0;
    const relative: number[] = [];
    for (let i = 0; i < rows; i++) {
      const y = truth.data[i * cols + j];
      const error = Math.abs(prediction.mean.data[i * cols + j] - y);
      sq += error * error;
      abs += error;
      spread += prediction.std.data[i * cols + j];
      if (y !== 0) relative.push(error / Math.abs(y));
    }
    columns.output.push(j);
    columns.rmse.push(Math.sqrt(sq / rows));
    columns.meanAbsError.push(abs / rows);
    columns.medianRelativeError.push(relative.length ? median(relative) : NaN);
    columns.meanEpistemicStd.push(spread / rows);
  }
  return columns;
}
