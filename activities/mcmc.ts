import { UserError } from '../lib/engine/errors.ts';
import { tableFromColumns } from '../lib/store/parquet.ts';
import { advanceChain, startChain, type ChainState } from '../pipelines/demo/metropolis.ts';
import { stageActivity } from './stage-runtime.ts';

interface McmcParams {
  problem: string;
  steps: number;
  stepSize: number;
  chain?: number;
}

/** Steps between progress reports / checkpoint checks: small enough for a timely heartbeat. */
const BLOCK = 200;

/**
 * One MCMC chain on a pipeline's inference problem, checkpointed while it runs: a retried attempt
 * continues from the last saved chain state and reproduces an uninterrupted chain exactly.
 */
export const mcmc = stageActivity<McmcParams>(async (ctx) => {
  const build = ctx.pipeline.problems?.[ctx.params.problem];
  if (!build) throw new UserError(`pipeline ${ctx.pipeline.name} has no inference problem "${ctx.params.problem}"`);
  const problem = await build(ctx.invocation.params, (stage, name) => ctx.input(stage, name));
  const ndim = problem.paramNames.length;
  const logL = (u: number[]) => (problem.logLikelihood([problem.priorTransform(u)]) as number[])[0]!;
  const checkpointer = ctx.checkpointer<ChainState>();

  let state = await checkpointer.restore();
  if (!state) {
    const u0 = Array.from({ length: ndim }, () => 0.25 + 0.5 * ctx.rng.uniform());
    const logL0 = logL(u0);
    if (!Number.isFinite(logL0)) throw new UserError(`problem ${ctx.params.problem}: log-likelihood is ${logL0} at the starting point`);
    state = startChain(u0, logL0, ctx.rng);
  }
  const stepSizes = new Array(ndim).fill(ctx.params.stepSize);
  while (state.step < ctx.params.steps) {
    state = await advanceChain(state, Math.min(BLOCK, ctx.params.steps - state.step), stepSizes, logL);
    const current = state;
    await checkpointer.tick(
      { fraction: current.step / ctx.params.steps, message: `step ${current.step}/${ctx.params.steps}`, metrics: { acceptance: current.accepted / current.step } },
      () => current,
    );
  }
  const theta = state.samples.map((u) => problem.priorTransform(u));
  const columns: Record<string, Float64Array> = { step: Float64Array.from(theta, (_, i) => i), logL: Float64Array.from(state.logLs) };
  problem.paramNames.forEach((name, d) => (columns[name] = Float64Array.from(theta, (t) => t[d]!)));
  await ctx.write('samples', tableFromColumns(columns));
  return { chain: ctx.params.chain ?? 0, steps: state.step, acceptance: state.accepted / state.step };
});
