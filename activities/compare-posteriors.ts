import type { Table } from 'apache-arrow';
import { UserError } from '../lib/engine/errors.ts';
import { comparePosteriors as compare } from '../lib/stats/index.ts';
import type { SampleSet } from '../lib/stats/index.ts';
import { numberColumn, tableFromColumns } from '../lib/store/parquet.ts';
import { stageActivity } from './stage-runtime.ts';

/** Which artifact holds a posterior: a stage's output (one fan-out branch), minus burn-in rows. */
interface PosteriorSource {
  stage: string;
  output: string;
  branch?: number;
  skipRows?: number;
}

interface CompareParams {
  reference: PosteriorSource;
  other: PosteriorSource;
  parameters: string[];
  c2st: boolean;
  /** Also the BC estimators' resolution per parameter (lib/stats/resolution.ts). */
  resolution?: boolean;
}

function sampleSet(table: Table, parameters: string[], skipRows: number): SampleSet {
  const missing = parameters.filter((p) => !table.getChild(p));
  if (missing.length) throw new UserError(`posterior has no column(s) ${missing.join(', ')}`);
  const samples = Object.fromEntries(parameters.map((p) => [p, numberColumn(table, p).subarray(skipRows)]));
  return table.getChild('weight') ? { samples, weights: numberColumn(table, 'weight').subarray(skipRows) } : { samples };
}

/**
 * Compare two posteriors parameter by parameter (Bhattacharyya coefficient on histograms and KDEs,
 * Jensen–Shannon divergence, mean shift, σ ratio, credible-interval overlap, optionally the BC
 * estimators' resolution at these sample sizes) and jointly (C2ST).
 * Writes the long table `comparison` (parameter, metric, value); the summary carries min/mean BC.
 */
export const comparePosteriors = stageActivity<CompareParams>(async (ctx) => {
  const { reference, other, parameters } = ctx.params;
  const load = (s: PosteriorSource) => ctx.input(s.stage, s.output, s.branch ?? 0).then((t) => sampleSet(t, parameters, s.skipRows ?? 0));
  const result = compare(await load(reference), await load(other), {
    paramNames: parameters,
    c2st: ctx.params.c2st ? { seed: ctx.rng.nextUint32() } : false,
    ...(ctx.params.resolution && { resolution: { seed: ctx.rng.nextUint32() } }),
  });
  await ctx.write(
    'comparison',
    tableFromColumns({
      parameter: result.rows.map((r) => r.parameter),
      metric: result.rows.map((r) => r.metric),
      value: result.rows.map((r) => r.value),
    }),
  );
  const s = result.summary;
  // Posterior labels in reports are stage names (with [branch] for fan-outs).
  const labelOf = (p: PosteriorSource) => (p.branch === undefined ? p.stage : `${p.stage}[${p.branch}]`);
  return {
    reference: labelOf(reference),
    other: labelOf(other),
    minBhattacharyya: s.minBhattacharyya,
    meanBhattacharyya: s.meanBhattacharyya,
    worstParameter: s.worstParameter,
    maxAbsMeanShift: s.maxAbsMeanShift,
    c2stAccuracy: s.c2stAccuracy,
    ...(ctx.params.resolution && { meanBhattacharyyaFloor: s.meanBhattacharyyaFloor, minBhattacharyyaFloor: s.minBhattacharyyaFloor, essRef: s.essRef, essOther: s.essOther }),
  };
});
