import { UserError } from '../lib/engine/errors.ts';
import { selectBackend } from '../lib/nn/backend.ts';
import { rankTrainer } from '../lib/nn/rank-trainer.ts';
import type { InferenceGuide, InferenceProblem } from '../lib/engine/pipeline.ts';
import type { Json } from '../lib/engine/types.ts';
import { NestedSampler, type BatchLogLikelihood, type GuideOptions, type NestedCheckpoint, type NestedSamplerOptions, type SliceWhitening } from '../lib/sampling/nested/index.ts';
import type { Table } from 'apache-arrow';
import { tableFromColumns, tableFromRows } from '../lib/store/parquet.ts';
import type { Checkpointer } from './checkpoint.ts';
import { loadProblem } from './problem.ts';
import { stageActivity, type StageContext } from './stage-runtime.ts';

/** Counts of the evidence rows (nested runs, merges, reweighting), stored as int32 columns. */
export const EVIDENCE_COUNTS = ['ncall', 'niter', 'nlive', 'full_calls', 'surrogate_calls', 'audits', 'audit_failures', 'start_failures', 'blocks', 'blocks_kept', 'runs', 'candidates', 'trainings'];

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
  /** Slice directions (NestedSamplerOptions.whitening): 'differential' follows curved, multimodal posteriors best. */
  whitening?: SliceWhitening;
  /**
   * Seed of the sampler's random stream (default: drawn from the stage's seed). Stages given the
   * same samplerSeed make identical draws until their likelihoods differ — common random numbers,
   * so an exact-vs-learned comparison measures the likelihood, not nested-sampling noise.
   */
  samplerSeed?: number;
  /**
   * Surrogate-guided sampling when the problem has a surrogate (InferenceProblem.guide): `false`
   * samples with the exact likelihood alone; an object overrides the problem's margin settings.
   */
  guide?: false | GuideOptions;
  /**
   * Importance nested sampling (NestedSamplerOptions.importance): ln Z and the posterior from every
   * evaluated point. Same run and calls; the plain nested ln Z is kept as nested_logZ.
   */
  importance?: boolean;
  /**
   * Learned bound (NestedSamplerOptions.learnedBound; needs importance): draws filtered by a rank
   * network trained on TensorFlow.js. Pays for likelihoods of ≳ 0.2 ms a call in ≳ 5 dimensions; the
   * evidence row gains `trainings`, the summary the tfjs backend. The run discards its exploration
   * (NestedSamplerOptions.discardExploration): ln Z comes from fresh draws, and the exploration's
   * own estimate is kept as exploration_logZ / exploration_logZerr.
   */
  learnedBound?: boolean;
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
 * The problem's surrogate as a stage uses it: none when the problem has none or `params.guide` is
 * false; else with the stage's margin settings over the problem's, timed, NaN refused as a user error.
 */
export function stageGuide(problem: InferenceProblem, params: NestedParams): { guide: InferenceGuide; seconds(): number } | undefined {
  const guide = problem.guide;
  if (!guide || params.guide === false) return undefined;
  const overrides = params.guide ?? {};
  let ms = 0;
  const logLikelihood = async (batch: number[][]) => {
    const t0 = performance.now();
    const values = await guide.logLikelihood(batch);
    ms += performance.now() - t0;
    if (Array.prototype.some.call(values.logL, Number.isNaN)) throw new UserError(`problem ${params.problem}: surrogate log-likelihood is NaN`);
    return values;
  };
  const settings = {
    margin: overrides.margin ?? guide.margin,
    spreadFactor: overrides.spreadFactor ?? guide.spreadFactor,
    auditFraction: overrides.auditFraction ?? guide.auditFraction,
    blockSteps: overrides.blockSteps ?? guide.blockSteps,
  };
  return { guide: { ...settings, logLikelihood }, seconds: () => ms / 1000 };
}

/**
 * Drive a nested sampler to convergence in half-second slices (Checkpointer.runInSlices),
 * checkpointing the sampler's state together with `saveExtra()` (what the caller keeps beside
 * it). A retried attempt restores both and reproduces the uninterrupted run exactly. Writes
 * `posterior_samples` (parameters, normalised weight, logWeight, logL) and `evidence` (one row:
 * the sampler's numbers plus the caller's counts). With `guide`, slice chains run on the surrogate
 * and `logLikelihood` decides (lib/sampling/nested/proposals/guided.ts); the evidence row then adds
 * full_calls (= ncall), surrogate_calls, audits, audit_failures, start_failures, the final margin,
 * and blocks / blocks_kept (each block ends in one full-model call; kept: inside the contour).
 */
