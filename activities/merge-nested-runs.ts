import { mergeNestedRuns as merge, type RunPoints } from '../lib/sampling/nested/merge.ts';
import { numberColumn, tableFromRows, tableRows } from '../lib/store/parquet.ts';
import { EVIDENCE_COUNTS, posteriorSamplesTable } from './nested-sampling.ts';
import { stageActivity } from './stage-runtime.ts';

interface MergeParams {
  /** Nested-sampling stages of one problem with different sampler seeds (each may fan out: branch b merges with branch b). */
  runs: string[];
  parameters: string[];
}

/**
 * Merge independent nested-sampling runs into one (lib/sampling/nested/merge.ts): K runs of N live
 * points, run side by side on K workers, give the evidence and posterior of one run of K·N. Writes
 * `posterior_samples` and `evidence` in the nestedSampling activity's layout.
 */
export const mergeNestedRuns = stageActivity<MergeParams>(async (ctx) => {
  const branch = ctx.invocation.branch;
  const runs: RunPoints[] = [];
  let ncall = 0;
  for (const stage of ctx.params.runs) {
    const samples = await ctx.input(stage, 'posterior_samples', branch);
    const evidence = tableRows(await ctx.input(stage, 'evidence', branch))[0]!;
    const columns = ctx.params.parameters.map((p) => numberColumn(samples, p));
    runs.push({ theta: Array.from({ length: samples.numRows }, (_, i) => columns.map((c) => c[i]!)), logL: numberColumn(samples, 'logL'), nlive: Number(evidence.nlive), niter: Number(evidence.niter) });
    ncall += Number(evidence.ncall);
  }
  const merged = merge(runs);
  await ctx.write('posterior_samples', posteriorSamplesTable(ctx.params.parameters, merged.theta, merged.weight, merged.logWeight, merged.logL));
  const evidence = { logZ: merged.logZ, logZerr: merged.logZerr, H: merged.information, ncall, niter: merged.niter, nlive: merged.nlive, ess: merged.ess, runs: runs.length };
  await ctx.write('evidence', tableFromRows([evidence], EVIDENCE_COUNTS));
  return evidence;
});
