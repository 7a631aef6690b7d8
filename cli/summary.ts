/**
 * The closing summary of a finished run: what a scientist reads first — the headline evidences,
 * the headline posterior as medians with 68 % intervals, each comparison's verdict in words, and
 * where to look next (report, Temporal UI, the embedded server left running).
 */
import type { RunManifest, StageRecord } from '../lib/engine/types.ts';
import { posteriorSampleSet } from '../lib/store/posterior-table.ts';
import type { RunStore } from '../lib/store/run-store.ts';
import { agreementFromSummary, agreementVerdict, reproduces, type AgreementFigures } from '../lib/stats/agreement.ts';
import { intervalsByParameter } from '../lib/stats/weighted.ts';
import { formatSignificant as num } from './output.ts';

export interface RunSummary {
  evidence: { stage: string; branches: number; logZ: number[]; logZerr: number[] }[];
  posterior?: { stage: string; parameters: { name: string; median: number; lo: number; hi: number }[] };
  comparisons: (AgreementFigures & { stage: string; agrees: boolean })[];
  report?: string;
  temporalUi?: string;
}

const first = (s: StageRecord) => s.summary?.[0] ?? {};

/**
 * The summary of a finished run from its manifest and artifacts. `headline`: the stages that lead
 * (their posterior is the one summarised); default: every stage with an evidence, in order.
 */
export async function runSummary(store: RunStore, manifest: RunManifest, options: { headline?: string[]; temporalUi?: string; report?: string } = {}): Promise<RunSummary> {
  const done = manifest.stages.filter((s) => s.status === 'completed');
  const withEvidence = done.filter((s) => s.summary?.some((b) => typeof b.logZ === 'number' && typeof b.logZerr === 'number'));
  const headline = options.headline?.length ? done.filter((s) => options.headline!.includes(s.name)) : withEvidence;
  const evidence = (headline.length ? headline : withEvidence)
    .filter((s) => withEvidence.includes(s))
    .map((s) => ({ stage: s.name, branches: s.branches, logZ: s.summary!.map((b) => Number(b.logZ)), logZerr: s.summary!.map((b) => Number(b.logZerr)) }));
  const comparisons = done
    .filter((s) => s.activity === 'comparePosteriors' && s.branches === 1)
    .map((s) => {
      const figures = agreementFromSummary(first(s));
      return { stage: s.name, ...figures, agrees: reproduces(figures) };
    });
  const source = headline.find((s) => s.branches === 1 && s.outputs?.branches[0]?.posterior_samples);
  return {
    evidence,
    ...(source && { posterior: { stage: source.name, parameters: await medians(store, source) } }),
    comparisons,
    ...(options.report && { report: options.report }),
    ...(options.temporalUi && { temporalUi: options.temporalUi }),
  };
}

async function medians(store: RunStore, stage: StageRecord): Promise<{ name: string; median: number; lo: number; hi: number }[]> {
  const posterior = posteriorSampleSet(await store.get(stage.outputs!.branches[0]!.posterior_samples!));
  return intervalsByParameter(posterior).map(({ name, median, ci68: [lo, hi] }) => ({ name, median, lo, hi }));
}

/** The summary as lines for a terminal. */
export function renderSummary(s: RunSummary, embeddedServer: boolean): string[] {
  const lines: string[] = [];
  for (const e of s.evidence) {
    if (e.branches === 1) lines.push(`  ln Z = ${e.logZ[0]!.toFixed(2)} ± ${e.logZerr[0]!.toFixed(2)}   ${e.stage}`);
    else lines.push(`  ln Z from ${Math.min(...e.logZ).toFixed(2)} to ${Math.max(...e.logZ).toFixed(2)} over ${e.branches} branches   ${e.stage}`);
  }
  if (s.posterior) {
    lines.push(`  ${s.posterior.stage}: median and 68 % interval`);
    const width = Math.max(...s.posterior.parameters.map((p) => p.name.length));
    for (const p of s.posterior.parameters) lines.push(`    ${p.name.padEnd(width)}  ${num(p.median)}  [${num(p.lo)}, ${num(p.hi)}]`);
  }
  for (const c of s.comparisons) lines.push(`  ${agreementVerdict(c)}   ${c.stage}`);
  if (s.report) lines.push(`  report: ${s.report}`);
  if (s.temporalUi) lines.push(`  Temporal UI: ${s.temporalUi}`);
  if (embeddedServer) lines.push('  the embedded Temporal server keeps running for the next run; `sciflow server stop` stops it');
  return lines;
}
