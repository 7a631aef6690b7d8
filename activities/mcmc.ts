import { UserError } from '../lib/engine/errors.ts';
import { tableFromColumns } from '../lib/store/parquet.ts';
import { advanceChain, startChain, type ChainState } from '../pipelines/demo/metropolis.ts';
import { loadProblem } from './problem.ts';
import { stageActivity } from './stage-runtime.ts';

interface McmcParams {
  problem: string;
  steps: number;
  burnIn: number;
  initDraws: number;
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
  const problem = await loadProblem(ctx);
  const ndim = problem.paramNames.length;
  const logL = (u: number[]) => (problem.logLikelihood([problem.priorTransform(u)]) as number[])[0]!;
  const checkpointer = ctx.checkpointer<ChainState>();

  let state = await checkpointer.restore();
  if (!state) {
    state = startChain(ndim, ctx.params.initDraws, ctx.params.stepSize, logL, ctx.rng);
    if (!Number.isFinite(state.logL)) throw new UserError(`problem ${ctx.params.problem}: log-likelihood is ${state.logL} at every starting draw`);
  }
  while (state.step < ctx.params.steps) {
    state = advanceChain(state, Math.min(BLOCK, ctx.params.steps - state.step), ctx.params.burnIn, logL);
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
