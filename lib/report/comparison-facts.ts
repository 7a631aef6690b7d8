/**
 * What the report states about one posterior comparison, in figures: the agreement its verdict
 * reads (lib/stats/agreement.ts), what each side cost, and the approximate likelihood's error on
 * the reference's draws where the run measured it. Costs and errors come from the stages' summaries
 * and durations, so they appear only when a comparison's sides are stages of the run.
 */
import type { AgreementFigures } from '../stats/agreement.ts';
import { stageDurationMs } from './format.ts';
import type { ReportComparison, ReportStage } from './types.ts';

export function agreementOf(comparison: ReportComparison): AgreementFigures | undefined {
  const values = (metric: string) => comparison.rows.filter((r) => r.metric === metric);
  const bcs = values('bhattacharyya');
  if (bcs.length === 0) return undefined;
  const worst = bcs.reduce((w, r) => (r.value < w.value ? r : w));
  const floors = values('bhattacharyya_floor').map((r) => r.value);
  return {
    reference: comparison.reference,
    other: comparison.other,
    minBC: worst.value,
    worst: worst.parameter,
    meanBC: bcs.reduce((s, r) => s + r.value, 0) / bcs.length,
    parameters: bcs.length,
    ...(floors.length && { floor: Math.min(...floors) }),
  };
}

export interface PosteriorCost {
  /** The posterior's stage and the upstream stages that exist only to feed it (a merge's runs, an MCMC summary's chains). */
  stages: string[];
  /** Their durations added up; absent when one was a cache hit or has none recorded. */
  ms?: number;
}

export interface ComparisonCost {
  reference: PosteriorCost;
  other: PosteriorCost;
  /** Exact-likelihood calls, when the other side counts its own (a guided or learned likelihood) and the reference its `ncall`. */
  calls?: { reference: number; other: number };
}

/** Costs of both sides, when both are stages of the run. */
export function comparisonCost(stages: readonly ReportStage[], comparison: ReportComparison): ComparisonCost | undefined {
  const reference = stages.find((s) => s.name === comparison.reference);
  const other = stages.find((s) => s.name === comparison.other);
  if (!reference || !other) return undefined;
  const referenceCalls = branchTotal(reference, ['ncall']);
  const otherCalls = branchTotal(other, ['full_calls', 'true_calls']);
  return {
    reference: posteriorCost(stages, reference),
    other: posteriorCost(stages, other),
    ...(referenceCalls !== undefined && otherCalls !== undefined && { calls: { reference: referenceCalls, other: otherCalls } }),
  };
}

function posteriorCost(stages: readonly ReportStage[], stage: ReportStage): PosteriorCost {
  const members = new Set([stage.name]);
  const consumers = (s: ReportStage) => stages.filter((c) => c.dependsOn.includes(s.name));
  for (let grew = true; grew; ) {
    grew = false;
    for (const s of stages) {
      const readers = consumers(s);
      if (!members.has(s.name) && readers.length && readers.every((c) => members.has(c.name))) {
        members.add(s.name);
        grew = true;
      }
    }
  }
  const counted = stages.filter((s) => members.has(s.name));
  const durations = counted.map((s) => (s.cached ? undefined : stageDurationMs(s)));
  return {
    stages: counted.map((s) => s.name),
    ...(durations.every((d) => d !== undefined) && { ms: durations.reduce((a, d) => a + d!, 0) }),
  };
}

/** The first of `keys` the stage's summaries count, added over its branches. */
function branchTotal(stage: ReportStage, keys: string[]): number | undefined {
  const key = keys.find((k) => stage.summary?.length && stage.summary.every((b) => typeof b[k] === 'number'));
  return key === undefined ? undefined : stage.summary!.reduce((s, b) => s + (b[key] as number), 0);
}

export interface LikelihoodError {
  /** The stage that measured it, and the approximate likelihood's stage. */
  stage: string;
  approximation: string;
  /** ln L − ln L̃ over the reference's posterior: 5 %, 50 %, 95 % points, mean and sd [nats]. */
  q05: number;
  q50: number;
  q95: number;
  mean: number;
  sd: number;
}

/**
 * The ln L errors measured for a comparison's other side: a (single-branch) stage whose summary
 * has the ln L − ln L̃ quantiles, reading the reference's draws and an approximation the other
 * side also reads (atmospheric: `surrogate-error` on the preview's surrogate).
 */
export function likelihoodErrors(stages: readonly ReportStage[], comparison: ReportComparison): LikelihoodError[] {
  const other = stages.find((s) => s.name === comparison.other);
  if (!other) return [];
  return stages.flatMap((s) => {
    const figures = s.summary?.length === 1 ? s.summary[0]! : {};
    const approximation = s.dependsOn.find((d) => d !== comparison.reference && other.dependsOn.includes(d));
    const keys = ['deltaLogLQ05', 'deltaLogLQ50', 'deltaLogLQ95', 'deltaLogLMean', 'deltaLogLSd'] as const;
    if (!s.dependsOn.includes(comparison.reference) || !approximation || !keys.every((k) => typeof figures[k] === 'number')) return [];
    const [q05, q50, q95, mean, sd] = keys.map((k) => figures[k] as number) as [number, number, number, number, number];
    return [{ stage: s.name, approximation, q05, q50, q95, mean, sd }];
  });
}
