/**
 * Worker-thread likelihood batches give exactly the in-process numbers, so a nested run on a pool
 * equals the same run in-process.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { NestedSampler, WorkerPoolLikelihood } from '../../../lib/sampling/index.ts';
import { gaussianShells } from '../../../lib/sampling/reference-problems.ts';

const fixture = new URL('./fixtures/shells-likelihood.ts', import.meta.url);

describe('worker-thread likelihood pool', () => {
  let pool: WorkerPoolLikelihood;
  before(async () => {
    pool = await WorkerPoolLikelihood.create({ module: fixture, threads: 2 });
  });
  after(() => pool.close());

  it('splits a batch across threads and returns the in-process values in order', async () => {
    const problem = gaussianShells(2);
    const batch = Array.from({ length: 101 }, (_, i) => [-6 + (12 * i) / 100, Math.sin(i)]);
    const local = await problem.logLikelihood(batch);
    const pooled = await pool.logLikelihood(batch);
    assert.deepEqual(Array.from(pooled), Array.from(local));
    assert.equal(pool.threads, 2);
  });

  it('a nested run on the pool equals the in-process run bit for bit', async () => {
    const problem = gaussianShells(2);
    const options = { nlive: 100, seed: 21 };
    const local = new NestedSampler(problem, options);
    await local.run();
    const pooled = new NestedSampler({ ...problem, logLikelihood: pool.logLikelihood }, options);
    await pooled.run();
    assert.equal(pooled.result().logZ, local.result().logZ);
    assert.deepEqual(pooled.result().samples, local.result().samples);
  });

  it('reports a missing export as an error', async () => {
    await assert.rejects(WorkerPoolLikelihood.create({ module: fixture, exportName: 'nope', threads: 1 }), /no exported function nope/);
  });
});
