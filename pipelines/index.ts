import { UserError } from '../lib/engine/errors.ts';
import type { PipelineDefinition } from '../lib/engine/pipeline.ts';
import { atmosphericRetrieval } from './atmospheric-retrieval/index.ts';
import { cosmology } from './cosmology/index.ts';
import { demo } from './demo/index.ts';
import { lisaGasTorque, lisaMbhb } from './lisa/index.ts';
import { rocketInstability } from './rocket-instability/index.ts';

/** Every pipeline sciflow knows, by name. A new domain adds its folder and one line here. */
const PIPELINES: Record<string, PipelineDefinition> = {
  [demo.name]: demo as unknown as PipelineDefinition,
  [cosmology.name]: cosmology as unknown as PipelineDefinition,
  [atmosphericRetrieval.name]: atmosphericRetrieval as unknown as PipelineDefinition,
  [rocketInstability.name]: rocketInstability as unknown as PipelineDefinition,
  [lisaMbhb.name]: lisaMbhb as unknown as PipelineDefinition,
  [lisaGasTorque.name]: lisaGasTorque as unknown as PipelineDefinition,
};

/**
 * Add a pipeline defined outside this folder (a user's own package, a test). Workers that should
 * run it must register it before they start.
 */
export function registerPipeline(pipeline: PipelineDefinition): void {
  if (PIPELINES[pipeline.name] && PIPELINES[pipeline.name] !== pipeline) throw new Error(`a pipeline named ${pipeline.name} is already registered`);
  PIPELINES[pipeline.name] = pipeline;
}

export function getPipeline(name: string): PipelineDefinition {
  const pipeline = PIPELINES[name];
  if (!pipeline) throw new UserError(`unknown pipeline "${name}" (available: ${Object.keys(PIPELINES).join(', ')})`);
  return pipeline;
}

export function listPipelines(): PipelineDefinition[] {
  return Object.values(PIPELINES);
}
