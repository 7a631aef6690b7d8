import { UserError } from '../lib/engine/errors.ts';
import type { Json } from '../lib/engine/types.ts';
import { selectBackend } from '../lib/nn/backend.ts';
import { stageActivity } from './stage-runtime.ts';

/**
 * Time-series forecasting steps (prepare a test run, train an ensemble, evaluate, forecast a new
 * run, generate runs): a thin adapter that hands the stage's inputs and outputs to the pipeline's
 * task and records the tfjs backend and the wall time in the summary (never in the artifacts).
 */
export const forecast = stageActivity<{ task: string }>(async (ctx) => {
  const task = ctx.pipeline.tasks?.[ctx.params.task];
  if (!task) throw new UserError(`pipeline ${ctx.pipeline.name} has no task "${ctx.params.task}"`);
  const backend = task.usesNetworks ? await selectBackend() : undefined;
  const started = performance.now();
  const checkpointer = ctx.checkpointer<unknown>();
  const summary = await task.run({
    params: ctx.invocation.params,
    seed: ctx.invocation.seed,
    input: ctx.input,
    inputBranches: ctx.inputBranches,
    write: ctx.write,
    progress: ctx.progress,
    restore: <State>() => checkpointer.restore() as Promise<State | undefined>,
    tick: (progress, state) => checkpointer.tick(progress, state),
  });
  return { ...summary, ...(backend && { backend: backend.backend }), wallSeconds: (performance.now() - started) / 1000 } satisfies { [key: string]: Json };
});
