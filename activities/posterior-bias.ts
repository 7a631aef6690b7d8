import type { Json } from '../lib/engine/types.ts';
import { credibleInterval, pull, summarize } from '../lib/stats/index.ts';
import { numberColumn, tableFromColumns } from '../lib/store/parquet.ts';
import { stageActivity } from './stage-runtime.ts';

interface BiasParams {
  /** The fanned-out stage whose branches hold posteriors of injections with known truths. */
  stage: string;
  output: string;
  parameters: string[];
  /** True value of each parameter (the same for every branch). */
  truth: Record<string, number>;
  /** Parameter → group label (e.g. binary, torque), copied into the table. */
  groups: Record<string, string>;
  /** Per-branch labels (e.g. {variability, seed}), copied into the table as columns. */
  labels: { [key: string]: number }[];
  /** Mass of the central credible interval tested for the truth (e.g. 0.9). */
  mass: number;
}

/**
 * Bias of injection–recovery posteriors: for every branch and parameter the posterior median, σ,
 * central credible interval, the bias (median − truth)/σ and whether the truth lies inside the
 * interval. Writes the long table `bias`; the summary holds the largest |bias| per group.
 */
export const posteriorBias = stageActivity<BiasParams>(async (ctx) => {
  const { stage, output, parameters, truth, groups, labels, mass } = ctx.params;
  const tables = await ctx.inputBranches(stage, output);
  const rows = tables.flatMap((table, branch) => {
    const weights = table.getChild('weight') ? numberColumn(table, 'weight') : undefined;
    return parameters.map((parameter) => {
      const sample = { values: numberColumn(table, parameter), weights };
      const s = summarize(sample);
      const [lo, hi] = credibleInterval(sample, mass);
      const t = truth[parameter]!;
      return { branch, ...labels[branch], parameter, group: groups[parameter] ?? '', truth: t, median: s.median, sd: s.sd, lo, hi, bias: pull(s.median, t, s.sd), inside: t >= lo && t <= hi };
    });
  });
  const labelColumns = Object.fromEntries(Object.keys(labels[0] ?? {}).map((k) => [k, rows.map((r) => Number((r as unknown as Record<string, number>)[k]))]));
  await ctx.write(
    'bias',
    tableFromColumns({
      branch: rows.map((r) => r.branch),
      ...labelColumns,
      parameter: rows.map((r) => r.parameter),
      group: rows.map((r) => r.group),
      truth: rows.map((r) => r.truth),
      median: rows.map((r) => r.median),
      sd: rows.map((r) => r.sd),
      lower: rows.map((r) => r.lo),
      upper: rows.map((r) => r.hi),
      bias_sigma: rows.map((r) => r.bias),
      inside_interval: rows.map((r) => r.inside),
    }),
  );
  const summary: { [key: string]: Json } = {};
  for (const r of rows) {
    const key = `max_abs_bias_${r.group || 'all'}`;
    summary[key] = Math.max(Number(summary[key] ?? 0), Math.abs(r.bias));
  }
  return { ...summary, outside_interval: rows.filter((r) => !r.inside).length, rows: rows.length };
});
