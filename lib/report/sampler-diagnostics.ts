/**
 * What a run's artifacts tell about its samplers, for the report's diagnostics section. Found by
 * the data, not by activity names: a complete nested-sampling run is a `posterior_samples` with
 * logL and logWeight beside an `evidence` row whose niter + nlive count its points (single and
 * merged runs; a reweighted subset is not one), and MCMC runs are `samples` with step and walker.
 */
import type { ArtifactRef, RunManifest } from '../engine/types.ts';
import { nestedRunTrace } from '../sampling/nested/trace.ts';
import { numberColumn, tableRows } from '../store/parquet.ts';
import type { Table } from 'apache-arrow';
import { POSTERIOR_BOOKKEEPING } from '../stats/weighted.ts';
import type { ReportChainTraces, ReportNestedRun } from './types.ts';

/** The walker whose trace stands for its ensemble run (all walkers of all runs would bury each other). */
const TRACED_WALKER = 0;

/** Reads an artifact; the report passes one that reads each artifact once. */
export type ArtifactLoader = (ref: ArtifactRef) => Promise<Table>;

const hasColumns = (ref: ArtifactRef, names: string[]) => names.every((n) => ref.schema.some((f) => f.name === n));

export async function samplerDiagnostics(load: ArtifactLoader, manifest: RunManifest): Promise<{ nestedRuns: ReportNestedRun[]; chainTraces: ReportChainTraces[] }> {
  const nestedRuns: ReportNestedRun[] = [];
  const chainTraces: ReportChainTraces[] = [];
  for (const stage of manifest.stages) {
    const runs: ReportChainTraces['runs'] = [];
    let paramNames: string[] = [];
    for (const [branch, outputs] of (stage.outputs?.branches ?? []).entries()) {
      const label = stage.branches > 1 ? `${stage.name}[${branch}]` : stage.name;
      const { posterior_samples: points, evidence, samples } = outputs;
      if (points && evidence && hasColumns(points, ['logL', 'logWeight'])) {
        const [counts] = tableRows(await load(evidence));
        if (counts && Number(counts.niter) + Number(counts.nlive) === points.rows) {
          const table = await load(points);
          const logL = numberColumn(table, 'logL');
          nestedRuns.push({ label, logL, ...nestedRunTrace(logL, numberColumn(table, 'logWeight'), Number(counts.nlive)) });
        }
      }
      if (samples && hasColumns(samples, ['step', 'walker'])) {
        const table = await load(samples);
        paramNames = table.schema.fields.map((f) => f.name).filter((n) => !POSTERIOR_BOOKKEEPING.has(n));
        const walker = numberColumn(table, 'walker');
        const rows = Array.from(walker.keys()).filter((i) => walker[i] === TRACED_WALKER);
        const pick = (values: Float64Array) => Float64Array.from(rows, (i) => values[i]!);
        runs.push({ label, step: pick(numberColumn(table, 'step')), values: Object.fromEntries(paramNames.map((n) => [n, pick(numberColumn(table, n))])) });
      }
    }
    if (runs.length) chainTraces.push({ label: stage.name, paramNames, runs });
  }
  return { nestedRuns, chainTraces };
}

/** The effective sample sizes a stage's `posterior` summary measured (an `ess` column per parameter), if any. */
export async function summaryEss(load: ArtifactLoader, outputs: Record<string, ArtifactRef>): Promise<Record<string, number> | undefined> {
  const summary = outputs.posterior;
  if (!summary || !hasColumns(summary, ['parameter', 'ess'])) return undefined;
  return Object.fromEntries(tableRows(await load(summary)).map((r) => [String(r.parameter), Number(r.ess)]));
}
