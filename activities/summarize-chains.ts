import { UserError } from '../lib/engine/errors.ts';
import { gelmanRubin, integratedAutocorrTime } from '../lib/sampling/mcmc/index.ts';
import { pull } from '../lib/stats/index.ts';
import { numberColumn, tableFromColumns } from '../lib/store/parquet.ts';
import { stageActivity } from './stage-runtime.ts';

const NOT_PARAMETERS = new Set(['step', 'walker', 'logL']);

/**
 * Pool the independent MCMC runs of an upstream `chains` stage after `burnIn` steps: per-parameter
 * mean, standard deviation, R̂ across the runs, the integrated autocorrelation time τ (in steps,
 * from every walker of every run) with the effective sample size draws/τ and, when the data were
 * simulated, the truth and the pull (mean − truth)/sd. Fails non-retryably when the runs have not
 * converged (R̂ above `maxRhat`): rerunning the same numbers cannot help, longer runs can.
 */
export const summarizeChains = stageActivity<{ burnIn: number; maxRhat: number; truth: Record<string, number> | null }>(async (ctx) => {
  const runs = await ctx.inputBranches('chains', 'samples');
  const names = runs[0]!.schema.fields.map((f) => f.name).filter((n) => !NOT_PARAMETERS.has(n));
  // Each run's post-burn-in draws as draw × parameter, and as step × walker × parameter.
  const walkerChains: number[][][][] = [];
  const draws = runs.map((table) => {
    const step = numberColumn(table, 'step');
    const walker = numberColumn(table, 'walker');
    const columns = names.map((n) => numberColumn(table, n));
    const keep = Array.from(step.keys()).filter((i) => step[i]! >= ctx.params.burnIn);
    if (keep.length < 2) throw new UserError(`burnIn ${ctx.params.burnIn} leaves fewer than 2 draws per run (steps too small)`);
    const chain: number[][][] = [];
    for (const i of keep) (chain[step[i]! - ctx.params.burnIn] ??= [])[walker[i]!] = columns.map((c) => c[i]!);
    walkerChains.push(chain);
    return keep.map((i) => columns.map((c) => c[i]!));
  });
  const rhat = gelmanRubin(draws);
  const pooled = draws.flat();
  // Every run's walkers side by side over the steps they share (runs of one stage share their length).
  const sharedSteps = Math.min(...walkerChains.map((c) => c.length));
  const { tau } = integratedAutocorrTime(Array.from({ length: sharedSteps }, (_, s) => walkerChains.flatMap((c) => c[s]!)));
  const rows = names.map((name, d) => {
    const values = pooled.map((p) => p[d]!);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1));
    const truth = ctx.params.truth?.[name] ?? NaN;
    return { name, mean, sd, rhat: rhat[d]!, tau: tau[d]!, ess: pooled.length / tau[d]!, truth, pull: pull(mean, truth, sd) };
  });
  await ctx.write(
    'posterior',
    tableFromColumns({
      parameter: rows.map((r) => r.name),
      mean: rows.map((r) => r.mean),
      sd: rows.map((r) => r.sd),
      rhat: rows.map((r) => r.rhat),
      tau: rows.map((r) => r.tau),
      ess: rows.map((r) => r.ess),
      truth: rows.map((r) => r.truth),
      pull: rows.map((r) => r.pull),
    }),
  );
  const samples: Record<string, Float64Array | Int32Array> = Object.fromEntries(names.map((name, d) => [name, Float64Array.from(pooled, (p) => p[d]!)]));
  samples.chain = Int32Array.from(draws.flatMap((run, j) => run.map(() => j)));
  await ctx.write('posterior_samples', tableFromColumns(samples));
  const worst = rows.reduce((a, b) => (b.rhat > a.rhat ? b : a));
  if (worst.rhat > ctx.params.maxRhat) {
    throw new UserError(`chains did not converge: R-hat of ${worst.name} is ${worst.rhat.toFixed(4)} > maxRhat ${ctx.params.maxRhat} (run longer chains: --set steps=…)`);
  }
  return Object.fromEntries(rows.flatMap((r) => [[`${r.name}_mean`, r.mean], [`${r.name}_sd`, r.sd], [`${r.name}_rhat`, r.rhat], [`${r.name}_ess`, r.ess]]));
});
