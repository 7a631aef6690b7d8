/**
 * Worker-thread side of parallel.ts (plain JavaScript: a worker's entry file is loaded before any
 * TypeScript loader could apply). It registers tsx when available so that the likelihood module
 * may be TypeScript, imports that module once, then answers { id, points (flat Float64Array), ndim }
 * with { id, values } or { id, error }.
 */
import { parentPort, workerData } from 'node:worker_threads';

const { moduleUrl, exportName } = workerData;
if (/\.[cm]?tsx?$/.test(new URL(moduleUrl).pathname)) {
  // Node 20 does not pass the parent's --import hooks on to worker threads.
  const { register } = await import('tsx/esm/api');
  register();
}
const loaded = await import(moduleUrl);
const evaluate = loaded[exportName];
if (typeof evaluate !== 'function') throw new Error(`${moduleUrl} has no exported function ${exportName}`);

parentPort.on('message', async ({ id, points, ndim }) => {
  try {
    const batch = [];
    for (let i = 0; i < points.length / ndim; i++) batch.push(Array.from(points.subarray(i * ndim, (i + 1) * ndim)));
    const values = Float64Array.from(await evaluate(batch));
    parentPort.postMessage({ id, values }, [values.buffer]);
  } catch (error) {
    parentPort.postMessage({ id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  }
});
parentPort.postMessage({ ready: true });
