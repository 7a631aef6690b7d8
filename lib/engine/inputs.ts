import { readFile } from 'node:fs/promises';
import { sha256 } from '../store/hash.ts';
import { UserError } from './errors.ts';
import type { PipelineDefinition } from './pipeline.ts';
import type { InputFile, Json } from './types.ts';

/**
 * The data files a run reads, each with its content hash (globs resolve to the newest match now, so
 * a scheduled run sees new data), then checked by the pipeline's own reader. The one path for the
 * CLI (through loadConfig: a bad file is refused before anything is submitted) and for planRun (a
 * scheduled run that picks up a bad file fails non-retryably with the same message).
 * `locate(key)` says where a config key was set (`file:line`), for the not-found message.
 */
export async function resolveInputFiles(
  pipeline: PipelineDefinition,
  config: { [key: string]: Json },
  locate: (key: string) => string,
): Promise<InputFile[]> {
  const inputs: InputFile[] = [];
  for (const ref of (await pipeline.dataFiles?.(config)) ?? []) {
    const bytes = await readFile(ref.path).catch(() => {
      throw new UserError(`${locate(ref.key)}: ${ref.key}: data file not found: ${ref.path}`);
    });
    inputs.push({ path: ref.path, sha256: sha256(bytes), bytes: bytes.length });
  }
  await pipeline.checkData?.(config, inputs);
  return inputs;
}
