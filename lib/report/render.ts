/**
 * renderReport: a run's ReportInput → one self-contained HTML page (inline CSS and SVG, no scripts,
 * no network) plus the figures as standalone SVGs for PNG export. Deterministic: the same input
 * renders byte-identical output (scatter subsamples are drawn from fixed seeds).
 */
import type { TopLevelSpec } from 'vega-lite';
import { pull, summarize, type ComparisonRow } from '../stats/index.ts';
import { calibrationSpec } from './figures/calibration.ts';
import { comparisonSpec } from './figures/comparison.ts';
import { evidenceSpec } from './figures/evidence.ts';
import { hasSamplerDiagnostics, samplerDiagnosticsSection } from './diagnostics-section.ts';
import { evidenceReading } from '../stats/evidence-scale.ts';
import { column } from './figures/posterior-data.ts';
import { stageGraphSpec, stageTimelineSpec } from './figures/stages.ts';
import { trainingSpec } from './figures/training.ts';
import { escapeHtml, formatDuration, formatNumber, formatTime, stageDurationMs } from './format.ts';
import { figure, page, section, swatch, table, type Cell } from './html.ts';
import { STAGE_COLOURS, seriesColour, stageState } from './palette.ts';
import { BC_FLAG, comparisonSummary } from './comparison-summary.ts';
import { posteriorFigures } from './posterior-figures.ts';
import { posteriorSets } from './posterior-sets.ts';
import type { ReportCalibration, ReportComparison, ReportEvidence, ReportFigure, ReportInput, ReportStage, ReportTrainingCurve, RunStatus } from './types.ts';
import { renderVegaLite } from './vega.ts';

export interface RenderedReport {
  html: string;
  figures: ReportFigure[];
}


export async function renderReport(input: ReportInput): Promise<RenderedReport> {
  const figures: ReportFigure[] = [];
  const plot = async (name: string, title: string, spec: TopLevelSpec, caption: string): Promise<string> => {
    const svg = await renderVegaLite(spec, name);
    figures.push({ name, title, svg });
    return figure(name, svg, caption);
  };
  const sections: { id: string; title: string; html: string }[] = [];

  sections.push({ id: 'stages', title: 'Stages', html: await stagesSection(input, plot) });
  const posteriors = input.posteriors ?? [];
  if (posteriors.length > 0) sections.push({ id: 'posterior', title: 'Posterior', html: await posteriorSection(input, plot) });
  if (input.evidences?.length) sections.push({ id: 'evidence', title: 'Evidence', html: await evidenceSection(input.evidences, plot) });
  if (hasSamplerDiagnostics(input)) sections.push({ id: 'diagnostics', title: 'Sampler diagnostics', html: await samplerDiagnosticsSection(input, plot) });
  if (input.trainingCurves?.length) sections.push({ id: 'training', title: 'Training', html: await trainingSection(input.trainingCurves, plot) });
  if (input.comparisons?.length) sections.push({ id: 'comparison', title: 'Posterior comparison', html: await comparisonSection(input.comparisons, input.stages, plot) });
  if (input.calibrations?.length) sections.push({ id: 'calibration', title: 'Calibration (SBC)', html: await calibrationSection(input.calibrations, plot) });
  if (input.pipelineFigures?.length) {
    const parts: string[] = [];
    for (const f of input.pipelineFigures) parts.push(await plot(`pipeline-${f.name}`, f.title, f.spec, f.caption ?? f.title));
    sections.push({ id: 'pipeline', title: input.run.pipeline, html: parts.join('\n') });
  }
  if (input.tables?.length) {
    const html = input.tables.map((t) => `<h3>${escapeHtml(t.title)}</h3>${table(t.columns, t.rows)}`).join('\n');
    sections.push({ id: 'tables', title: 'Tables', html });
  }
  sections.push({ id: 'provenance', title: 'Provenance', html: provenanceSection(input) });

  const html = page(
    `${input.run.pipeline} · ${input.run.runId}`,
    header(input),
    sections.map(({ id, title }) => ({ id, title })),
    sections.map(({ id, title, html }) => section(id, title, html)),
  );
  return { html, figures };
}

