import type { Table } from 'apache-arrow';
import { UserError } from '../lib/engine/errors.ts';
import { numberColumn, tableFromColumns } from '../lib/store/parquet.ts';
import { stageActivity } from './stage-runtime.ts';

interface BayesFactorParams {
  /** Display names of the upstream stages (default: the stage names). */
  labels?: { [stage: string]: string };
}

interface Evidence {
  label: string;
  logZ: number;
  logZerr: number;
}

function evidenceOf(label: string, table: Table): Evidence {
  if (!table.getChild('logZ') || !table.getChild('logZerr')) throw new UserError(`stage ${label}: evidence artifact has no logZ/logZerr columns`);
  return { label, logZ: numberColumn(table, 'logZ')[0]!, logZerr: numberColumn(table, 'logZerr')[0]! };
}

/**
 * Bayes factors between every pair of upstream stages that wrote an `evidence` artifact:
 * ln B_ij = ln Z_i − ln Z_j, its error the two runs' ln Z errors added in quadrature (independent
 * runs). Models are ordered by stage name so the table is deterministic. Writes `bayes_factors`
 * (model_a, model_b, ln_B, ln_B_err, one row per unordered pair, a before b) and `evidences`
 * (model, logZ, logZerr, ln_B_vs_best); the summary names the best model.
 */
export const bayesFactors = stageActivity<BayesFactorParams>(async (ctx) => {
  const stages = Object.keys(ctx.invocation.inputs).sort();
  const evidences: Evidence[] = [];
  for (const stage of stages) {
    if (!ctx.invocation.inputs[stage]!.branches[0]?.evidence) continue;
    const branches = await ctx.inputBranches(stage, 'evidence');
    const label = ctx.params.labels?.[stage] ?? stage;
    branches.forEach((t, i) => evidences.push(evidenceOf(branches.length > 1 ? `${label}[${i}]` : label, t)));
  }
  if (evidences.length < 2) throw new UserError(`bayesFactors needs at least two upstream stages with an evidence artifact (found ${evidences.length})`);
  const pairs: { a: Evidence; b: Evidence }[] = [];
  evidences.forEach((a, i) => evidences.slice(i + 1).forEach((b) => pairs.push({ a, b })));
  await ctx.write(
    'bayes_factors',
    tableFromColumns({
      model_a: pairs.map((p) => p.a.label),
      model_b: pairs.map((p) => p.b.label),
      ln_B: pairs.map((p) => p.a.logZ - p.b.logZ),
      ln_B_err: pairs.map((p) => Math.hypot(p.a.logZerr, p.b.logZerr)),
    }),
  );
  const best = evidences.reduce((x, y) => (y.logZ > x.logZ ? y : x));
  await ctx.write(
    'evidences',
    tableFromColumns({
      model: evidences.map((e) => e.label),
      logZ: evidences.map((e) => e.logZ),
      logZerr: evidences.map((e) => e.logZerr),
      ln_B_vs_best: evidences.map((e) => e.logZ - best.logZ),
    }),
  );
  return { models: evidences.length, pairs: pairs.length, best: best.label };
});
