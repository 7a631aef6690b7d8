/**
 * Held-out evaluation: scores of the ensembles (one per sensor set) and of the two baselines,
 * instability warnings and their lead times, integrated-gradients attribution per input channel,
 * and a simulated dynamic-pressure sensor failure.
 */
import { fitLinear, fitPersistence, predictLinear, predictPersistence } from './baselines.ts';
import { CONTROL_CHANNELS, extractFeatures, SENSOR_CHANNELS, type FeatureOptions } from './features.ts';
import { designMatrix, stackedTargets, type Forecaster, type RunFeatures } from './forecaster.ts';
import { firstAlarm, judgeWarning, scoreForecasts, type ForecastScores, type RunWarning, type WarningRule } from './metrics.ts';

export interface TestRun {
  features: RunFeatures;
  series: Record<string, Float64Array>;
}

export interface EvaluationOptions extends FeatureOptions {
  warning: WarningRule;
  /** A hit needs an alarm at least minLead and at most maxLead seconds before the crossing. */
  minLeadSeconds: number;
  maxLeadSeconds: number;
  /** The dynamic-pressure sensor reads 0 (dead channel) from this fraction of each test run on. */
  failureAt: number;
  attributionRows: number;
  integrationSteps: number;
}

export interface MethodScores extends ForecastScores {
  method: string;
  meanAleatoricSd: number;
  meanEpistemicSd: number;
}

export interface Evaluation {
  metrics: MethodScores[];
  warnings: { run: string; crossing: number; alarm: number; lead: number; hit: boolean; falseAlarm: boolean }[];
  attribution: { channel: string; meanAbs: number; share: number }[];
  failure: { run: string; clean: number; failed: number; ratio: number }[];
  warningCurve: ({ probability: number } & ReturnType<typeof rates>)[];
  /** The whole-set figures: warning rates at the configured rule and the epistemic sd ratio of the sensor failure. */
  headline: ReturnType<typeof rates> & { epistemicRatio: number };
  /** Forecast of one held-out run (the first unstable one) for the report. */
  example: { run: string; t: Float64Array; truth: Float64Array; mean: Float64Array; aleatoricSd: Float64Array; epistemicSd: Float64Array };
  failureExample: { run: string; t: Float64Array; clean: Float64Array; failed: Float64Array; failureTime: number };
}

const meanOf = (values: ArrayLike<number>): number => Array.from(values).reduce((s, v) => s + v, 0) / Math.max(values.length, 1);
const sdOf = (variances: ArrayLike<number>) => Float64Array.from(variances, Math.sqrt);
const median = (values: number[]): number => {
  const s = [...values].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2) : NaN;
};

function ensembleScores(method: string, forecaster: Forecaster, runs: RunFeatures[]): MethodScores {
  const p = forecaster.predict(runs);
  const total = p.aleatoric.map((a, i) => a + p.epistemic[i]!);
  return { method, ...scoreForecasts(stackedTargets(runs), p.mean, total), meanAleatoricSd: meanOf(sdOf(p.aleatoric)), meanEpistemicSd: meanOf(sdOf(p.epistemic)) };
}

/** Alarm probabilities of the hit / false-alarm trade-off table. */
export const WARNING_PROBABILITIES = [0.05, 0.1, 0.2, 0.3, 0.5, 0.7];

/** Hit rate over the unstable runs, false alarms over the stable ones, early alarms over the unstable ones. */
function rates(warnings: (RunWarning & { run: string })[]) {
  const unstable = warnings.filter((w) => !Number.isNaN(w.crossing));
  const stable = warnings.filter((w) => Number.isNaN(w.crossing));
  return {
    leadTimeHitRate: unstable.filter((w) => w.hit).length / Math.max(unstable.length, 1),
    falseAlarmRate: stable.filter((w) => w.falseAlarm).length / Math.max(stable.length, 1),
    earlyAlarmRate: unstable.filter((w) => w.falseAlarm).length / Math.max(unstable.length, 1),
    unstableRuns: unstable.length,
    stableRuns: stable.length,
    medianLead: median(unstable.map((w) => w.lead).filter((l) => !Number.isNaN(l))),
  };
}

