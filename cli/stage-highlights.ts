/**
 * The entries of a stage's summary a user reads first, per activity. Keys are shown as stored:
 * they are the `metric` names `sciflow query` lists. Comparisons have their own section in
 * `results`; an activity not named here (a pipeline's own task through `forecast`) shows every
 * entry but its timings.
 */
import type { Json, StageRecord } from '../lib/engine/types.ts';
import { formatSignificant } from './output.ts';

const HIGHLIGHTS: Record<string, readonly (string | RegExp)[]> = {
  simulate: ['rows'],
  mcmc: ['steps', 'acceptance'],
  summarizeChains: [/_rhat$/, /_ess$/],
  nestedSampling: ['logZ', 'logZerr', 'ncall', 'ess', 'true_calls', 'network_calls', 'surrogate_calls', 'audit_failures', 'margin'],
  mergeNestedRuns: ['logZ', 'logZerr', 'ess', 'runs'],
  neuralLikelihood: ['logZ', 'logZerr', 'true_calls', 'network_calls', 'fallbacks', 'simulator_calls', 'rounds'],
  // ln L − ln L̃ percentiles over the input posterior: how far a surrogate's ln L is off where it matters.
  reweightPosterior: ['logZ', 'ess', 'deltaLogLQ05', 'deltaLogLQ50', 'deltaLogLQ95'],
  trainSurrogate: ['epochs', 'medianRelativeError', 'maxMedianRelativeError'],
  bayesFactors: ['best'],
  posteriorBias: [/^max_abs_bias_/, 'outside_interval', 'rows'],
  comparePosteriors: [],
};

/** Wall times differ from run to run and answer another question (`sciflow query` has them). */
const TIMING = /(_s|Seconds)$/;

const matches = (pattern: string | RegExp, key: string) => (typeof pattern === 'string' ? pattern === key : pattern.test(key));

/** [key, value] of a stage's highlighted summary entries; over a fan-out's branches a value is a range. */
export function stageHighlights(stage: Pick<StageRecord, 'activity' | 'summary'>): [string, string][] {
  const summaries = stage.summary ?? [];
  const keys = [...new Set(summaries.flatMap((s) => Object.keys(s)))];
  const wanted = HIGHLIGHTS[stage.activity];
  const shown = wanted ? [...new Set(wanted.flatMap((w) => keys.filter((k) => matches(w, k))))] : keys.filter((k) => !TIMING.test(k) && k !== 'backend');
  return shown.flatMap((key) => {
    const text = valueText(summaries.map((s) => s[key]));
    return text === undefined ? [] : [[key, text] as [string, string]];
  });
}

const numberText = (v: number) => (Number.isInteger(v) ? String(v) : formatSignificant(v));

/** One value, the range of numbers over branches, or the distinct words (at most three). */
function valueText(values: (Json | undefined)[]): string | undefined {
  const scalars = values.filter((v): v is string | number | boolean => v !== undefined && v !== null && typeof v !== 'object');
  if (scalars.length === 0) return undefined;
  if (scalars.every((v) => typeof v === 'number')) {
    const [min, max] = [Math.min(...scalars), Math.max(...scalars)];
    return min === max ? numberText(min) : `${numberText(min)} … ${numberText(max)}`;
  }
  const distinct = [...new Set(scalars.map(String))];
  return distinct.length > 3 ? `${distinct.slice(0, 3).join(', ')}, …` : distinct.join(', ');
}
