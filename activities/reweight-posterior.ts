import { logLikelihoodShift, pointsToReweight, reweightNested } from '../lib/sampling/reweight.ts';
import { numberColumn, tableFromRows } from '../lib/store/parquet.ts';
import { EVIDENCE_COUNTS, posteriorSamplesTable, timedLikelihood } from './nested-sampling.ts';
import { loadProblem } from './problem.ts';
import { stageActivity } from './stage-runtime.ts';

interface ReweightParams {
  /** The problem with the true likelihood (built from this stage's params). */
  problem: string;
  /** A nested-sampling run with a proxy likelihood: its `posterior_samples` (logWeight, logL). */
  samples: { stage: string };
  /** Skip points whose proxy log-weight is more than `cut` below the largest. */
  cut: number;
}

const BATCH = 256;

/**
 * Correct a proxy-likelihood nested-sampling run to the problem's true likelihood by importance
 * weights (lib/sampling/reweight.ts): the true ln L is evaluated only on the points that carry
 * proxy posterior mass. Writes `posterior_samples` (evaluated points, corrected weights, true logL)
 * and `evidence` (corrected ln Z, ESS, true-likelihood calls); the summary adds the mean and spread
 * of ln L − ln L̃ over the input posterior (how far the two likelihoods disagree where it matters)
 * and wall times.
 */
export const reweightPosterior = stageActivity<ReweightParams>(async (ctx) => {
  const started = Date.now();
  const problem = await loadProblem(ctx);
  const table = await ctx.input(ctx.params.samples.stage, 'posterior_samples', ctx.invocation.branch);
  const proxyLogWeight = numberColumn(table, 'logWeight');
  const proxyLogL = numberColumn(table, 'logL');
  const columns = problem.paramNames.map((p) => numberColumn(table, p));
  const indices = pointsToReweight(proxyLogWeight, ctx.params.cut);
  const truth = timedLikelihood(problem, ctx.params.problem);
  const trueLogL: number[] = [];
  for (let k = 0; k < indices.length; k += BATCH) {
    const batch = indices.slice(k, k + BATCH).map((i) => columns.map((c) => c[i]!));
    trueLogL.push(...Array.from(await truth.logLikelihood(batch)));
    ctx.progress({ fraction: trueLogL.length / indices.length, message: `${trueLogL.length}/${indices.length} points reweighted` });
  }
  const result = reweightNested(proxyLogWeight, proxyLogL, indices, trueLogL);
  const shift = logLikelihoodShift(numberColumn(table, 'weight'), proxyLogL, indices, trueLogL);
  const theta = indices.map((i) => columns.map((c) => c[i]!));
  const pick = (values: ArrayLike<number>) => indices.map((i) => values[i]!);
  await ctx.write('posterior_samples', posteriorSamplesTable(problem.paramNames, theta, pick(result.weight), pick(result.logWeight), trueLogL));
  const evidence = { logZ: result.logZ, ess: result.ess, ncall: indices.length, candidates: table.numRows };
  await ctx.write('evidence', tableFromRows([evidence], EVIDENCE_COUNTS));
  return { ...evidence, ...shift, likelihood_s: truth.seconds(), wall_s: (Date.now() - started) / 1000 };
});