export type Plot = (name: string, title: string, spec: TopLevelSpec, caption: string) => Promise<string>;

const RUN_STATUS_COLOURS: Record<RunStatus, string> = {
  completed: STAGE_COLOURS.completed,
  running: STAGE_COLOURS.running,
  failed: STAGE_COLOURS.failed,
  pending: STAGE_COLOURS.pending,
  cancelled: STAGE_COLOURS.cancelled,
};

function header({ run, stages }: ReportInput): string {
  const badge = `<span class="badge" style="background:${RUN_STATUS_COLOURS[run.status]}">${escapeHtml(run.status)}</span>`;
  const wall = run.finishedAt ? formatDuration(Date.parse(run.finishedAt) - Date.parse(run.createdAt)) : undefined;
  const count = (test: (s: ReportInput['stages'][number]) => boolean) => stages.filter(test).length;
  const facts = [
    ['created', formatTime(run.createdAt)],
    ['finished', formatTime(run.finishedAt)],
    ['wall time', wall ?? '–'],
    ['stages', `${stages.length} (${count((s) => s.status === 'completed' && !s.cached)} run, ${count((s) => s.cached)} cache hits, ${count((s) => s.status === 'failed')} failed)`],
  ];
  return `<h1>${escapeHtml(run.pipeline)} ${badge}<span class="run-id">${escapeHtml(run.runId)}</span></h1>
<div class="facts">${facts.map(([k, v]) => `<span>${k} <b>${escapeHtml(v)}</b></span>`).join('')}</div>`;
}

async function stagesSection(input: ReportInput, plot: Plot): Promise<string> {
  const { stages } = input;
  if (stages.length === 0) return '<p class="note">This run has no stages recorded.</p>';
  const parts = [
    await plot('stage-graph', 'Stage graph', stageGraphSpec(stages), 'Stage graph: arrows point from a stage to the stages that read its outputs; colour is the status, blue boxes were served from the cache.'),
  ];
  const timeline = stageTimelineSpec(stages, input.run.createdAt);
  if (timeline) parts.push(await plot('stage-timeline', 'Stage timeline', timeline, 'When each stage ran, in seconds after the run was created.'));
  const rows: Cell[][] = stages.map((s) => {
    const state = stageState(s);
    return [
      s.name,
      s.activity,
      { html: `${swatch(STAGE_COLOURS[state])}${escapeHtml(s.status)}` },
      s.cached ? 'hit' : 'miss',
      formatTime(s.startedAt),
      { html: escapeHtml(formatDuration(stageDurationMs(s))), className: 'num' },
      { html: String(s.attempts), className: s.attempts > 1 ? 'num bad' : 'num' },
      s.dependsOn.join(', ') || '–',
    ];
  });
  parts.push(table(['stage', 'activity', 'status', 'cache', 'started', 'duration', 'attempts', 'depends on'], rows));
  // Messages get their own lines below the table: in a column they would squeeze it unreadably.
  const failures = stages.filter((s) => s.error);
  if (failures.length) {
    const items = failures.map((s) => `<li><b>${escapeHtml(s.name)}</b> (${s.attempts} attempt${s.attempts === 1 ? '' : 's'}): ${escapeHtml(s.error!)}</li>`);
    parts.push(`<ul class="errors">${items.join('')}</ul>`);
  }
  return parts.join('\n');
}

