export { NestedSampler, resolveOptions } from './sampler.ts';
export type {
  BatchLogLikelihood,
  NestedCheckpoint,
  NestedProblem,
  NestedProgress,
  NestedResult,
  NestedSamplerOptions,
  ProposalKind,
  RunControls,
  RunStatus,
  StopReason,
} from './types.ts';
export type { BoundKind } from './bound.ts';
export type { SliceWhitening } from './proposals/slice.ts';
export type { GuideOptions, GuideStats, SurrogateGuide, SurrogateValues } from './proposals/guided.ts';
export { DegenerateLikelihoodError } from './errors.ts';
export { mergeNestedRuns, type MergedRun, type RunPoints } from './merge.ts';
export { nestedRunTrace, type NestedRunTrace } from './trace.ts';

import { NestedSampler } from './sampler.ts';
import type { NestedProblem, NestedResult, NestedSamplerOptions, RunControls } from './types.ts';

/** One-shot convenience: run to a stopping rule and return the result. */
export async function nestedSample(problem: NestedProblem, options: NestedSamplerOptions = {}, controls: Omit<RunControls, 'shouldStop'> = {}): Promise<NestedResult> {
  const sampler = new NestedSampler(problem, options);
  await sampler.run(controls);
  return sampler.result();
}
