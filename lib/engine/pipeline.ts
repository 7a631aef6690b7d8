import type { Table } from 'apache-arrow';
import type { z } from 'zod';
import type { Prior } from '../nn/posterior-sampler.ts';
import type { PipelineFigureHook } from '../report/from-manifest.ts';
import type { Rng } from '../random.ts';
import type { GuideOptions, SurrogateValues } from '../sampling/nested/index.ts';
import { hashJson } from '../store/hash.ts';
import type { InputFile, Json, RetryPlan, RunPlan, StagePlan } from './types.ts';

/** A stage as a pipeline declares it; `buildPlan` fills in the engine's defaults. */
export interface StageDefinition {
  name: string;
  activity: string;
  dependsOn?: string[];
  params: { [key: string]: Json };
  codeVersion?: string;
  /** `cpu` (default) or `gpu`; workers listen on `sciflow-<queue>`. */
  queue?: string;
  timeoutMs?: number;
  heartbeatTimeoutMs?: number;
  retry?: Partial<RetryPlan>;
  /**
   * Run the stage once per value (`params[param] = value`). `alignedWith` names fanned-out
   * dependencies with as many branches, of which branch i reads only branch i (injection → recovery).
   */
  fanOut?: { param: string; values: Json[]; concurrency?: number; alignedWith?: string[] };
  /** How often a long stage saves a checkpoint; not part of the cache key. */
  checkpointMs?: number;
}

/** A data file a config points at, named by its config key so errors can say which key. */
export interface DataFileRef {
  key: string;
  path: string;
}

export interface PipelineDefinition<Schema extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  /** Part of every stage's cache key: bump when the pipeline's model changes. */
  version: string;
  /** Strict zod schema with defaults; it must contain a numeric `seed`. */
  schema: Schema;
  /** Files the run reads; hashed into the plan so new data means new cache keys. */
  dataFiles?(config: z.infer<Schema>): Promise<DataFileRef[]> | DataFileRef[];
  /**
   * Parse and validate the data files (`inputs`: those `dataFiles` named, found and hashed) with
   * the pipeline's own readers; throw a UserError `path:line: column: what is wrong`. Runs when a
   * run is planned (the CLI and planRun), so a bad file is refused before any stage runs.
   */
  checkData?(config: z.infer<Schema>, inputs: InputFile[]): Promise<void> | void;
  stages(config: z.infer<Schema>, inputs: InputFile[]): StageDefinition[];
  /**
   * Simulators by name, used by the `simulate` activity; `load` reads an upstream stage's table
   * (branch 0 unless given), for simulators that draw from an earlier stage's output.
   */
  simulators?: Record<string, (params: { [key: string]: Json }, rng: Rng, load: (stage: string, name: string, branch?: number) => Promise<Table>) => Table | Promise<Table>>;
  /** Inference problems by name, built from a stage's params and its input tables (branch 0 unless given). */
  problems?: Record<string, (params: { [key: string]: Json }, load: (stage: string, name: string, branch?: number) => Promise<Table>) => Promise<InferenceProblem>>;
  /** Simulation-based inference problems (prior + simulator + observation) by name, for SNL. */
  simulationProblems?: Record<string, (params: { [key: string]: Json }, load: (stage: string, name: string) => Promise<Table>) => Promise<SimulationProblem>>;
  /**
   * Stages whose results lead the closing summary (evidence, posterior medians) and, with the
   * references they are compared with, the report's posterior plots; default: every stage with an evidence.
   */
  headline?: string[];
  /**
   * Candidate stages, in order of preference, whose ln Z the report's evidence table and `results`
   * measure the others against: the first one a run has (default: the first stage with an evidence).
   */
  evidenceReference?: string[];
  /** The pipeline's own report figures, drawn from a completed run's artifacts (vega-lite specs). */
  reportFigures?: PipelineFigureHook;
  /** Steps no generic activity covers (time-series features, forecasters), run by the `forecast` activity. */
  tasks?: Record<string, PipelineTask>;
}

/** What a pipeline task sees of its stage (a subset of the activity's StageContext). */
export interface TaskIO {
  params: { [key: string]: Json };
  seed: number;
  input(stage: string, name: string, branch?: number): Promise<Table>;
  inputBranches(stage: string, name: string): Promise<Table[]>;
  write(name: string, table: Table): Promise<unknown>;
  progress(p: { fraction?: number; message?: string }): void;
  /** The stage's checkpoint of an earlier attempt, if any, and a progress tick that saves one when due. */
  restore<State>(): Promise<State | undefined>;
  tick<State>(p: { fraction?: number; message?: string }, state: () => State): Promise<void>;
}

export interface PipelineTask {
  run(io: TaskIO): Promise<{ [key: string]: Json }>;
  /** The task runs tfjs networks: the activity selects a backend first and records it. */
  usesNetworks?: boolean;
}

/** Activities that always run tfjs networks; `forecast` runs them when its task says so. */
const NETWORK_ACTIVITIES = new Set(['trainSurrogate', 'neuralLikelihood']);