async function posteriorSection(input: ReportInput, plot: Plot): Promise<string> {
  const sets = posteriorSets(input);
  const parts = await posteriorFigures(sets, plot);
  // Table rows in the figures' colour order; an undrawn set has no colour.
  const drawn = [...sets.lead, ...sets.others];
  const rows: Cell[][] = [...drawn, ...sets.undrawn.map((u) => u.posterior)].flatMap((p, k) =>
    p.paramNames.map((name) => {
      const s = summarize(column(p, name));
      const truth = p.truths?.[name];
      const z = truth === undefined ? undefined : pull(s.mean, truth, s.sd);
      return [
        { html: `${k < drawn.length ? swatch(seriesColour(k)) : ''}${escapeHtml(p.label)}` },
        name,
        s.mean,
        s.sd,
        s.median,
        `[${formatNumber(s.ci68[0])}, ${formatNumber(s.ci68[1])}]`,
        `[${formatNumber(s.ci95[0])}, ${formatNumber(s.ci95[1])}]`,
        truth ?? null,
        // How many posterior σ the mean lies from the truth: |pull| > 3 deserves a look.
        z === undefined ? null : { html: formatNumber(z, 3), className: Math.abs(z) > 3 ? 'num bad' : 'num' },
        Math.round(p.ess?.[name] ?? s.ess),
      ];
    }),
  );
  parts.push(table(['posterior', 'parameter', 'mean', 'sd', 'median', '68 % interval', '95 % interval', 'truth', '(mean − truth)/sd', 'ESS'], rows));
  parts.push(`<p class="note">ESS: the effective sample size — draws/τ for MCMC chains (τ their integrated autocorrelation time), Kish's (Σw)²/Σw² for weighted draws, the draw count for independent ones.</p>`);
  return parts.join('\n');
}

async function evidenceSection(evidences: readonly ReportEvidence[], plot: Plot): Promise<string> {
  const first = evidences[0];
  const rows: Cell[][] = evidences.map((e, k) => [
    { html: `${swatch(seriesColour(k))}${escapeHtml(e.label)}` },
    e.logZ,
    e.logZerr,
    k === 0 ? null : e.logZ - first.logZ,
    // Independent errors add in quadrature.
    k === 0 ? null : Math.hypot(e.logZerr, first.logZerr),
    k === 0 ? '' : evidenceReading(e.logZ - first.logZ, Math.hypot(e.logZerr, first.logZerr), e.label, first.label),
  ]);
  return [
    await plot('evidence', 'Evidence', evidenceSpec(evidences), 'Natural-log Bayesian evidence ln Z with ±1σ (thick) and ±2σ (thin) error bars.'),
    table(['method', 'ln Z', '± σ', `Δ ln Z vs ${first.label}`, '± σ(Δ)', 'reading (Trotta 2008 scale)'], rows),
    `<p class="note">Between models, |Δ ln Z| below 1 is inconclusive, 1–2.5 weak, 2.5–5 moderate and above 5 strong evidence (Trotta 2008). Between two methods for one model, Δ ln Z should be within about 2σ(Δ) of zero.</p>`,
  ].join('\n');
}

async function trainingSection(curves: readonly ReportTrainingCurve[], plot: Plot): Promise<string> {
  const rows: Cell[][] = curves.map((c, k) => {
    const val = c.valLoss ?? [];
    const best = val.length ? val.reduce((b, v, i) => (v < val[b] ? i : b), 0) : -1;
    return [
      { html: `${swatch(seriesColour(k))}${escapeHtml(c.label)}` },
      c.epoch.length,
      c.loss[c.loss.length - 1],
      val.length ? val[val.length - 1] : null,
      best >= 0 ? val[best] : null,
      best >= 0 ? c.epoch[best] : null,
    ];
  });
  return [
    await plot('training', 'Training curves', trainingSpec(curves), 'Training (solid) and validation (dashed) loss per epoch.'),
    table(['model', 'epochs', 'final training loss', 'final validation loss', 'best validation loss', 'at epoch'], rows),
  ].join('\n');
}

