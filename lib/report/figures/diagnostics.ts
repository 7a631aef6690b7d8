/**
 * Sampler diagnostics as dynesty and emcee users know them: nested-sampling runs through the prior
 * volume (ln L and the evidence against −ln X) and MCMC trace plots. Lines are thinned to a few
 * hundred vertices each, which keeps the SVG small and loses nothing visible.
 */
import type { TopLevelSpec } from 'vega-lite';
import { seriesColour } from '../palette.ts';
import type { ReportChainTraces, ReportNestedRun } from '../types.ts';

const NESTED_POINTS_PER_RUN = 400;
export const TRACE_POINTS_PER_RUN = 500;

/** At most `max` indices of 0..n−1, evenly spaced, the first and the last included. */
export function evenlySpacedIndices(n: number, max: number): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  return Array.from({ length: max }, (_, k) => Math.round((k * (n - 1)) / (max - 1)));
}

/** 0 and ±powers of ten inside [lo, hi]: readable ticks on a symmetric-log axis. */
function symlogTicks(lo: number, hi: number): number[] {
  const ticks = [0];
  for (let p = 1; p <= Math.max(-lo, hi, 1); p *= 10) ticks.push(-p, p);
  return ticks.filter((t) => t >= lo && t <= hi).sort((a, b) => a - b);
}

/** One colour per run; the legend sits on the right, where a long list of runs does not widen the figure. */
function colourScale(labels: string[], legend: boolean) {
  return { field: 'run', type: 'nominal', title: null, scale: { domain: labels, range: labels.map((_, i) => seriesColour(i)) }, legend: legend ? { orient: 'right' } : null };
}

/** Nested runs: ln L − max ln L (left) and ln Z so far with its upper bound, both less the final ln Z (right), against −ln X. */
export function nestedRunsSpec(runs: readonly ReportNestedRun[]): TopLevelSpec {
  const likelihood: { run: string; x: number; y: number }[] = [];
  const evidence: { run: string; x: number; y: number; curve: string }[] = [];
  for (const run of runs) {
    const last = run.logL.length - 1;
    for (const i of evenlySpacedIndices(last + 1, NESTED_POINTS_PER_RUN)) {
      const x = -run.logVolume[i]!;
      likelihood.push({ run: run.label, x, y: run.logL[i]! - run.logL[last]! });
      evidence.push({ run: run.label, x, y: run.logZ[i]! - run.logZ[last]!, curve: 'ln Z so far' });
      evidence.push({ run: run.label, x, y: run.logZUpper[i]! - run.logZ[last]!, curve: 'ln(Z + L_max·X): most it can become' });
    }
  }
  const finite = <T extends { x: number; y: number }>(rows: T[]) => rows.filter((r) => Number.isFinite(r.x) && Number.isFinite(r.y));
  const x = { field: 'x', type: 'quantitative', title: '−ln X (prior volume)' };
  const colour = colourScale(runs.map((r) => r.label), runs.length > 1);
  const panel = (rows: { x: number; y: number }[], title: string, extra: Record<string, unknown> = {}) => {
    const ys = rows.map((r) => r.y);
    const domain = [Math.min(0, ...ys), Math.max(0, ...ys)];
    return {
      width: 300,
      height: 220,
      data: { values: rows },
      layer: [
        { mark: { type: 'line', strokeWidth: 1.6 }, encoding: { x, y: { field: 'y', type: 'quantitative', title, scale: { type: 'symlog', domain, nice: false }, axis: { values: symlogTicks(domain[0]!, domain[1]!), labelExpr: "format(datum.value, '~s')" } }, color: colour, ...extra } },
        { data: { values: [{ zero: 0 }] }, mark: { type: 'rule', color: '#8a9099', strokeDash: [2, 2] }, encoding: { y: { field: 'zero', type: 'quantitative' } } },
      ],
    };
  };
  return {
    hconcat: [
      panel(finite(likelihood), 'ln L − max ln L'),
      panel(finite(evidence), 'ln Z − final ln Z', {
        detail: { field: 'curve' },
        strokeDash: { field: 'curve', type: 'nominal', title: null, scale: { range: [[1, 0], [5, 3]] }, legend: { orient: 'right' } },
      }),
    ],
    spacing: 28,
  } as unknown as TopLevelSpec;
}

/** MCMC traces of one stage: a row per parameter, a line per run, against the step. */
export function chainTraceSpec(traces: ReportChainTraces): TopLevelSpec {
  const rows = traces.runs.flatMap((run) =>
    evenlySpacedIndices(run.step.length, TRACE_POINTS_PER_RUN).flatMap((i) =>
      traces.paramNames.map((parameter) => ({ run: run.label, step: run.step[i]!, parameter, value: run.values[parameter]![i]! })),
    ),
  );
  return {
    data: { values: rows },
    facet: { row: { field: 'parameter', type: 'nominal', sort: traces.paramNames, title: null, header: { labelAngle: 0, labelAlign: 'left' } } },
    spec: {
      width: 560,
      height: 80,
      mark: { type: 'line', strokeWidth: 0.9, opacity: 0.85 },
      encoding: {
        x: { field: 'step', type: 'quantitative', title: 'step' },
        y: { field: 'value', type: 'quantitative', title: null, scale: { zero: false }, axis: { tickCount: 3 } },
        color: colourScale(traces.runs.map((r) => r.label), traces.runs.length > 1),
      },
    },
    resolve: { scale: { y: 'independent' } },
    spacing: 6,
  } as unknown as TopLevelSpec;
}
