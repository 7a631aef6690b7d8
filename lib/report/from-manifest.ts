import type { Table } from 'apache-arrow';
import type { RunManifest } from '../engine/types.ts';
import { numberColumn, tableRows } from '../store/parquet.ts';
import type { RunStore } from '../store/run-store.ts';
import { writeFileAtomic } from '../store/atomic.ts';
import { renderReport } from './render.ts';
import { samplerDiagnostics, summaryEss, type ArtifactLoader } from './sampler-diagnostics.ts';
import type { ComparisonRow } from '../stats/index.ts';
import { POSTERIOR_BOOKKEEPING } from '../stats/weighted.ts';
import type { PipelineFigure, ReportInput, ReportPosterior, ReportTable } from './types.ts';

/** A run's artifacts as a pipeline's report hook sees them. */
export interface RunArtifacts {
  manifest: RunManifest;
  /** An output of a stage (branch 0 unless given) as an Arrow table. */
  load(stage: string, output: string, branch?: number): Promise<Table>;
}

/** Draws a pipeline's own figures from a run's artifacts (PipelineDefinition.reportFigures). */
export type PipelineFigureHook = (run: RunArtifacts) => Promise<PipelineFigure[]>;

/**
 * Render a run's report from its manifest and artifacts and write `<runId>/report.html`
 * atomically (the end of every run and `sciflow report` both come here).
 */
export async function writeRunReport(
  store: RunStore,
  manifest: RunManifest,
  pipeline: { reportFigures?: PipelineFigureHook; evidenceReference?: string[]; headline?: string[] } = {},
): Promise<{ path: string; figures: { name: string; svg: string }[] }> {
  const pipelineFigures = pipeline.reportFigures;
  const input = await reportInputFromManifest(store, manifest, pipeline.evidenceReference);
  if (pipeline.headline?.length) input.headline = pipeline.headline;
  if (pipelineFigures && manifest.status === 'completed') {
    const figures = await pipelineFigures({ manifest, load: (stage, output, branch = 0) => loadOutput(store, manifest, stage, output, branch) });
    if (figures.length) input.pipelineFigures = figures;
  }
  const { html, figures } = await renderReport(input);
  const path = `${store.runDir(manifest.runId)}/report.html`;
  await writeFileAtomic(path, html);
  return { path, figures };
}

function loadOutput(store: RunStore, manifest: RunManifest, stage: string, output: string, branch: number): Promise<Table> {
  const ref = manifest.stages.find((s) => s.name === stage)?.outputs?.branches[branch]?.[output];
  if (!ref) throw new Error(`run ${manifest.runId}: stage ${stage} has no output ${output} in branch ${branch}`);
  return store.get(ref);
}

/**
 * Everything a run report shows, read from the run's manifest and artifacts. Conventions every
 * stage follows: an output named `posterior_samples` is a posterior (one column per parameter, an
 * optional `weight` column); `losses` (member, epoch, loss, valLoss) are training curves; `comparison` is a (parameter, metric, value) table; `posterior` is a summary table (its `truth` column
 * gives the injected values, its `ess` column the posterior's effective sample sizes); `evidence` has
 * `logZ` and `logZerr`. Sampler diagnostics come from sampler-diagnostics.ts.
 */
