/**
 * Evaluates expensive batch likelihoods on worker threads.
 *
 * The likelihood lives in a module (so each thread can import it): it exports a batch function
 * `(batch: number[][]) => number[] | Promise<number[]>`, the same shape as NestedProblem.logLikelihood.
 * A batch is cut into contiguous chunks, one per thread, and the answers are concatenated in order,
 * so results are identical to evaluating in-process — the sampler stays deterministic.
 * Worth it when one point costs well over the ~0.1 ms a round trip to a thread costs.
 */
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

export interface WorkerPoolOptions {
  /** Path (absolute or relative to the working directory) or file URL of the likelihood module. */
  module: string | URL;
  /** The module's export to call. Default 'logLikelihood'. */
  exportName?: string;
  /** Number of threads. Default: the machine's available parallelism. */
  threads?: number;
  /** Never give a thread fewer points than this (small batches go to fewer threads). Default 1. */
  minPointsPerThread?: number;
}

interface Pending {
  resolve(values: Float64Array): void;
  reject(error: Error): void;
}

export class WorkerPoolLikelihood {
  private nextId = 0;
  private readonly pending = new Map<number, Pending>();

  private constructor(
    private readonly workers: Worker[],
    private readonly minPointsPerThread: number,
  ) {
    for (const worker of workers) {
      worker.on('message', (message: { id: number; values?: Float64Array; error?: string }) => {
        const waiting = this.pending.get(message.id);
        if (!waiting) return;
        this.pending.delete(message.id);
        if (message.error !== undefined) waiting.reject(new Error(`likelihood worker failed: ${message.error}`));
        else waiting.resolve(message.values!);
      });
      worker.on('error', (error) => {
        for (const waiting of this.pending.values()) waiting.reject(error);
        this.pending.clear();
      });
    }
  }

  /** Starts the threads and waits until each has imported the module. */
  static async create(options: WorkerPoolOptions): Promise<WorkerPoolLikelihood> {
    const moduleUrl = options.module instanceof URL ? options.module.href : options.module.startsWith('file:') ? options.module : pathToFileURL(resolve(options.module)).href;
    const threads = Math.max(1, options.threads ?? availableParallelism());
    const workers = Array.from(
      { length: threads },
      () =>
        new Worker(new URL('./likelihood-worker.mjs', import.meta.url), {
          workerData: { moduleUrl, exportName: options.exportName ?? 'logLikelihood' },
        }),
    );
    try {
      await Promise.all(
        workers.map(
          (worker) =>
            new Promise<void>((ready, fail) => {
              worker.once('message', () => ready());
              worker.once('error', fail);
            }),
        ),
      );
    } catch (error) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw error;
    }
    return new WorkerPoolLikelihood(workers, Math.max(1, options.minPointsPerThread ?? 1));
  }

  get threads(): number {
    return this.workers.length;
  }

  /** The batch likelihood to put in a NestedProblem (or LogDensityProblem's logProb). */
  readonly logLikelihood = async (batch: number[][]): Promise<Float64Array> => {
    const n = batch.length;
    if (n === 0) return new Float64Array(0);
    const ndim = batch[0].length;
    const chunks = Math.max(1, Math.min(this.workers.length, Math.floor(n / this.minPointsPerThread)));
    const size = Math.ceil(n / chunks);
    const parts: Promise<Float64Array>[] = [];
    for (let c = 0, start = 0; start < n; c++, start += size) {
      const points = new Float64Array(Math.min(size, n - start) * ndim);
      for (let i = start; i < Math.min(start + size, n); i++) points.set(batch[i], (i - start) * ndim);
      parts.push(this.send(this.workers[c], points, ndim));
    }
    const out = new Float64Array(n);
    let offset = 0;
    for (const values of await Promise.all(parts)) {
      out.set(values, offset);
      offset += values.length;
    }
    return out;
  };

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private send(worker: Worker, points: Float64Array, ndim: number): Promise<Float64Array> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, points, ndim }, [points.buffer as ArrayBuffer]);
    });
  }
}
