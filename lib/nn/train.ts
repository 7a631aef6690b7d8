/**
 * The one mini-batch training loop behind every network in lib/nn (surrogate MLPs, the flow,
 * learned likelihoods): shuffled mini-batches from the seeded generator, Adam with a per-epoch
 * learning-rate schedule, early stopping on a validation split (the best weights are restored at
 * the end), an `onEpoch` hook for heartbeats and checkpoints, and exact resumption from a checkpoint.
 *
 * Data are a list of row-aligned matrices (e.g. [inputs, targets], or [x, θ] for a flow); the loss
 * maps the matching list of batch tensors to the mean loss over the batch.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng, type RngState } from '../random.ts';
import { Adam, type AdamState } from './adam.ts';
import type { Matrix } from './matrix.ts';
import type { Parameters } from './parameters.ts';
import { learningRateAt, type LearningRateSchedule } from './schedule.ts';

export interface TrainingOptions {
  epochs: number;
  batchSize: number;
  learningRate: LearningRateSchedule;
  /** Stop after this many epochs without a lower validation loss. */
  patience: number;
  /** Optional global gradient-norm clip (flows like it early in training). */
  clipNorm?: number;
}

export interface EpochRecord {
  epoch: number;
  /** Mean training loss over the epoch's batches. */
  loss: number;
  valLoss: number;
  learningRate: number;
}

/** Everything needed to continue training bit-for-bit (given the same data and backend). */
export interface TrainerCheckpoint {
  /** Epochs completed. */
  epoch: number;
  parameters: number[][];
  adam: AdamState;
  best: { epoch: number; valLoss: number; parameters: number[][] };
  rng: RngState;
  history: EpochRecord[];
}

export interface TrainingResult {
  history: EpochRecord[];
  bestEpoch: number;
  bestValLoss: number;
  stoppedEarly: boolean;
}

export type EpochHook = (record: EpochRecord, checkpoint: () => TrainerCheckpoint) => void | Promise<void>;

export interface TrainingProblem {
  parameters: Parameters;
  loss: (batch: tf.Tensor2D[]) => tf.Scalar;
  train: Matrix[];
  validation: Matrix[];
}

export interface TrainingControl {
  /** Seed for batch order (ignored when resuming: the checkpoint carries the generator state). */
  seed: number;
  resumeFrom?: TrainerCheckpoint;
  onEpoch?: EpochHook;
}

/** Mean loss over a data set, evaluated in blocks so memory stays bounded. */
function meanLoss(problem: TrainingProblem, data: tf.Tensor2D[], rows: number, block: number): number {
  let total = 0;
  for (let start = 0; start < rows; start += block) {
    const size = Math.min(block, rows - start);
    const value = tf.tidy(() => problem.loss(data.map((d) => d.slice([start, 0], [size, -1]))));
    total += value.dataSync()[0] * size;
    value.dispose();
  }
  return total / rows;
}

export async function trainNetwork(
  problem: TrainingProblem,
  options: TrainingOptions,
  control: TrainingControl,
): Promise<TrainingResult> {
  const rows = problem.train[0].rows;
  const validationRows = problem.validation[0].rows;
  if (rows === 0 || validationRows === 0) throw new Error('training needs non-empty training and validation sets');
  const resume = control.resumeFrom;
  if (resume) problem.parameters.assign(resume.parameters);

  const rng = resume ? Rng.fromState(resume.rng) : Rng.fromSeed(control.seed);
  const adam = new Adam(problem.parameters.variables, { clipNorm: options.clipNorm }, resume?.adam);
  const trainTensors = problem.train.map((m) => tf.tensor2d(m.data, [m.rows, m.cols]));
  const validationTensors = problem.validation.map((m) => tf.tensor2d(m.data, [m.rows, m.cols]));
  const history = resume ? [...resume.history] : [];
  let best = resume
    ? { epoch: resume.best.epoch, valLoss: resume.best.valLoss, tensors: [] as tf.Tensor[] }
    : { epoch: -1, valLoss: Infinity, tensors: [] as tf.Tensor[] };
  if (resume) best.tensors = resume.best.parameters.map((v, i) => tf.tensor(v, problem.parameters.shapes[i]));

  let stoppedEarly = false;
  try {
    for (let epoch = resume?.epoch ?? 0; epoch < options.epochs; epoch++) {
      if (epoch - best.epoch > options.patience && best.epoch >= 0) {
        stoppedEarly = true;
        break;
      }
      const learningRate = learningRateAt(options.learningRate, epoch, options.epochs);
      // A fresh permutation each epoch: the order then depends only on the generator's state.
      const order = rng.shuffle(Array.from({ length: rows }, (_, i) => i));
      // Sum the batch losses on the device and read once per epoch: a sync per step would stall GPUs.
      let lossSum = tf.scalar(0);
      for (let start = 0; start < rows; start += options.batchSize) {
        const size = Math.min(options.batchSize, rows - start);
        const indices = tf.tensor1d(order.slice(start, start + size), 'int32');
        const batch = trainTensors.map((t) => tf.gather(t, indices));
        const batchLoss = adam.step(() => problem.loss(batch), learningRate);
        const next = tf.tidy(() => tf.add<tf.Scalar>(lossSum, tf.mul(batchLoss, size)));
        [lossSum, batchLoss, indices, ...batch].forEach((t) => t.dispose());
        lossSum = next;
      }
      const loss = lossSum.dataSync()[0] / rows;
      lossSum.dispose();
      if (!Number.isFinite(loss)) throw new Error(`training diverged: loss is ${loss} at epoch ${epoch}`);
      const valLoss = meanLoss(problem, validationTensors, validationRows, 4096);
      if (valLoss < best.valLoss) {
        best.tensors.forEach((t) => t.dispose());
        best = { epoch, valLoss, tensors: problem.parameters.snapshot() };
      }
      const record = { epoch, loss, valLoss, learningRate };
      history.push(record);
      await control.onEpoch?.(record, () => ({
        epoch: epoch + 1,
        parameters: problem.parameters.values(),
        adam: adam.state(),
        best: {
          epoch: best.epoch,
          valLoss: best.valLoss,
          parameters: best.tensors.map((t) => Array.from(t.dataSync())),
        },
        rng: rng.state(),
        history: [...history],
      }));
    }
    if (best.tensors.length > 0) problem.parameters.assign(best.tensors);
    return { history, bestEpoch: best.epoch, bestValLoss: best.valLoss, stoppedEarly };
  } finally {
    [...trainTensors, ...validationTensors, ...best.tensors].forEach((t) => t.dispose());
    adam.dispose();
  }
}
