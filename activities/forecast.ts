import { UserError } from '../lib/engine/errors.ts';
import type { Json } from '../lib/engine/types.ts';
import { selectBackend, type BackendChoice } from '../lib/nn/backend.ts';
import { NETWORK_TASKS, TASKS as rocketTasks, type Task } from '../pipelines/rocket-instability/stages.ts';
import { stageActivity } from './stage-runtime.ts';

/** Forecasting tasks by pipeline name, then by the stage's `task` param. */
const FORECAST_TASKS: Record<string, Record<string, Task>> = { 'rocket-instability': rocketTasks };
/**
 * One backend selection per worker process: two branches selecting at once (a fan-out) race in
 * tf.setBackend and one of them ends up with a half-initialised backend.
 */
let backendChoice: Promise<BackendChoice> | undefined;

/** Tasks that run tfjs networks (the others need no backend). */
const USES_NETWORKS: Record<string, ReadonlySet<string>> = { 'rocket-instability': NETWORK_TASKS };

/**
 * Time-series forecasting steps (prepare a test run, train an ensemble, evaluate, forecast a new
 * run, generate runs): a thin adapter that hands the stage's inputs and outputs to the pipeline's
 * task and records the tfjs backend and the wall time in the summary (never in the artifacts).
 */
export const forecast = stageActivity<{ task: string }>(async (ctx) => {
  const task = FORECAST_TASKS[ctx.pipeline.name]?.[ctx.params.task];
  if (!task) throw new UserError(`pipeline ${ctx.pipeline.name} has no forecast task "${ctx.params.task}"`);
  const backend = USES_NETWORKS[ctx.pipeline.name]?.has(ctx.params.task) ? await (backendChoice ??= selectBackend()) : undefined;
  const started = performance.now();
  const checkpointer = ctx.checkpointer<unknown>();
  const summary = await task({
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
