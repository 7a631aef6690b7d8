/**
 * Worker-thread side of background-training.ts (plain JavaScript: a worker's entry file is loaded
 * before any TypeScript loader could apply). Registers tsx, selects the tfjs backend the way the
 * parent does (same environment, same choice), then answers { id, job } with { id, result } or
 * { id, error }, one training at a time.
 */
import { parentPort } from 'node:worker_threads';

// Node 20 does not pass the parent's --import hooks on to worker threads.
const { register } = await import('tsx/esm/api');
register();
const { runTrainingJob } = await import('./training-job.ts');

parentPort.on('message', async ({ id, job }) => {
  try {
    parentPort.postMessage({ id, result: await runTrainingJob(job) });
  } catch (error) {
    parentPort.postMessage({ id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  }
});
parentPort.postMessage({ ready: true });
