import { UserError } from '../lib/engine/errors.ts';
import type { InferenceProblem } from '../lib/engine/pipeline.ts';
import type { Json } from '../lib/engine/types.ts';
import { NestedSampler, type BatchLogLikelihood, type NestedCheckpoint, type NestedSamplerOptions } from '../lib/sampling/nested/index.ts';
import type { Table } from 'apache-arrow';
import { tableFromColumns, tableFromRows } from '../lib/store/parquet.ts';
import type { Checkpointer } from './checkpoint.ts';
import { loadProblem } from './problem.ts';
import { stageActivity, type StageContext } from './stage-runtime.ts';

export interface NestedParams {
  problem: string;
  nlive?: number;
  dlogz?: number;
  bound?: NestedSamplerOptions['bound'];
  proposal?: NestedSamplerOptions['proposal'];
  /** Candidates per likelihood batch (uniform) or slice chains in lock-step: batched models gain. */
  parallelProposals?: number;
  /** Slice steps per new point (slice proposals; default ndim + 3). More decorrelate better on multimodal posteriors. */
  slices?: number;
  /**
   * Seed of the sampler's random stream (default: drawn from the stage's seed). Stages given the
   * same samplerSeed make identical draws until their likelihoods differ — common random numbers,
   * so an exact-vs-learned comparison measures the likelihood, not nested-sampling noise.
   */
  samplerSeed?: number;
}


/** The true likelihood of a problem, timed, with NaN refused as a user error (a model bug, not bad luck). */
export function timedLikelihood(problem: InferenceProblem, name: string): { logLikelihood: BatchLogLikelihood; seconds(): number } {
  let ms = 0;
  return {
    logLikelihood: async (batch) => {
      const t0 = performance.now();
      const values = await problem.logLikelihood(batch);
      ms += performance.now() - t0;
      for (const v of values) if (Number.isNaN(v)) throw new UserError(`problem ${name}: log-likelihood is NaN`);
      return values;
    },
    seconds: () => ms / 1000,
  };
}

/**
 * Drive a nested sampler to convergence in half-second slices (Checkpointer.runInSlices),
 * checkpointing the sampler's state together with `saveExtra()` (what the caller keeps beside
 * it). A retried attempt restores both and reproduces the uninterrupted run exactly. Writes
 * `posterior_samples` (parameters, normalised weight, logWeight, logL) and `evidence` (one row:
 * the sampler's numbers plus the caller's counts).
 */
export async function runNestedStage<Extra>(
  ctx: StageContext<NestedParams>,
  problem: InferenceProblem,
  logLikelihood: BatchLogLikelihood,
  checkpointer: Checkpointer<{ sampler: NestedCheckpoint; extra: Extra }>,
  saved: NestedCheckpoint | undefined,
  saveExtra: () => Extra,
  extraSummary: () => { counts: { [key: string]: number }; timings: { [key: string]: number } },
): Promise<{ [key: string]: Json }> {
  const started = Date.now();
  const nested = { ndim: problem.paramNames.length, paramNames: problem.paramNames, priorTransform: problem.priorTransform, logLikelihood };
  const sampler = saved
    ? NestedSampler.restore(nested, saved)
    : new NestedSampler(nested, {
        seed: ctx.params.samplerSeed ?? ctx.rng.nextUint32(),
        ...(ctx.params.nlive && { nlive: ctx.params.nlive }),
        ...(ctx.params.dlogz && { dlogz: ctx.params.dlogz }),
        ...(ctx.params.bound && { bound: ctx.params.bound }),
        ...(ctx.params.proposal && { proposal: ctx.params.proposal }),
        ...(ctx.params.parallelProposals && { parallelProposals: ctx.params.parallelProposals }),
        ...(ctx.params.slices && { slices: ctx.params.slices }),
      });
  await checkpointer.runInSlices(
    async (shouldStop) => (await sampler.run({ shouldStop })).finished,
    () => {
      const p = sampler.progress();
      const target = sampler.options.dlogz;
      return {
        // dlogz falls roughly exponentially towards its target: progress on a log scale.
        fraction: Number.isFinite(p.dlogz) ? Math.min(0.99, Math.max(0, 1 - Math.log(p.dlogz / target) / Math.log(1e4 / target))) : 0,
        message: `iteration ${p.iteration}  logZ ${p.logZ.toFixed(3)}  dlogz ${p.dlogz.toPrecision(3)}  calls ${p.ncall}`,
        metrics: { iteration: p.iteration, logZ: p.logZ, dlogz: p.dlogz, ncall: p.ncall },
      };
    },
    () => ({ sampler: sampler.checkpoint(), extra: saveExtra() }),
  );
  const result = sampler.result();
  const { theta, logWeight, logL } = result.samples;
  const maxLogW = Math.max(...logWeight);
  const weights = logWeight.map((w) => Math.exp(w - maxLogW));
  const total = weights.reduce((a, b) => a + b, 0);
  await ctx.write('posterior_samples', posteriorSamplesTable(problem.paramNames, theta, weights.map((w) => w / total), logWeight, logL));
  const { counts, timings } = extraSummary();
  const evidence = {
    logZ: result.logZ,
    logZerr: result.logZerr,
    H: result.information,
    ncall: result.ncall,
    niter: result.niter,
    nlive: result.nlive,
    ess: result.ess,
    efficiency: result.efficiency,
    ...counts,
  };
  // Artifacts hold only what the seed determines, so identical work gives identical bytes and
  // downstream cache keys; wall times go to the manifest (and the `metrics` query table).
  await ctx.write('evidence', tableFromRows([evidence]));
  return { ...evidence, wall_s: (Date.now() - started) / 1000, ...timings };
}

/** The `posterior_samples` layout every nested-sampling stage writes: parameters, normalised weight, logWeight, logL. */
export function posteriorSamplesTable(
  paramNames: readonly string[],
  theta: readonly (readonly number[])[],
  weight: ArrayLike<number>,
  logWeight: ArrayLike<number>,
  logL: ArrayLike<number>,
): Table {
  const columns: Record<string, Float64Array> = {};
  paramNames.forEach((name, d) => (columns[name] = Float64Array.from(theta, (t) => t[d]!)));
  columns.weight = Float64Array.from(weight);
  columns.logWeight = Float64Array.from(logWeight);
  columns.logL = Float64Array.from(logL);
  return tableFromColumns(columns);
}

/**
 * Nested sampling on a pipeline's inference problem (lib/sampling/nested): the evidence with its
 * error and the weighted posterior.
 */
export const nestedSampling = stageActivity<NestedParams>(async (ctx) => {
  const problem = await loadProblem(ctx);
  const truth = timedLikelihood(problem, ctx.params.problem);
  const checkpointer = ctx.checkpointer<{ sampler: NestedCheckpoint; extra: null }>();
  const saved = await checkpointer.restore();
  return runNestedStage(ctx, problem, truth.logLikelihood, checkpointer, saved?.sampler, () => null, () => ({ counts: {}, timings: { likelihood_s: truth.seconds() } }));
});
