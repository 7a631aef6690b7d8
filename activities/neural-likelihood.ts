import { UserError } from '../lib/engine/errors.ts';
import type { Json } from '../lib/engine/types.ts';
import { selectBackend } from '../lib/nn/backend.ts';
import { LearnedLikelihood, type LearnedLikelihoodCheckpoint, type LearnedLikelihoodOptions } from '../lib/nn/learned-likelihood.ts';
import type { NestedCheckpoint } from '../lib/sampling/nested/index.ts';
import { tableFromColumns } from '../lib/store/parquet.ts';
import { runNestedStage, timedLikelihood, type NestedParams } from './nested-sampling.ts';
import { loadProblem } from './problem.ts';
import { stageActivity } from './stage-runtime.ts';

interface NeuralLikelihoodParams extends NestedParams {
  mode: 'ns-learned';
  learned?: Partial<Omit<LearnedLikelihoodOptions, 'seed'>>;
}

/**
 * Nested sampling whose likelihood is replaced by a network once the network is accurate
 * (Gómez-Vargas & Vázquez 2024; lib/nn/learned-likelihood): warm-up on true calls, train, audit
 * a random subset every M calls, fall back and retrain when the audit fails. The sampler and the
 * learned likelihood are checkpointed together. Besides the evidence and posterior it reports
 * true-likelihood calls, network calls and the tfjs backend that trained the network.
 */
export const neuralLikelihood = stageActivity<NeuralLikelihoodParams>(async (ctx) => {
  if (ctx.params.mode !== 'ns-learned') throw new UserError(`neuralLikelihood: unknown mode "${String(ctx.params.mode)}" (available: ns-learned)`);
  const backend = await selectBackend();
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
  const summary = await runNestedStage(ctx, problem, learned.logLikelihood, checkpointer, saved?.sampler, () => learned.checkpoint(), () => {
    const s = learned.stats();
    return {
      counts: { true_calls: s.trueCalls, audit_calls: s.auditCalls, network_calls: s.networkCalls, trainings: s.trainings, fallbacks: s.fallbacks },
      timings: { likelihood_s: truth.seconds() },
    };
  });
  const events = learned.events;
  await ctx.write(
    'training_events',
    tableFromColumns({
      kind: events.map((e) => e.kind),
      true_calls: events.map((e) => e.trueCalls),
      network_calls: events.map((e) => e.networkCalls),
      error: events.map((e) => e.error),
      passed: events.map((e) => e.passed),
    }),
  );
  return { ...summary, backend: backend.backend } satisfies { [key: string]: Json };
});
