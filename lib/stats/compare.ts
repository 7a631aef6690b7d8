/**
 * One call comparing a reference posterior with another one (surrogate vs. full physics, SNL vs.
 * MCMC, …): per-parameter 1-D metrics as long-format rows {parameter, metric, value}, ready for a
 * Parquet table, plus the joint C2ST and a summary for quick decisions.
 */
import { Rng } from '../random.ts';
import { c2stSampleSets, type C2stOptions } from './c2st.ts';
import { bhattacharyyaKde, bhattacharyyaOf, intervalOverlap, jensenShannonOf, sharedHistograms } from './divergence.ts';
import { bhattacharyyaFloor } from './resolution.ts';
import { kishEss, weightedMean, weightedSd, type SampleSet, type WeightedSample } from './weighted.ts';

export interface ComparisonRow {
  parameter: string;
  metric: ComparisonMetric;
  value: number;
}

/**
 * bhattacharyya / bhattacharyya_kde: BC on shared histogram bins / between KDEs (1 = identical);
 * jensen_shannon: JSD in bits (0 = identical, 1 = disjoint); mean_shift: (μ_other − μ_ref)/σ_ref;
 * sigma_ratio: σ_other/σ_ref; ci68_overlap / ci95_overlap: intersection over union of the central
 * credible intervals; mean_* and sd_*: the moments themselves; c2st_accuracy: joint classifier
 * two-sample accuracy on the row whose parameter is JOINT (0.5 = indistinguishable);
 * bhattacharyya_floor / bhattacharyya_kde_floor: the estimators' resolution, the expected BC of two
 * samples of the reference's distribution at the two effective sample sizes (resolution.ts).
 */
export const COMPARISON_METRICS = [
  'bhattacharyya',
  'bhattacharyya_kde',
  'jensen_shannon',
  'mean_shift',
  'sigma_ratio',
  'ci68_overlap',
  'ci95_overlap',
  'mean_ref',
  'mean_other',
  'sd_ref',
  'sd_other',
  'c2st_accuracy',
  'bhattacharyya_floor',
  'bhattacharyya_kde_floor',
] as const;
export type ComparisonMetric = (typeof COMPARISON_METRICS)[number];

/** The `parameter` value of rows that describe all parameters jointly. */
export const JOINT = '(joint)';

export interface ComparisonSummary {
  parameters: number;
  minBhattacharyya: number;
  meanBhattacharyya: number;
  /** The parameter with the lowest BC: where the two posteriors disagree most. */
  worstParameter: string;
  minBhattacharyyaKde: number;
  maxJensenShannon: number;
  maxAbsMeanShift: number;
  /** max |log(σ_other/σ_ref)|, so a too-narrow and a too-wide posterior count alike. */
  maxAbsLogSigmaRatio: number;
  /** Null when the C2ST was switched off. */
  c2stAccuracy: number | null;
  /** Mean and min over parameters of the histogram-BC floor; null when the resolution was not asked for. */
  meanBhattacharyyaFloor: number | null;
  minBhattacharyyaFloor: number | null;
  essRef: number;
  essOther: number;
}

export interface CompareOptions {
  paramNames: readonly string[];
  /** Histogram bins for BC and JSD; default from the smaller ESS (see histogramBinCount). */
  bins?: number;
  /** C2ST over all parameters jointly; on by default (seed 0), `false` skips it. */
  c2st?: boolean | C2stOptions;
  /** The BC estimators' resolution per parameter (resolution.ts); off unless given. */
  resolution?: { seed: number; repeats?: number };
}

export interface PosteriorComparison {
  rows: ComparisonRow[];
  summary: ComparisonSummary;
}

