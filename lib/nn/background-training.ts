/**
 * Trains surrogates on a worker thread, so a sampler can keep evaluating its true likelihood while
 * a network learns it. One thread, started on first use, one training at a time; the same job gives
 * the same network as runTrainingJob in-process (same backend, seeds and data).
 */
import { Worker } from 'node:worker_threads';
import type { TrainingJob, TrainingJobResult } from './training-job.ts';

export class BackgroundTrainer {
  private worker: Worker | null = null;
  private started: Promise<Worker> | null = null;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve(r: TrainingJobResult): void; reject(e: Error): void }>();

  /** Starts `job` on the thread; the promise settles when the network is trained. */
  async train(job: TrainingJob): Promise<TrainingJobResult> {
    const worker = await this.thread();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // An idle thread must not keep the process alive; a busy one must.
      worker.ref();
      worker.postMessage({ id, job });
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    this.started = null;
    this.failAll(new Error('background trainer closed'));
    await worker?.terminate();
  }

  private thread(): Promise<Worker> {
    this.started ??= new Promise<Worker>((ready, fail) => {
      const worker = new Worker(new URL('./training-worker.mjs', import.meta.url));
      worker.once('message', () => {
        this.worker = worker;
        worker.on('message', (m: { id: number; result?: TrainingJobResult; error?: string }) => {
          const waiting = this.pending.get(m.id);
          if (!waiting) return;
          this.pending.delete(m.id);
          if (this.pending.size === 0) worker.unref();
          if (m.error !== undefined) waiting.reject(new Error(`background training failed: ${m.error}`));
          else waiting.resolve(m.result!);
        });
        ready(worker);
      });
      worker.on('error', (error) => {
        fail(error);
        this.failAll(error);
      });
      // A thread that dies without an error event must not leave a caller waiting for ever.
      worker.on('exit', (code) => {
        const error = new Error(`training thread exited (code ${code})`);
        fail(error);
        this.failAll(error);
        if (this.worker === worker) [this.worker, this.started] = [null, null];
      });
    });
    return this.started;
  }

  private failAll(error: Error): void {
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
  }
}
