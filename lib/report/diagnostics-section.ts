/** The report's sampler-diagnostics section: nested runs through the prior volume, MCMC traces. */
import { escapeHtml } from './format.ts';
import { TRACE_POINTS_PER_RUN, chainTraceSpec, nestedRunsSpec } from './figures/diagnostics.ts';
import type { Plot } from './render.ts';
import type { ReportInput } from './types.ts';

/** More overlaid lines than these stop being readable (a fan-out can hold hundreds of runs). */
const MAX_NESTED_RUNS = 8;
const MAX_TRACED_RUNS = 4;

export function hasSamplerDiagnostics(input: ReportInput): boolean {
  return Boolean(input.nestedRuns?.length || input.chainTraces?.length);
}

export async function samplerDiagnosticsSection(input: ReportInput, plot: Plot): Promise<string> {
  const parts: string[] = [];
  const nested = input.nestedRuns ?? [];
  if (nested.length) {
    const shown = nested.slice(0, MAX_NESTED_RUNS);
    const omitted = nested.length > shown.length ? ` The first ${shown.length} of ${nested.length} runs are shown.` : '';
    parts.push(
      await plot('nested-runs', 'Nested sampling: likelihood and evidence against prior volume', nestedRunsSpec(shown),
        'Each nested-sampling run against the prior volume it compressed to, −ln X (recovered from the stored weights). Left: ln L less the run’s largest; the posterior bulk lies where the curve flattens. ' +
        'Right: the evidence gathered so far (solid) rises to the final ln Z while the most it could still become, ln(Z + L_max·X) (dashed), falls to it; their gap is dynesty’s dlogz, the stopping criterion. ' +
        `Both axes are symmetric-log: linear within ±1 nat, logarithmic beyond.${omitted}`),
    );
  }
  for (const [k, traces] of (input.chainTraces ?? []).entries()) {
    const shown = { ...traces, runs: traces.runs.slice(0, MAX_TRACED_RUNS) };
    const runs = shown.runs.length < traces.runs.length ? `the first ${shown.runs.length} of ${traces.runs.length} runs` : `each of its ${traces.runs.length} run${traces.runs.length === 1 ? '' : 's'}`;
    parts.push(
      await plot(`mcmc-trace-${k + 1}`, `MCMC traces: ${traces.label}`, chainTraceSpec(shown),
        `Trace plots of ${escapeHtml(traces.label)}: one walker of ${runs}, thinned to at most ${TRACE_POINTS_PER_RUN} steps per line. Well-mixed chains look like stationary noise around the same level; ` +
        'drifts or steps mean the burn-in was too short. The effective sample size in the posterior table is draws/τ, τ the integrated autocorrelation time after burn-in.'),
    );
  }
  return parts.join('\n');
}
