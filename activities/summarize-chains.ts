import { UserError } from '../lib/engine/errors.ts';
import { numberColumn, tableFromColumns } from '../lib/store/parquet.ts';
import { gelmanRubin } from '../pipelines/demo/metropolis.ts';
import { stageActivity } from './stage-runtime.ts';

/**
 * Pool the chains of an upstream `chains` stage after burn-in: per-parameter mean, standard
 * deviation, R̂ and, when the data were simulated, the truth and its distance in σ. Fails
 * non-retryably when the chains have not converged (R̂ above `maxRhat`): rerunning the same
 * numbers cannot help, a longer chain can.
 */
export const summarizeChains = stageActivity<{ burnIn: number; maxRhat: number; truth: Record<string, number> | null }>(async (ctx) => {
  const chains = await ctx.inputBranches('chains', 'samples');
  const names = chains[0]!.schema.fields.map((f) => f.name).filter((n) => n !== 'step' && n !== 'logL');
  const rows = names.map((name) => {
    const draws = chains.map((c) => Array.from(numberColumn(c, name).subarray(ctx.params.burnIn)));
    const pooled = draws.flat();
    const mean = pooled.reduce((a, b) => a + b, 0) / pooled.length;
    const sd = Math.sqrt(pooled.reduce((a, b) => a + (b - mean) ** 2, 0) / (pooled.length - 1));
    const truth = ctx.params.truth?.[name] ?? NaN;
    return { name, mean, sd, rhat: gelmanRubin(draws), truth, pull: (mean - truth) / sd };
  });
  const table = tableFromColumns({
    parameter: rows.map((r) => r.name),
    mean: rows.map((r) => r.mean),
    sd: rows.map((r) => r.sd),
    rhat: rows.map((r) => r.rhat),
    truth: rows.map((r) => r.truth),
    pull: rows.map((r) => r.pull),
  });
  await ctx.write('posterior', table);
  const pooled: Record<string, Float64Array> = {};
  for (const name of names) pooled[name] = Float64Array.from(chains.flatMap((c) => Array.from(numberColumn(c, name).subarray(ctx.params.burnIn))));
  pooled.chain = Float64Array.from(chains.flatMap((c, j) => new Array(Math.max(0, c.numRows - ctx.params.burnIn)).fill(j)));
  await ctx.write('posterior_samples', tableFromColumns(pooled));
  const worst = rows.reduce((a, b) => (b.rhat > a.rhat ? b : a));
  if (worst.rhat > ctx.params.maxRhat) {
    throw new UserError(`chains did not converge: R-hat of ${worst.name} is ${worst.rhat.toFixed(4)} > maxRhat ${ctx.params.maxRhat} (run longer chains: --set steps=…)`);
  }
  return Object.fromEntries(rows.flatMap((r) => [[`${r.name}_mean`, r.mean], [`${r.name}_sd`, r.sd], [`${r.name}_rhat`, r.rhat]]));
});
