/**
 * What `sciflow results` shows of a run, from its manifest and artifacts: every posterior as its
 * medians with 68 % and 95 % central intervals, the evidences measured against the pipeline's
 * reference, each comparison with its reference and other side named, the stage summaries a user
 * reads first, and every artifact with its hash.
 */
import type { ArtifactRef, Json, RunManifest, StageRecord } from '../lib/engine/types.ts';
import type { PipelineDefinition } from '../lib/engine/pipeline.ts';
import { agreementFromSummary, agreementVerdict, reproduces, type AgreementFigures } from '../lib/stats/agreement.ts';
import { JOINT } from '../lib/stats/compare.ts';
import { intervalsByParameter, type CentralIntervals } from '../lib/stats/weighted.ts';
import { tableRows } from '../lib/store/parquet.ts';
import { posteriorSampleSet } from '../lib/store/posterior-table.ts';
import { ArtifactError, type RunStore } from '../lib/store/run-store.ts';
import { formatSignificant as num, formatTable, formatTags } from './output.ts';
import { stageHighlights } from './stage-highlights.ts';

/** The science tables, also listed as stored; `evidence` and `comparison` get sections of their own too. */
const RESULT_TABLES = ['posterior', 'evidence', 'comparison', 'bayes_factors', 'bias'];
const OWN_SECTION = new Set(['evidence', 'comparison']);

/** The comparison metrics `results` prints per parameter (JSON has them all). */
const SHOWN_METRICS = ['bhattacharyya', 'bhattacharyya_floor', 'jensen_shannon', 'mean_shift', 'sigma_ratio', 'ci68_overlap', 'ci95_overlap'];

/** Where a result comes from: `label` is the stage, or `stage[branch]` for a fan-out's branch (as reports name it). */
interface Located {
  stage: string;
  branch: number;
  label: string;
}

export interface PosteriorResult extends Located {
  /** One of the pipeline's headline stages. */
  headline: boolean;
  weighted: boolean;
  samples: number;
  parameters: ({ name: string } & CentralIntervals)[];
}

export interface EvidenceResult extends Located {
  logZ: number;
  logZerr?: number;
  /** The ln Z the others are measured against: the pipeline's evidenceReference, else the first. */
  reference: boolean;
  deltaLogZ?: number;
  deltaLogZerr?: number;
}

export interface ComparisonResult extends Located, AgreementFigures {
  agrees: boolean;
  c2stAccuracy?: number;
  /** Every metric of the comparison table, one object per parameter. */
  metrics: ({ parameter: string } & Record<string, number>)[];
}

export interface RunResults {
  runId: string;
  pipeline: string;
  status: string;
  tags?: Record<string, string>;
  note?: string;
  /** `branch` of an artifact: null for a large fan-out's branch index. */
  stages: { name: string; activity: string; status: string; cached: boolean; summary: { [key: string]: Json }[]; artifacts: ({ name: string; branch: number | null } & ArtifactRef)[] }[];
  posteriors: PosteriorResult[];
  evidence: EvidenceResult[];
  comparisons: ComparisonResult[];
  /** The science tables as stored: posterior summaries, evidences, comparisons, Bayes factors, bias. */
  results: (Located & { name: string; rows: Record<string, unknown>[] })[];
}

const located = (stage: StageRecord, branch: number): Located => ({ stage: stage.name, branch, label: stage.branches > 1 ? `${stage.name}[${branch}]` : stage.name });

