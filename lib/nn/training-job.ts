/**
 * One surrogate training as plain data in, plain data out: what a background thread runs
 * (training-worker.mjs) and what runs in-process when a caller wants to wait for it anyway.
 */
import { selectBackend } from './backend.ts';
import { fitSurrogate, type SerializedSurrogate, type SurrogateConfig, type SurrogateProgress } from './surrogate.ts';

export interface TrainingJob {
  inputs: number[][];
  outputs: number[][];
  config: Partial<SurrogateConfig>;
  /** Warm start from this network (see SurrogateTrainingHooks.initialFrom). */
  initialFrom: SerializedSurrogate | null;
}

export interface TrainingJobResult {
  network: SerializedSurrogate;
  /** Wall seconds the training took where it ran. */
  seconds: number;
}

export async function runTrainingJob(job: TrainingJob, onEpoch?: (progress: SurrogateProgress) => void | Promise<void>): Promise<TrainingJobResult> {
  await selectBackend();
  const t0 = performance.now();
  const fit = await fitSurrogate(job.inputs, job.outputs, job.config, {
    ...(onEpoch && { onEpoch }),
    ...(job.initialFrom && { initialFrom: job.initialFrom }),
  });
  const network = fit.surrogate.serialize();
  fit.surrogate.dispose();
  return { network, seconds: (performance.now() - t0) / 1000 };
}