/** Whether these stages train or evaluate tfjs networks, so that a worker will select a tfjs backend. */
export function usesNetworks(pipeline: PipelineDefinition, stages: StageDefinition[]): boolean {
  return stages.some((s) => NETWORK_ACTIVITIES.has(s.activity) || (s.activity === 'forecast' && Boolean(pipeline.tasks?.[String(s.params.task)]?.usesNetworks)));
}

/** Inference from simulations alone: the likelihood is learned (sequential neural likelihood). */
export interface SimulationProblem {
  paramNames: string[];
  prior: Prior;
  /** Simulated data for many parameter vectors at once, with noise drawn from `rng`. */
  simulator(thetas: number[][], rng: Rng): Promise<number[][]>;
  observation: number[];
  truth?: number[];
}

/**
 * A Bayesian inference problem in the form every sampler takes: a unit-cube prior transform and
 * a log-likelihood evaluated on batches of points (so vectorised models and surrogates can work
 * on many points per call).
 */
export interface InferenceProblem {
  paramNames: string[];
  priorTransform(u: number[]): number[];
  logLikelihood(batch: number[][]): number[] | Promise<number[]>;
  /** True parameter values when the data were simulated. */
  truth?: number[];
  /**
   * A cheap surrogate of `logLikelihood` (an emulator, a network ensemble) with its error model:
   * nested-sampling stages then run slice chains on it and let one exact call per chain decide
   * (surrogate-guided exact sampling, lib/sampling/nested/proposals/guided.ts). `margin` should
   * cover the surrogate's worst underestimate of ln L; `spread` per point widens it there.
   */
  guide?: InferenceGuide;
}

export interface InferenceGuide extends GuideOptions {
  logLikelihood(batch: number[][]): SurrogateValues | Promise<SurrogateValues>;
}

export const DEFAULT_RETRY: RetryPlan = { maximumAttempts: 5, initialIntervalMs: 1000, backoffCoefficient: 2, maximumIntervalMs: 5_000 };

export function taskQueueName(queue: string): string {
  return `${process.env.SCIFLOW_TASK_QUEUE_PREFIX ?? 'sciflow'}-${queue}`;
}

/** Resolve a pipeline's stage declarations into the plan the workflow walks. */
export function buildPlan(
  pipeline: PipelineDefinition,
  config: { [key: string]: Json },
  runId: string,
  inputs: InputFile[],
  packageVersion: string,
): RunPlan {
  const stages = pipeline.stages(config, inputs);
  checkGraph(pipeline.name, stages);
  const plans: StagePlan[] = stages.map((s) => ({
    name: s.name,
    activity: s.activity,
    dependsOn: s.dependsOn ?? [],
    params: s.params,
    codeVersion: `${packageVersion}/${pipeline.name}@${pipeline.version}/${s.codeVersion ?? '1'}`,
    taskQueue: taskQueueName(s.queue ?? 'cpu'),
    startToCloseTimeoutMs: s.timeoutMs ?? 60 * 60 * 1000,
    // Every activity heartbeats at least once a second (activities/supervised.ts): a dead worker is noticed within this.
    heartbeatTimeoutMs: s.heartbeatTimeoutMs ?? 30 * 1000,
    retry: { ...DEFAULT_RETRY, ...s.retry },
    ...(s.fanOut && { fanOut: { concurrency: 4, ...s.fanOut, count: s.fanOut.values.length } }),
    ...(s.checkpointMs && { checkpointMs: s.checkpointMs }),
  }));
  return {
    runId,
    pipeline: pipeline.name,
    config,
    configHash: hashJson(config),
    seed: Number(config.seed ?? 0),
    codeVersion: packageVersion,
    inputs,
    stages: plans,
  };
}

/** Unique names, known dependencies, no cycles. */
function checkGraph(pipeline: string, stages: StageDefinition[]): void {
  const names = new Set<string>();
  for (const s of stages) {
    if (names.has(s.name)) throw new Error(`pipeline ${pipeline}: duplicate stage ${s.name}`);
    names.add(s.name);
  }
  for (const s of stages) {
    for (const d of s.dependsOn ?? []) {
      if (!names.has(d)) throw new Error(`pipeline ${pipeline}: stage ${s.name} depends on unknown stage ${d}`);
    }
  }
  const byName = new Map(stages.map((s) => [s.name, s]));
  for (const s of stages) {
    for (const d of s.fanOut?.alignedWith ?? []) {
      const count = byName.get(d)?.fanOut?.values.length;
      if (!s.dependsOn?.includes(d) || count !== s.fanOut!.values.length) {
        throw new Error(`pipeline ${pipeline}: stage ${s.name} is aligned with ${d}, which must be a dependency fanned out over as many branches (${s.fanOut!.values.length})`);
      }
    }
  }
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string): void => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') throw new Error(`pipeline ${pipeline}: cycle through stage ${name}`);
    state.set(name, 'visiting');
    for (const d of byName.get(name)!.dependsOn ?? []) visit(d);
    state.set(name, 'done');
  };
  stages.forEach((s) => visit(s.name));
}