export async function runResults(store: RunStore, manifest: RunManifest, pipeline: Pick<PipelineDefinition, 'headline' | 'evidenceReference'>): Promise<RunResults> {
  const stages = manifest.stages.map((s) => ({
    name: s.name,
    activity: s.activity,
    status: s.status,
    cached: s.cached,
    summary: s.summary ?? [],
    // A large fan-out lists its branch index (one row per branch), not 10⁵ artifacts.
    artifacts: s.outputs?.index
      ? [{ name: 'branch_index', branch: null, ...s.outputs.index }]
      : (s.outputs?.branches ?? []).flatMap((b, i) => Object.entries(b).map(([name, ref]) => ({ name, branch: i as number | null, ...ref }))),
  }));
  // Every artifact listed must still be what the run recorded: a damaged one is named, not printed.
  for (const a of stages.flatMap((s) => s.artifacts)) {
    const damage = await store.damage(a);
    if (damage) throw new ArtifactError(`artifact ${a.uri} is ${damage}`);
  }
  const posteriors: PosteriorResult[] = [];
  const results: RunResults['results'] = [];
  for (const s of manifest.stages) {
    for (const [i, outputs] of (s.outputs?.branches ?? []).entries()) {
      const at = located(s, i);
      for (const [name, ref] of Object.entries(outputs)) {
        if (RESULT_TABLES.includes(name)) results.push({ ...at, name, rows: tableRows(await store.get(ref)) });
        if (name !== 'posterior_samples') continue;
        const posterior = posteriorSampleSet(await store.get(ref));
        posteriors.push({ ...at, headline: pipeline.headline?.includes(s.name) ?? false, weighted: Boolean(posterior.weights), samples: ref.rows, parameters: intervalsByParameter(posterior) });
      }
    }
  }
  return {
    runId: manifest.runId,
    pipeline: manifest.pipeline,
    status: manifest.status,
    ...(manifest.tags && { tags: manifest.tags }),
    ...(manifest.note && { note: manifest.note }),
    stages,
    posteriors,
    evidence: evidenceResults(manifest, pipeline.evidenceReference),
    comparisons: results.filter((t) => t.name === 'comparison').map((t) => comparisonResult(t, manifest)),
    results,
  };
}

/**
 * Every ln Z of a stage summary, each against the reference's: its only one, or the same branch of
 * a reference fanned out alike (an injection's retrieval against that injection's reference).
 */
function evidenceResults(manifest: RunManifest, evidenceReference: string[] = []): EvidenceResult[] {
  const rows = manifest.stages.flatMap((s) =>
    (s.summary ?? []).flatMap((b, i) =>
      typeof b.logZ === 'number' ? [{ ...located(s, i), logZ: b.logZ, ...(typeof b.logZerr === 'number' && { logZerr: b.logZerr }) }] : [],
    ),
  );
  const referenceStage = evidenceReference.find((name) => rows.some((r) => r.stage === name)) ?? rows[0]?.stage;
  const references = rows.filter((r) => r.stage === referenceStage);
  const branches = (stage: string | undefined) => manifest.stages.find((s) => s.name === stage)?.branches;
  return rows.map((row) => {
    if (row.stage === referenceStage) return { ...row, reference: true };
    const alike = branches(row.stage) === branches(referenceStage);
    const ref = references.length === 1 ? references[0] : alike ? references.find((r) => r.branch === row.branch) : undefined;
    if (!ref) return { ...row, reference: false };
    const error = row.logZerr !== undefined && ref.logZerr !== undefined ? { deltaLogZerr: Math.hypot(row.logZerr, ref.logZerr) } : {};
    return { ...row, reference: false, deltaLogZ: row.logZ - ref.logZ, ...error };
  });
}

/** A comparison table pivoted to one row per parameter, with its sides and verdict from the stage summary. */
function comparisonResult(table: Located & { rows: Record<string, unknown>[] }, manifest: RunManifest): ComparisonResult {
  const stage = manifest.stages.find((s) => s.name === table.stage)!;
  const summary = stage.summary?.[table.branch] ?? {};
  const byParameter = new Map<string, { parameter: string } & Record<string, number>>();
  let c2stAccuracy: number | undefined;
  for (const { parameter, metric, value } of table.rows as { parameter: string; metric: string; value: number }[]) {
    if (parameter === JOINT) {
      if (metric === 'c2st_accuracy') c2stAccuracy = value;
      continue;
    }
    if (!byParameter.has(parameter)) byParameter.set(parameter, { parameter } as { parameter: string } & Record<string, number>);
    byParameter.get(parameter)![metric] = value;
  }
  const figures = agreementFromSummary(summary, byParameter.size);
  return { stage: table.stage, branch: table.branch, label: table.label, ...figures, agrees: reproduces(figures), ...(c2stAccuracy !== undefined && { c2stAccuracy }), metrics: [...byParameter.values()] };
}