export function comparePosteriors(ref: SampleSet, other: SampleSet, options: CompareOptions): PosteriorComparison {
  const { paramNames } = options;
  if (paramNames.length === 0) throw new Error('comparePosteriors needs at least one parameter name');
  const rows: ComparisonRow[] = [];
  const bcs: number[] = [];
  const bcKdes: number[] = [];
  const jsds: number[] = [];
  const shifts: number[] = [];
  const logRatios: number[] = [];
  const floors: number[] = [];
  const essRef = kishEss(ref.weights, ref.samples[paramNames[0]]?.length ?? 0);
  const essOther = kishEss(other.weights, other.samples[paramNames[0]]?.length ?? 0);
  const floorRng = options.resolution && Rng.fromSeed(options.resolution.seed);
  for (const parameter of paramNames) {
    const a = column(ref, parameter, 'reference');
    const b = column(other, parameter, 'other');
    const histograms = sharedHistograms(a, b, options.bins);
    const [meanRef, meanOther, sdRef, sdOther] = [weightedMean(a), weightedMean(b), weightedSd(a), weightedSd(b)];
    const values: Record<Exclude<ComparisonMetric, 'c2st_accuracy' | 'bhattacharyya_floor' | 'bhattacharyya_kde_floor'>, number> = {
      bhattacharyya: bhattacharyyaOf(histograms),
      bhattacharyya_kde: bhattacharyyaKde(a, b),
      jensen_shannon: jensenShannonOf(histograms),
      mean_shift: (meanOther - meanRef) / sdRef,
      sigma_ratio: sdOther / sdRef,
      ci68_overlap: intervalOverlap(a, b, 0.68),
      ci95_overlap: intervalOverlap(a, b, 0.95),
      mean_ref: meanRef,
      mean_other: meanOther,
      sd_ref: sdRef,
      sd_other: sdOther,
    };
    for (const [metric, value] of Object.entries(values)) rows.push({ parameter, metric: metric as ComparisonMetric, value });
    if (floorRng) {
      const floor = bhattacharyyaFloor(a, essRef, essOther, floorRng, { bins: histograms.p.length, repeats: options.resolution!.repeats });
      rows.push({ parameter, metric: 'bhattacharyya_floor', value: floor.histogram }, { parameter, metric: 'bhattacharyya_kde_floor', value: floor.kde });
      floors.push(floor.histogram);
    }
    bcs.push(values.bhattacharyya);
    bcKdes.push(values.bhattacharyya_kde);
    jsds.push(values.jensen_shannon);
    shifts.push(Math.abs(values.mean_shift));
    logRatios.push(Math.abs(Math.log(values.sigma_ratio)));
  }
  let c2stAccuracy: number | null = null;
  if (options.c2st !== false) {
    const c2stOptions = options.c2st === true || options.c2st === undefined ? {} : options.c2st;
    c2stAccuracy = c2stSampleSets(ref, other, paramNames, c2stOptions).accuracy;
    rows.push({ parameter: JOINT, metric: 'c2st_accuracy', value: c2stAccuracy });
  }
  const worst = bcs.indexOf(Math.min(...bcs));
  return {
    rows,
    summary: {
      parameters: paramNames.length,
      minBhattacharyya: bcs[worst],
      meanBhattacharyya: bcs.reduce((s, v) => s + v, 0) / bcs.length,
      worstParameter: paramNames[worst],
      minBhattacharyyaKde: Math.min(...bcKdes),
      maxJensenShannon: Math.max(...jsds),
      maxAbsMeanShift: Math.max(...shifts),
      maxAbsLogSigmaRatio: Math.max(...logRatios),
      c2stAccuracy,
      meanBhattacharyyaFloor: floors.length ? floors.reduce((s, v) => s + v, 0) / floors.length : null,
      minBhattacharyyaFloor: floors.length ? Math.min(...floors) : null,
      essRef,
      essOther,
    },
  };
}

function column(set: SampleSet, parameter: string, which: string): WeightedSample {
  const values = set.samples[parameter];
  if (!values) throw new Error(`${which} posterior has no column '${parameter}' (has ${Object.keys(set.samples).join(', ')})`);
  return { values, weights: set.weights };
}
