import { UserError } from '../lib/engine/errors.ts';
import type { PipelineDefinition } from '../lib/engine/pipeline.ts';
import { demo } from './demo/index.ts';

/** Every pipeline sciflow knows, by name. A new domain adds its folder and one line here. */
const PIPELINES: Record<string, PipelineDefinition> = {
  [demo.name]: demo as unknown as PipelineDefinition,
};

export function getPipeline(name: string): PipelineDefinition {
  const pipeline = PIPELINES[name];
  if (!pipeline) throw new UserError(`unknown pipeline "${name}" (available: ${Object.keys(PIPELINES).join(', ')})`);
  return pipeline;
}

export function listPipelines(): PipelineDefinition[] {
  return Object.values(PIPELINES);
}
