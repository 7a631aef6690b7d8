import { UserError } from '../lib/engine/errors.ts';
import type { Json } from '../lib/engine/types.ts';
import { selectBackend } from '../lib/nn/backend.ts';
import { pcaCompression } from '../lib/nn/compression.ts';
import { DEFAULT_LEARNED_LIKELIHOOD, LearnedLikelihood, type LearnedLikelihoodCheckpoint, type LearnedLikelihoodOptions } from '../lib/nn/learned-likelihood.ts';
import { flowToTable } from '../lib/nn/network-table.ts';
import { runSnl, type SnlCheckpoint } from '../lib/nn/snl.ts';
import type { NestedCheckpoint } from '../lib/sampling/nested/index.ts';
import { int32Column, tableFromColumns } from '../lib/store/parquet.ts';
import { runNestedStage, timedLikelihood, type NestedParams } from './nested-sampling.ts';
import { loadProblem, loadSimulationProblem } from './problem.ts';
import { stageActivity, type StageContext } from './stage-runtime.ts';

interface LearnedParams extends NestedParams {
  mode: 'ns-learned';
  learned?: Partial<Omit<LearnedLikelihoodOptions, 'seed'>>;
}

interface SnlParams {
  mode: 'snl';
  problem: string;
  rounds: number;
  simulationsPerRound: number;
  posteriorSamples: number;
  /** Compress the data to this many PCA coefficients of the first round's simulations. */
  pcaComponents?: number;
}

type NeuralLikelihoodParams = LearnedParams | SnlParams;

/**
 * Nested sampling whose likelihood is replaced by a network once the network is accurate
 * (Gómez-Vargas & Vázquez 2024; lib/nn/learned-likelihood): warm-up on true calls, train, audit
 * a random subset every M calls, fall back and retrain when the audit fails. The sampler and the
 * learned likelihood are checkpointed together. With `swapAfter: 'ready'` (training on a worker
 * thread) the calls at which networks swap in depend on wall time, so two runs of one config may
 * differ (the swaps are in `training_events`); `swapAfter: K` makes the stage reproducible, and
 * below `minTrueCallMs` the stage is the exact run.
 */
async function nestedWithLearnedLikelihood(ctx: StageContext<LearnedParams>): Promise<{ [key: string]: Json }> {
  const problem = await loadProblem(ctx);
  const truth = timedLikelihood(problem, ctx.params.problem);
  const checkpointer = ctx.checkpointer<{ sampler: NestedCheckpoint; extra: LearnedLikelihoodCheckpoint }>();
  const saved = await checkpointer.restore();
  const hooks = {
    onEpoch: (p: { epoch: number }) => checkpointer.report({ message: `training the likelihood network: epoch ${p.epoch}` }),
  };
  const learned = saved
    ? LearnedLikelihood.restore(truth.logLikelihood, saved.extra, hooks)
    : new LearnedLikelihood(truth.logLikelihood, { ...ctx.params.learned, seed: ctx.rng.nextUint32() }, hooks);
  let summary;
  try {
    summary = await runNestedStage(ctx, problem, learned.logLikelihood, checkpointer, saved?.sampler, () => learned.checkpoint(), () => {
      const s = learned.stats();
      const t = learned.timings();
      return {
        counts: { true_calls: s.trueCalls, audit_calls: s.auditCalls, network_calls: s.networkCalls, trainings: s.trainings, fallbacks: s.fallbacks },
        timings: { likelihood_s: truth.seconds(), training_s: t.trainingSeconds, stall_s: t.stallSeconds },
        // The cost-aware switch: what a true call cost during the warm-up, and which path that chose.
        notes: { path: s.costChoice ?? 'learned', true_call_ms: t.trueCallMs, min_true_call_ms: t.thresholdMs, swap_after: String(ctx.params.learned?.swapAfter ?? DEFAULT_LEARNED_LIKELIHOOD.swapAfter) },
      };
    });
  } finally {
    await learned.dispose();
  }
  const events = learned.events;
  await ctx.write(
    'training_events',
    tableFromColumns({
      kind: events.map((e) => e.kind),
      true_calls: int32Column('true_calls', events.map((e) => e.trueCalls)),
      started_at_true_calls: int32Column('started_at_true_calls', events.map((e) => e.startedAt)),
      network_calls: int32Column('network_calls', events.map((e) => e.networkCalls)),
      error: events.map((e) => e.error),
      passed: events.map((e) => e.passed),
    }),
  );
  return summary;
}