/** `forecasters[0]` is the all-sensor model the warnings, attributions and failure use. */
export function evaluate(train: RunFeatures[], test: TestRun[], forecasters: Forecaster[], options: EvaluationOptions): Evaluation {
  const main = forecasters[0]!;
  const runs = test.map((r) => r.features);
  const truth = stackedTargets(runs);

  // Baselines on the all-sensor inputs, fitted on the training runs.
  const trainInputs = designMatrix(train, main.columns);
  const testInputs = designMatrix(runs, main.columns);
  const latest = main.columns.findIndex((c) => c.name === 'p_dyn_past_0_10');
  const persistence = predictPersistence(fitPersistence(trainInputs, stackedTargets(train), latest), testInputs);
  const linear = predictLinear(fitLinear(trainInputs, stackedTargets(train)), testInputs);
  const baseline = (method: string, f: { mean: Float64Array; variance: Float64Array }): MethodScores => ({
    method,
    ...scoreForecasts(truth, f.mean, f.variance),
    meanAleatoricSd: Math.sqrt(f.variance[0] ?? NaN),
    meanEpistemicSd: 0,
  });
  const metrics = [
    ...forecasters.map((f) => ensembleScores(`ensemble:${f.trained.sensorSet}`, f, runs)),
    baseline('persistence', persistence),
    baseline('linear-ar', linear),
  ];

  const predictions = test.map(({ features: r }) => {
    const p = main.predict([r]);
    return { run: r, mean: p.mean, variance: p.aleatoric.map((a, i) => a + p.epistemic[i]!) };
  });
  const judge = (rule: WarningRule) =>
    predictions.map(({ run: r, mean, variance }) => ({
      run: r.run,
      ...judgeWarning(r.crossing, firstAlarm(r.features.t!, mean, variance, rule), options.minLeadSeconds, options.maxLeadSeconds),
    }));
  const warnings = judge(options.warning);
  // The trade-off between hits and false alarms over the alarm probability.
  const warningCurve = WARNING_PROBABILITIES.map((probability) => ({ probability, ...rates(judge({ ...options.warning, probability })) }));
  const failure = test.map((r) => sensorFailure(main, r, options));
  const failedSum = failure.reduce((s, f) => s + f.failed.reduce((a, v) => a + v, 0), 0);
  const cleanSum = failure.reduce((s, f) => s + f.clean.reduce((a, v) => a + v, 0), 0);

  const exampleRun = test.find((r) => !Number.isNaN(r.features.crossing)) ?? test[0]!;
  const ex = main.predict([exampleRun.features]);
  const failureExample = failure[test.indexOf(exampleRun)]!;
  return {
    metrics,
    warnings,
    attribution: attribution(main, runs, options),
    failure: failure.map((f) => ({ run: f.run, clean: meanOf(f.clean), failed: meanOf(f.failed), ratio: meanOf(f.failed) / meanOf(f.clean) })),
    warningCurve,
    headline: { ...rates(warnings), epistemicRatio: failedSum / cleanSum },
    example: {
      run: exampleRun.features.run,
      t: Float64Array.from(exampleRun.features.features.t!),
      truth: Float64Array.from(exampleRun.features.features.target!),
      mean: ex.mean,
      aleatoricSd: sdOf(ex.aleatoric),
      epistemicSd: sdOf(ex.epistemic),
    },
    failureExample: { run: failureExample.run, t: failureExample.t, clean: failureExample.clean, failed: failureExample.failed, failureTime: failureExample.failureTime },
  };
}

/** Epistemic sd at the origins after the dynamic-pressure sensor dies, with and without the failure. */
function sensorFailure(main: Forecaster, run: TestRun, options: EvaluationOptions) {
  const t = run.series.t!;
  const failureTime = t[0]! + options.failureAt * (t[t.length - 1]! - t[0]!);
  const broken = { ...run.series, p_dyn: run.series.p_dyn!.map((v, i) => (t[i]! >= failureTime ? 0 : v)) };
  const failedFeatures = extractFeatures(broken, options);
  const after = Array.from(failedFeatures.t!, (x, i) => [x, i] as const).filter(([x]) => x >= failureTime);
  const clean = sdOf(main.predict([run.features]).epistemic);
  const failed = sdOf(main.predict([{ ...run.features, features: failedFeatures }]).epistemic);
  // Origins are the same in both (the features depend on the series length only).
  return {
    run: run.features.run,
    t: Float64Array.from(after, ([x]) => x),
    clean: Float64Array.from(after, ([, i]) => clean[i]!),
    failed: Float64Array.from(after, ([, i]) => failed[i]!),
    failureTime,
  };
}

/** Mean |integrated gradient| per input channel over (at most attributionRows) held-out origins, and its share. */
function attribution(main: Forecaster, runs: RunFeatures[], options: EvaluationOptions) {
  const total = runs.reduce((n, r) => n + r.features.t!.length, 0);
  const every = Math.max(1, Math.ceil(total / options.attributionRows));
  const thinned = runs.map((r) => ({ ...r, features: Object.fromEntries(Object.entries(r.features).map(([k, v]) => [k, Float64Array.from(v).filter((_, i) => i % every === 0)])) }));
  const ig = main.attributions(thinned, options.integrationSteps);
  const channels = [...SENSOR_CHANNELS, ...CONTROL_CHANNELS].filter((c) => main.columns.some((col) => col.channel === c));
  const sums = channels.map((channel) => {
    let s = 0;
    main.columns.forEach((col, j) => {
      if (col.channel !== channel) return;
      for (let i = 0; i < ig.rows; i++) s += Math.abs(ig.data[i * ig.cols + j]!);
    });
    return s / ig.rows;
  });
  const all = sums.reduce((a, b) => a + b, 0);
  return channels.map((channel, k) => ({ channel, meanAbs: sums[k]!, share: sums[k]! / all }));
}