export async function runNestedStage<Extra>(
  ctx: StageContext<NestedParams>,
  problem: InferenceProblem,
  logLikelihood: BatchLogLikelihood,
  checkpointer: Checkpointer<{ sampler: NestedCheckpoint; extra: Extra }>,
  saved: NestedCheckpoint | undefined,
  saveExtra: () => Extra,
  extraSummary: () => { counts: { [key: string]: number }; timings: { [key: string]: number }; notes?: { [key: string]: Json } },
  guide?: InferenceGuide,
): Promise<{ [key: string]: Json }> {
  const started = Date.now();
  const nested = {
    ndim: problem.paramNames.length,
    paramNames: problem.paramNames,
    priorTransform: problem.priorTransform,
    logLikelihood,
    ...(guide && { guide: { logLikelihood: (batch: number[][]) => guide.logLikelihood(batch) } }),
    ...(ctx.params.learnedBound && { rankTrainer: rankTrainer() }),
  };
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
        ...(ctx.params.whitening && { whitening: ctx.params.whitening }),
        ...(ctx.params.importance && { importance: true }),
        ...(ctx.params.learnedBound && { learnedBound: true }),
        ...(guide && { guide: { margin: guide.margin, spreadFactor: guide.spreadFactor, auditFraction: guide.auditFraction, blockSteps: guide.blockSteps } }),
      });
  await checkpointer.runInSlices(
    // The signal ends a long iteration at once when the run is cancelled (heartbeats deliver it).
    async (shouldStop) => (await sampler.run({ shouldStop, signal: ctx.signal })).finished,
    () => {
      const p = sampler.progress();
      const target = sampler.options.dlogz;
      return {
        // dlogz falls roughly exponentially towards its target: progress on a log scale.
        fraction: Number.isFinite(p.dlogz) ? Math.min(0.99, Math.max(0, 1 - Math.log(p.dlogz / target) / Math.log(1e4 / target))) : 0,
        message: `iteration ${p.iteration}  logZ ${p.logZ.toFixed(3)}  dlogz ${p.dlogz.toPrecision(3)}  calls ${p.ncall}${p.guide ? `  surrogate ${p.guide.surrogateCalls}  margin ${p.guide.margin.toPrecision(3)}` : ''}`,
        metrics: { iteration: p.iteration, logZ: p.logZ, dlogz: p.dlogz, ncall: p.ncall },
      };
    },
    () => ({ sampler: sampler.checkpoint(), extra: saveExtra() }),
  );
  const result = sampler.result();
  const { theta, logWeight, logL } = result.samples;
  // A loop, not Math.max(...): an importance run has one sample per likelihood call.
  const maxLogW = logWeight.reduce((m, w) => (w > m ? w : m), -Infinity);
  const weights = logWeight.map((w) => Math.exp(w - maxLogW));
  const total = weights.reduce((a, b) => a + b, 0);
  await ctx.write('posterior_samples', posteriorSamplesTable(problem.paramNames, theta, weights.map((w) => w / total), logWeight, logL));
  const { counts, timings, notes } = extraSummary();
  const evidence = {
    logZ: result.logZ,
    logZerr: result.logZerr,
    H: result.information,
    ncall: result.ncall,
    niter: result.niter,
    nlive: result.nlive,
    ess: result.ess,
    efficiency: result.efficiency,
    ...(result.nested && { nested_logZ: result.nested.logZ, nested_logZerr: result.nested.logZerr }),
    ...(result.trainings !== undefined && { trainings: result.trainings }),
    ...(result.exploration && { exploration_logZ: result.exploration.logZ, exploration_logZerr: result.exploration.logZerr }),
    ...(result.guide && {
      full_calls: result.ncall,
      surrogate_calls: result.guide.surrogateCalls,
      audits: result.guide.audits,
      audit_failures: result.guide.auditFailures,
      start_failures: result.guide.startFailures,
      margin: result.guide.margin,
      blocks: result.guide.blocks,
      blocks_kept: result.guide.blocksKept,
    }),
    ...counts,
  };
  // Artifacts hold only what the seed determines, so identical work gives identical bytes and
  // downstream cache keys; wall times go to the manifest (and the `metrics` query table).
  // The caller's `counts` are counts too (e.g. the learned likelihood's true and network calls).
  await ctx.write('evidence', tableFromRows([evidence], [...EVIDENCE_COUNTS, ...Object.keys(counts)]));
  return { ...evidence, wall_s: (Date.now() - started) / 1000, ...timings, ...notes };
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
  const surrogate = stageGuide(problem, ctx.params);
  const checkpointer = ctx.checkpointer<{ sampler: NestedCheckpoint; extra: null }>();
  const saved = await checkpointer.restore();
  const timings = () => ({ likelihood_s: truth.seconds(), ...(surrogate && { surrogate_s: surrogate.seconds() }) });
  // A learned bound trains networks: which tfjs backend did goes into the run manifest.
  const backend = ctx.params.learnedBound ? (await selectBackend()).backend : undefined;
  const summary = await runNestedStage(ctx, problem, truth.logLikelihood, checkpointer, saved?.sampler, () => null, () => ({ counts: {}, timings: timings() }), surrogate?.guide);
  return backend ? { ...summary, backend } : summary;
});