export async function reportInputFromManifest(store: RunStore, manifest: RunManifest, evidenceReference: string[] = []): Promise<ReportInput> {
  const posteriors: ReportPosterior[] = [];
  const tables: ReportTable[] = [];
  const truths: Record<string, number> = {};
  const evidences: NonNullable<ReportInput['evidences']> = [];
  const comparisons: NonNullable<ReportInput['comparisons']> = [];
  const trainingCurves: NonNullable<ReportInput['trainingCurves']> = [];
  // Each artifact is read and hash-checked once: a posterior, its summary and the sampler
  // diagnostics all look at the same tables.
  const read = new Map<string, Promise<Table>>();
  const load: ArtifactLoader = (ref) => {
    if (!read.has(ref.uri)) read.set(ref.uri, store.get(ref));
    return read.get(ref.uri)!;
  };
  for (const stage of manifest.stages) {
    for (const [branch, outputs] of (stage.outputs?.branches ?? []).entries()) {
      const label = stage.branches > 1 ? `${stage.name}[${branch}]` : stage.name;
      for (const [name, ref] of Object.entries(outputs)) {
        if (name === 'posterior_samples') {
          const table = await load(ref);
          const names = table.schema.fields.map((f) => f.name).filter((n) => !POSTERIOR_BOOKKEEPING.has(n));
          const ess = await summaryEss(load, outputs);
          posteriors.push({
            label,
            paramNames: names,
            samples: Object.fromEntries(names.map((n) => [n, numberColumn(table, n)])),
            ...(table.getChild('weight') && { weights: numberColumn(table, 'weight') }),
            ...(ess && { ess }),
          });
        } else if (name === 'losses') {
          trainingCurves.push(...trainingCurvesOf(label, await load(ref)));
        } else if (name === 'comparison') {
          const rows = tableRows(await load(ref)) as unknown as ComparisonRow[];
          const names = stage.summary?.[branch] ?? {};
          comparisons.push({ reference: String(names.reference ?? `${label}: reference`), other: String(names.other ?? `${label}: other`), rows });
        } else if (name === 'posterior' || name === 'evidence') {
          const rows = tableRows(await load(ref));
          if (rows.length === 0) continue;
          const columns = Object.keys(rows[0]!);
          tables.push({ title: `${label}: ${name}`, columns, rows: rows.map((r) => columns.map((c) => r[c] as string | number | null)) });
          for (const r of rows) {
            if (typeof r.parameter === 'string' && typeof r.truth === 'number' && Number.isFinite(r.truth)) truths[r.parameter] = r.truth;
            if (typeof r.logZ === 'number' && typeof r.logZerr === 'number') evidences.push({ label, logZ: r.logZ, logZerr: r.logZerr });
          }
        }
      }
    }
  }
  for (const p of posteriors) if (Object.keys(truths).length) p.truths = truths;
  // The evidence table measures every ln Z against its first row: the pipeline's reference when it names one.
  const referenceLabel = evidenceReference.find((name) => evidences.some((e) => e.label === name));
  const reference = evidences.findIndex((e) => e.label === referenceLabel);
  if (reference > 0) evidences.unshift(...evidences.splice(reference, 1));
  const status = manifest.status === 'terminated' || manifest.status === 'timed_out' ? 'failed' : manifest.status;
  const { nestedRuns, chainTraces } = await samplerDiagnostics(load, manifest);
  return {
    run: { runId: manifest.runId, pipeline: manifest.pipeline, status, createdAt: manifest.createdAt, ...(manifest.finishedAt && { finishedAt: manifest.finishedAt }) },
    stages: manifest.stages.map((s) => ({
      name: s.name,
      activity: s.activity,
      status: s.status,
      cached: s.cached,
      dependsOn: s.dependsOn,
      attempts: 1,
      ...(s.startedAt && { startedAt: s.startedAt }),
      ...(s.finishedAt && { finishedAt: s.finishedAt }),
      ...(s.durationMs !== undefined && { durationMs: s.durationMs }),
      ...(s.error && { error: s.error }),
      ...(s.summary && { summary: s.summary }),
    })),
    provenance: {
      config: manifest.config,
      configHash: manifest.configHash,
      codeVersion: manifest.codeVersion,
      computeBackend: Object.keys(manifest.backend).length ? JSON.stringify(manifest.backend) : 'cpu (no neural stages)',
      host: String(manifest.host.hostname ?? ''),
      nodeVersion: String(manifest.host.node ?? ''),
    },
    ...(posteriors.length && { posteriors }),
    ...(evidences.length && { evidences }),
    ...(tables.length && { tables }),
    ...(comparisons.length && { comparisons }),
    ...(trainingCurves.length && { trainingCurves }),
    ...(nestedRuns.length && { nestedRuns }),
    ...(chainTraces.length && { chainTraces }),
  };
}

/** One training curve per ensemble member of a `losses` table. */
function trainingCurvesOf(label: string, table: Table): NonNullable<ReportInput['trainingCurves']> {
  const member = numberColumn(table, 'member');
  const epoch = numberColumn(table, 'epoch');
  const loss = numberColumn(table, 'loss');
  const valLoss = numberColumn(table, 'valLoss');
  const members = [...new Set(member)].sort((a, b) => a - b);
  return members.map((m) => {
    const rows = Array.from(member.keys()).filter((i) => member[i] === m);
    return {
      label: members.length > 1 ? `${label} #${m}` : label,
      epoch: rows.map((i) => epoch[i]!),
      loss: rows.map((i) => loss[i]!),
      valLoss: rows.map((i) => valLoss[i]!),
    };
  });
}