/**
 * Sequential neural likelihood (lib/nn/snl): a conditional masked autoregressive flow q(x | θ)
 * trained on simulations — round 1 from the prior, later rounds from the current posterior — with
 * optional PCA compression of the data. Checkpointed after every round. Writes the last round's
 * `flow` as a network table (lib/nn/network-table.ts); with `pcaComponents` its x are the PCA
 * coefficients, whose basis is not stored.
 */
async function sequentialNeuralLikelihood(ctx: StageContext<SnlParams>): Promise<{ [key: string]: Json }> {
  const problem = await loadSimulationProblem(ctx);
  const checkpointer = ctx.checkpointer<SnlCheckpoint>();
  const resumeFrom = await checkpointer.restore();
  const { rounds, pcaComponents } = ctx.params;
  const seed = ctx.rng.nextUint32();
  const result = await runSnl({
    prior: problem.prior,
    simulator: problem.simulator,
    observation: problem.observation,
    rounds,
    simulationsPerRound: ctx.params.simulationsPerRound,
    posteriorSamples: ctx.params.posteriorSamples,
    seed,
    ...(pcaComponents && { compression: pcaCompression(pcaComponents, ctx.rng.fork(1)) }),
    ...(resumeFrom && { resumeFrom }),
    onRound: (summary, checkpoint) => checkpointer.save(checkpoint()).then(() => checkpointer.report({ fraction: summary.round / rounds, message: `round ${summary.round}/${rounds} done` })),
    onEpoch: (round, record) => checkpointer.report({ fraction: (round - 1) / rounds, message: `round ${round}/${rounds}: training epoch ${record.epoch}` }),
  });
  const columns: Record<string, Float64Array> = {};
  problem.paramNames.forEach((name, d) => (columns[name] = Float64Array.from(result.posterior, (t) => t[d]!)));
  await ctx.write('posterior_samples', tableFromColumns(columns));
  await ctx.write(
    'rounds',
    tableFromColumns({
      round: int32Column('round', result.rounds.map((r) => r.round)),
      simulator_calls: int32Column('simulator_calls', result.rounds.map((r) => r.simulatorCalls)),
      training_rows: int32Column('training_rows', result.rounds.map((r) => r.trainingRows)),
      epochs: int32Column('epochs', result.rounds.map((r) => r.epochs)),
      best_val_loss: result.rounds.map((r) => r.bestValLoss),
      posterior_mean: result.rounds.map((r) => r.posteriorMean),
      posterior_std: result.rounds.map((r) => r.posteriorStd),
    }),
  );
  await ctx.write('flow', flowToTable(result.flow.serialize()));
  result.flow.dispose();
  return { simulator_calls: result.simulatorCalls, rounds: result.rounds.length };
}

/**
 * Neural likelihoods, in two modes: `ns-learned` (nested sampling with a learned likelihood) and
 * `snl` (sequential neural likelihood). The tfjs backend that trained the networks goes into the
 * run manifest.
 */
export const neuralLikelihood = stageActivity<NeuralLikelihoodParams>(async (ctx) => {
  const backend = await selectBackend();
  const summary =
    ctx.params.mode === 'ns-learned'
      ? await nestedWithLearnedLikelihood(ctx as StageContext<LearnedParams>)
      : ctx.params.mode === 'snl'
        ? await sequentialNeuralLikelihood(ctx as StageContext<SnlParams>)
        : undefined;
  if (!summary) throw new UserError(`neuralLikelihood: unknown mode "${String((ctx.params as { mode: unknown }).mode)}" (available: ns-learned, snl)`);
  return { ...summary, backend: backend.backend };
});