const indent = (text: string, by = '    ') => text.split('\n').map((l) => by + l);
const interval = ([lo, hi]: [number, number]) => `[${num(lo)}, ${num(hi)}]`;
const plusMinus = (value: number, error: number | undefined, sign = false) =>
  `${sign && value >= 0 ? '+' : ''}${value.toFixed(2)}${error === undefined ? '' : ` ± ${error.toFixed(2)}`}`;

/** The results as lines for a terminal: the science first (posteriors, evidence, comparisons), then stage summaries and artifacts. */
export function renderResults(r: RunResults): string[] {
  const lines = [`run ${r.runId}  ${r.pipeline}  ${r.status}`];
  if (r.tags && Object.keys(r.tags).length) lines.push(`  tags: ${formatTags(r.tags)}`);
  if (r.note) lines.push(`  note: ${r.note}`);
  if (r.posteriors.length) lines.push('', 'posteriors: median, 68 % and 95 % central intervals');
  for (const p of r.posteriors) {
    lines.push(`  ${p.label} (${p.headline ? 'headline; ' : ''}${p.samples} ${p.weighted ? 'weighted' : 'equally weighted'} samples)`);
    const rows = p.parameters.map((x) => ({ parameter: x.name, median: num(x.median), '68 %': interval(x.ci68), '95 %': interval(x.ci95) }));
    lines.push(...indent(formatTable(rows)));
  }
  const reference = r.evidence.find((e) => e.reference);
  if (reference) {
    lines.push('', `evidence: ln Z, and Δ ln Z against ${reference.stage} (the reference)`);
    const rows = r.evidence.map((e) => ({
      stage: e.label,
      'ln Z': plusMinus(e.logZ, e.logZerr),
      'Δ ln Z': e.reference ? 'reference' : e.deltaLogZ === undefined ? '' : plusMinus(e.deltaLogZ, e.deltaLogZerr, true),
    }));
    lines.push(...indent(formatTable(rows), '  '));
  }
  if (r.comparisons.length) lines.push('', 'comparisons: the other posterior against the reference, per parameter');
  for (const c of r.comparisons) {
    lines.push(`  ${c.label}: reference ${c.reference}, other ${c.other}`);
    lines.push(`    ${agreementVerdict(c)}${c.c2stAccuracy === undefined ? '' : `; C2ST accuracy ${c.c2stAccuracy.toFixed(3)}`}`);
    const metrics = SHOWN_METRICS.filter((m) => c.metrics.some((p) => m in p));
    lines.push(...indent(formatTable(c.metrics.map((p) => Object.fromEntries([['parameter', p.parameter], ...metrics.map((m) => [m, p[m] === undefined ? '' : num(p[m])])])))));
  }
  const tables = r.results.filter((x) => !OWN_SECTION.has(x.name));
  if (tables.length) lines.push('', 'tables');
  for (const t of tables) lines.push(`  ${t.label}: ${t.name}`, ...indent(formatTable(t.rows)));
  const highlights = r.stages.map((s) => ({ name: s.name, entries: stageHighlights(s) })).filter((h) => h.entries.length);
  if (highlights.length) {
    lines.push('', 'stage summaries');
    const width = Math.max(...highlights.map((h) => h.name.length));
    for (const h of highlights) lines.push(`  ${h.name.padEnd(width)}  ${h.entries.map(([k, v]) => `${k} ${v}`).join('  ')}`);
  }
  lines.push('', 'artifacts');
  for (const s of r.stages) {
    lines.push(`  ${s.name} (${s.status}${s.cached ? ', cached' : ''})`);
    for (const a of s.artifacts) lines.push(`    ${a.uri}  ${a.rows} rows  sha256 ${a.sha256.slice(0, 12)}`);
  }
  return lines;
}
