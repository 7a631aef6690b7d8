import type { Table } from 'apache-arrow';
import { UserError } from '../lib/engine/errors.ts';
import { selectBackend } from '../lib/nn/backend.ts';
import { surrogateToTable } from '../lib/nn/network-table.ts';
import { fitSurrogate, type SurrogateCheckpoint, type SurrogateConfig } from '../lib/nn/surrogate.ts';
import { int32Column, numberColumn, tableFromColumns } from '../lib/store/parquet.ts';
import { stageActivity } from './stage-runtime.ts';

interface TrainSurrogateParams {
  /** The training set: an upstream stage's table (branch 0 unless given). */
  training: { stage: string; output: string; branch?: number };
  /** Branch of the training stage (overrides training.branch): the param a fanned-out stage varies. */
  trainingBranch?: number;
  /** Columns holding the inputs θ, one number each. */
  inputs: string[];
  /** The outputs: one list<float64> column (a spectrum per row), or several number columns. */
  outputs: string | string[];
  surrogate?: Partial<Omit<SurrogateConfig, 'seed'>>;
}

function outputRows(table: Table, outputs: string | string[]): number[][] {
  if (Array.isArray(outputs)) {
    const columns = outputs.map((name) => numberColumn(table, name));
    return Array.from({ length: table.numRows }, (_, i) => columns.map((c) => c[i]!));
  }
  const column = table.getChild(outputs);
  if (!column) throw new UserError(`training table has no column ${outputs}`);
  return Array.from({ length: table.numRows }, (_, i) => Array.from(column.get(i) as ArrayLike<number>, Number));
}

/**
 * Train a surrogate (lib/nn: standardised MLP deep ensemble, optional PCA of the outputs, Adam with
 * a schedule, early stopping) on a training table. Heartbeats every epoch and checkpoints the
 * trainer, so a retried attempt continues the same epochs. Writes the trained `surrogate` (a network
 * table, lib/nn/network-table.ts: weights, scalings, metadata — later runs and schedules load it,
 * and so can any Parquet reader), per-epoch `losses` and held-out
 * per-output `output_errors`; the tfjs backend goes into the run manifest.
 */
export const trainSurrogate = stageActivity<TrainSurrogateParams>(async (ctx) => {
  const backend = await selectBackend();
  const table = await ctx.input(ctx.params.training.stage, ctx.params.training.output, ctx.params.trainingBranch ?? ctx.params.training.branch ?? 0);
  const inputColumns = ctx.params.inputs.map((name) => numberColumn(table, name));
  const inputs = Array.from({ length: table.numRows }, (_, i) => inputColumns.map((c) => c[i]!));
  const outputs = outputRows(table, ctx.params.outputs);
  const checkpointer = ctx.checkpointer<SurrogateCheckpoint>();
  const resumeFrom = await checkpointer.restore();
  const config = { ...ctx.params.surrogate, seed: ctx.rng.nextUint32() };
  const epochs = config.epochs ?? 300;
  const fit = await fitSurrogate(inputs, outputs, config, {
    ...(resumeFrom && { resumeFrom }),
    onEpoch: (p, checkpoint) =>
      checkpointer.tick(
        {
          fraction: (p.member + p.epoch / epochs) / p.ensembleSize,
          message: `member ${p.member + 1}/${p.ensembleSize} epoch ${p.epoch}  loss ${p.loss.toPrecision(3)}  val ${p.valLoss.toPrecision(3)}`,
        },
        checkpoint,
      ),
  });
  await ctx.write('surrogate', surrogateToTable(fit.surrogate.serialize()));
  fit.surrogate.dispose();
  await ctx.write('losses', tableFromColumns({ ...fit.losses, member: int32Column('member', fit.losses.member), epoch: int32Column('epoch', fit.losses.epoch) }));
  await ctx.write('output_errors', tableFromColumns({ ...fit.heldOutErrors }));
  const relative = [...fit.heldOutErrors.medianRelativeError].sort((a, b) => a - b);
  return {
    rows: table.numRows,
    members: fit.losses.member.length ? Math.max(...fit.losses.member) + 1 : 0,
    epochs: fit.losses.epoch.length,
    medianRelativeError: relative[Math.floor(relative.length / 2)] ?? NaN,
    maxMedianRelativeError: relative.at(-1) ?? NaN,
    backend: backend.backend,
  };
});
