import { UserError } from '../lib/engine/errors.ts';
import { EnsembleSampler, type EnsembleCheckpoint } from '../lib/sampling/mcmc/index.ts';
import { tableFromColumns } from '../lib/store/parquet.ts';
import { loadProblem } from './problem.ts';
import { stageActivity } from './stage-runtime.ts';

interface McmcParams {
  problem: string;
  steps: number;
  walkers: number;
  initDraws: number;
  chain?: number;
}

/** Walkers start in a ball of this radius (unit-cube coordinates) around the best prior draw. */
const START_BALL = 1e-3;

/**
 * One affine-invariant ensemble MCMC run (lib/sampling/mcmc, emcee's stretch move) on a pipeline's
 * inference problem, in the unit cube where the prior is uniform. Fan the stage out for several
 * independent runs: R̂ across them is the convergence test. Checkpointed while it runs; a retried
 * attempt continues from the last saved state and reproduces an uninterrupted run exactly.
 * Writes `samples` (step, walker, logL and the parameters, every stored step of every walker).
 */
export const mcmc = stageActivity<McmcParams>(async (ctx) => {
  const problem = await loadProblem(ctx);
  const ndim = problem.paramNames.length;
  const inside = (u: number[]) => u.every((x) => x > 0 && x < 1);
  const logProb = async (batch: number[][]) => {
    const values = await problem.logLikelihood(batch.filter(inside).map((u) => problem.priorTransform(u)));
    let k = 0;
    return batch.map((u) => (inside(u) ? values[k++]! : -Infinity));
  };
  const checkpointer = ctx.checkpointer<EnsembleCheckpoint>();
  const saved = await checkpointer.restore();
  let sampler: EnsembleSampler;
  if (saved) sampler = EnsembleSampler.restore({ ndim, logProb }, saved);
  else {
    // Start in the bulk: a small ball around the best of `initDraws` prior draws.
    const draws = Array.from({ length: ctx.params.initDraws }, () => Array.from({ length: ndim }, () => ctx.rng.uniform()));
    const logL = await logProb(draws);
    const best = draws[logL.indexOf(Math.max(...logL))]!;
    if (!Number.isFinite(Math.max(...logL))) throw new UserError(`problem ${ctx.params.problem}: log-likelihood is not finite at any starting draw`);
    const initial = Array.from({ length: ctx.params.walkers }, () => best.map((x) => Math.min(1 - 1e-9, Math.max(1e-9, x + START_BALL * ctx.rng.normal()))));
    sampler = new EnsembleSampler({ ndim, logProb }, initial, { seed: ctx.rng.nextUint32() });
  }
  await checkpointer.runInSlices(
    async (shouldStop) => (await sampler.run(ctx.params.steps, { shouldStop })).finished,
    () => {
      const step = sampler.chain().length;
      return { fraction: step / ctx.params.steps, message: `step ${step}/${ctx.params.steps}`, metrics: { step } };
    },
    () => sampler.checkpoint(),
  );
  const chain = sampler.chain();
  const logProbs = sampler.chainLogProb();
  const rows = chain.flatMap((walkers, step) => walkers.map((u, walker) => ({ step, walker, logL: logProbs[step]![walker]!, theta: problem.priorTransform(u) })));
  const columns: Record<string, Float64Array | Int32Array> = {
    step: Int32Array.from(rows, (r) => r.step),
    walker: Int32Array.from(rows, (r) => r.walker),
    logL: Float64Array.from(rows, (r) => r.logL),
  };
  problem.paramNames.forEach((name, d) => (columns[name] = Float64Array.from(rows, (r) => r.theta[d]!)));
  await ctx.write('samples', tableFromColumns(columns));
  const acceptance = sampler.acceptanceFraction;
  return { chain: ctx.params.chain ?? 0, steps: chain.length, walkers: ctx.params.walkers, acceptance: acceptance.reduce((a, b) => a + b, 0) / acceptance.length };
});
