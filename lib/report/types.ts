/**
 * Everything a run report shows, as plain data: the lead's `sciflow report` fills it from a run
 * manifest and the Parquet artifacts; tests fill it synthetically. Times are ISO-8601 strings as
 * stored in manifests. Optional collections may be left out or empty; their sections are omitted.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { NestedRunTrace } from '../sampling/nested/trace.ts';
import type { ComparisonRow, SampleSet, SbcParameterResult } from '../stats/index.ts';

export type RunStatus = 'pending' | 'running' | 'completed' | 'failed' | 'cancelled';
export type StageStatus = 'pending' | 'running' | 'completed' | 'failed' | 'skipped' | 'cancelled';

export interface ReportInput {
  run: ReportRun;
  stages: ReportStage[];
  provenance: ReportProvenance;
  posteriors?: ReportPosterior[];
  evidences?: ReportEvidence[];
  trainingCurves?: ReportTrainingCurve[];
  comparisons?: ReportComparison[];
  calibrations?: ReportCalibration[];
  tables?: ReportTable[];
  /** Sampler diagnostics: nested-sampling runs through the prior volume, MCMC traces. */
  nestedRuns?: ReportNestedRun[];
  chainTraces?: ReportChainTraces[];
  /** A pipeline's own figures (best-fit spectra, forecasts, bias plots), drawn after the generic sections. */
  pipelineFigures?: PipelineFigure[];
  /** The pipeline's headline stages: their posteriors (and their comparisons' references) lead the posterior plots. */
  headline?: string[];
}

/**
 * A domain figure a pipeline draws for its report (PipelineDefinition.reportFigures): a vega-lite
 * spec with its data inline (`data.values`), rendered to SVG like every other figure.
 */
export interface PipelineFigure {
  /** Figure id, unique in the report (letters, digits, dashes). */
  name: string;
  title: string;
  caption?: string;
  spec: TopLevelSpec;
}

export interface ReportRun {
  runId: string;
  pipeline: string;
  status: RunStatus;
  createdAt: string;
  finishedAt?: string;
}

export interface ReportStage {
  name: string;
  activity: string;
  status: StageStatus;
  /** True when the stage's result came from the content-addressed cache. */
  cached: boolean;
  startedAt?: string;
  finishedAt?: string;
  durationMs?: number;
  attempts: number;
  /** One-line failure message, when the stage failed. */
  error?: string;
  /** Names of the stages whose outputs this one reads. */
  dependsOn: string[];
  /** What the stage's activity returned, per branch (evidence, call counts, wall times…). */
  summary?: Record<string, unknown>[];
}

export interface ReportProvenance {
  /** The resolved (validated, defaults filled) pipeline config. */
  config: unknown;
  configHash: string;
  codeVersion: string;
  /** e.g. 'tfjs-node', 'wasm', 'cuda'. */
  computeBackend: string;
  host: string;
  nodeVersion: string;
}

/**
 * Posterior draws as columns (`samples[name]`, one per parameter in `paramNames`) with optional
 * importance weights — directly usable as a SampleSet by lib/stats.
 */
export interface ReportPosterior extends SampleSet {
  /** Legend label, e.g. 'nested sampling (full physics)'. */
  label: string;
  paramNames: string[];
  /** True parameter values of a simulated data set, drawn as reference lines. */
  truths?: Record<string, number>;
  /** Effective sample size per parameter of correlated draws (MCMC: draws/τ); weighted draws use Kish's. */
  ess?: Record<string, number>;
}

/** One nested-sampling run's points in ascending ln L with its path through the prior volume. */
export interface ReportNestedRun extends NestedRunTrace {
  label: string;
  logL: ArrayLike<number>;
}

/** The MCMC runs of one stage: one walker's trace per run, every parameter. */
export interface ReportChainTraces {
  label: string;
  paramNames: string[];
  runs: { label: string; step: ArrayLike<number>; values: Record<string, ArrayLike<number>> }[];
}

export interface ReportEvidence {
  label: string;
  /** Natural log of the Bayesian evidence Z and its one-sigma error. */
  logZ: number;
  logZerr: number;
}

export interface ReportTrainingCurve {
  label: string;
  epoch: number[];
  loss: number[];
  valLoss?: number[];
}

/** Rows of `comparePosteriors` between two posteriors labelled as in `posteriors`. */
export interface ReportComparison {
  reference: string;
  other: string;
  rows: ComparisonRow[];
}

/** Simulation-based calibration of one (neural) method. */
export interface ReportCalibration {
  label: string;
  results: SbcParameterResult[];
}

export interface ReportTable {
  title: string;
  columns: string[];
  rows: (string | number | boolean | null)[][];
}

/** One rendered plot: `name` is its `data-figure` value and PNG file stem. */
export interface ReportFigure {
  name: string;
  title: string;
  svg: string;
}