const TABLE_METRICS: { metric: ComparisonRow['metric']; title: string; flag?: (v: number) => boolean }[] = [
  { metric: 'bhattacharyya', title: 'BC', flag: (v) => v < BC_FLAG },
  { metric: 'bhattacharyya_kde', title: 'BC (KDE)', flag: (v) => v < BC_FLAG },
  // The BC two samples of one distribution read at these sample sizes (when the stage computed it).
  { metric: 'bhattacharyya_floor', title: 'BC floor (same distribution)' },
  { metric: 'jensen_shannon', title: 'JSD [bits]' },
  { metric: 'mean_shift', title: 'mean shift [σ_ref]' },
  { metric: 'sigma_ratio', title: 'σ ratio' },
  { metric: 'ci68_overlap', title: '68 % CI overlap' },
  { metric: 'ci95_overlap', title: '95 % CI overlap' },
];

async function comparisonSection(comparisons: readonly ReportComparison[], stages: readonly ReportStage[], plot: Plot): Promise<string> {
  const parts: string[] = [];
  for (const [k, comparison] of comparisons.entries()) {
    const title = `${comparison.other} vs ${comparison.reference}`;
    parts.push(`<h3>${escapeHtml(title)}</h3>`);
    const value = (parameter: string, metric: string) => comparison.rows.find((r) => r.parameter === parameter && r.metric === metric)?.value;
    const params = [...new Set(comparison.rows.filter((r) => r.metric === 'bhattacharyya').map((r) => r.parameter))];
    parts.push(comparisonSummary(comparison, stages, `verdict-${k + 1}`));
    const spec = comparisonSpec(comparison);
    if (spec) {
      parts.push(await plot(`comparison-${k + 1}`, `Comparison: ${title}`, spec,
        `Per-parameter agreement of ${escapeHtml(comparison.other)} with ${escapeHtml(comparison.reference)}: Bhattacharyya coefficient (red below ${BC_FLAG}), mean shift in units of the reference σ (green band ±0.1σ), width ratio (green band ±10 %).`));
    }
    const rows: Cell[][] = params.map((p) => [
      p,
      ...TABLE_METRICS.map(({ metric, flag }) => {
        const v = value(p, metric);
        if (v === undefined) return null;
        return { html: formatNumber(v), className: flag?.(v) ? 'num bad' : 'num' };
      }),
    ]);
    parts.push(table(['parameter', ...TABLE_METRICS.map((m) => m.title)], rows));
  }
  return parts.join('\n');
}

async function calibrationSection(calibrations: readonly ReportCalibration[], plot: Plot): Promise<string> {
  const parts: string[] = [];
  for (const [k, calibration] of calibrations.entries()) {
    parts.push(`<h3>${escapeHtml(calibration.label)}</h3>`);
    parts.push(await plot(`calibration-${k + 1}`, `Calibration: ${calibration.label}`, calibrationSpec(calibration),
      'Simulation-based calibration: histogram of the rank of each true value among its posterior draws. A calibrated posterior gives a flat histogram inside the grey 99 % band; ∪ means too narrow, ∩ too wide, a slope biased.'));
    const rows: Cell[][] = calibration.results.map((r) => [
      r.parameter,
      r.ranks.length,
      r.maxRank,
      r.ksStatistic,
      { html: formatNumber(r.ksPValue, 3), className: r.ksPValue < 0.01 ? 'num bad' : 'num' },
    ]);
    parts.push(table(['parameter', 'trials', 'draws per trial', 'KS D', 'KS p-value'], rows));
  }
  return parts.join('\n');
}

function provenanceSection({ provenance: p }: ReportInput): string {
  const facts: [string, string][] = [
    ['config hash', p.configHash],
    ['code version', p.codeVersion],
    ['compute backend', p.computeBackend],
    ['host', p.host],
    ['Node.js', p.nodeVersion],
  ];
  const kv = `<dl class="kv">${facts.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl>`;
  return `${kv}<h3>Resolved configuration</h3><pre>${escapeHtml(JSON.stringify(p.config, null, 2) ?? 'null')}</pre>`;
}
