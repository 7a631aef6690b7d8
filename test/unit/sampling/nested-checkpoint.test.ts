/**
 * Determinism and checkpoint/restore: a run paused, serialised to JSON text, restored and continued
 * (several times) must end bit-for-bit where the uninterrupted run ends.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NestedSampler, type NestedCheckpoint, type NestedProblem, type NestedSamplerOptions } from '../../../lib/sampling/index.ts';
import { gaussian, gaussianShells } from '../../../lib/sampling/reference-problems.ts';

async function uninterrupted(problem: NestedProblem, options: NestedSamplerOptions) {
  const sampler = new NestedSampler(problem, options);
  await sampler.run();
  return sampler.result();
}

/** Pauses every `every` iterations, round-trips the checkpoint through JSON text, and restores. */
async function withRestarts(problem: NestedProblem, options: NestedSamplerOptions, every: number, edit: (checkpoint: NestedCheckpoint) => void = () => {}) {
  let sampler = new NestedSampler(problem, options);
  let restarts = 0;
  for (;;) {
    const start = sampler.progress().iteration;
    const status = await sampler.run({ shouldStop: () => sampler.progress().iteration - start >= every });
    if (status.finished) break;
    const text = JSON.stringify(sampler.checkpoint());
    const checkpoint = JSON.parse(text);
    edit(checkpoint);
    sampler = NestedSampler.restore(problem, checkpoint);
    restarts++;
  }
  return { result: sampler.result(), restarts };
}

describe('nested sampling: determinism and checkpoints', () => {
  it('the same seed gives the same numbers; another seed does not', async () => {
    const problem = gaussian(2);
    const a = await uninterrupted(problem, { nlive: 100, seed: 3 });
    const b = await uninterrupted(problem, { nlive: 100, seed: 3 });
    const c = await uninterrupted(problem, { nlive: 100, seed: 4 });
    assert.equal(a.logZ, b.logZ);
    assert.deepEqual(a.samples, b.samples);
    assert.notEqual(a.logZ, c.logZ);
  });

  it('multi-ellipsoid + uniform proposals: pause, JSON round trip, restore, continue = uninterrupted', async () => {
    const problem = gaussianShells(2);
    const options = { nlive: 200, seed: 11 };
    const reference = await uninterrupted(problem, options);
    const { result, restarts } = await withRestarts(problem, options, 137);
    assert.ok(restarts >= 5, `only ${restarts} restarts`);
    assert.equal(result.logZ, reference.logZ);
    assert.equal(result.logZerr, reference.logZerr);
    assert.equal(result.ncall, reference.ncall);
    assert.deepEqual(result.samples, reference.samples);
    assert.deepEqual(result.equalWeight, reference.equalWeight);
  });

  it('importance nested sampling: every evaluated point survives the round trip, ln Z and samples identical', async () => {
    const problem = gaussianShells(2);
    const options = { nlive: 150, seed: 7, importance: true };
    const reference = await uninterrupted(problem, options);
    const { result, restarts } = await withRestarts(problem, options, 101);
    assert.ok(restarts >= 5, `only ${restarts} restarts`);
    assert.ok(reference.nested && reference.nested.points === reference.ncall);
    assert.equal(result.logZ, reference.logZ);
    assert.equal(result.logZerr, reference.logZerr);
    assert.deepEqual(result.nested, reference.nested);
    assert.deepEqual(result.samples, reference.samples);
    assert.deepEqual(result.equalWeight, reference.equalWeight);
    // Checkpoints written before the volume tallies were kept: the tallies are recomputed, bit for bit.
    const older = await withRestarts(problem, options, 101, (c) => delete c.draws!.volumes);
    assert.deepEqual(older.result, reference);
  });

  it('slice proposals with parallel chains: restore continues identically', async () => {
    const problem = gaussian(2);
    const options = { nlive: 60, seed: 5, proposal: 'slice' as const, slices: 4, parallelProposals: 3 };
    const reference = await uninterrupted(problem, options);
    const { result, restarts } = await withRestarts(problem, options, 53);
    assert.ok(restarts >= 3);
    assert.equal(result.logZ, reference.logZ);
    assert.deepEqual(result.samples, reference.samples);
  });

  it('a checkpoint taken before the first iteration restores too, and step() advances exactly', async () => {
    const problem = gaussian(2);
    const options = { nlive: 50, seed: 9 };
    const reference = await uninterrupted(problem, options);
    const fresh = NestedSampler.restore(problem, JSON.parse(JSON.stringify(new NestedSampler(problem, options).checkpoint())));
    const status = await fresh.step(10);
    assert.deepEqual(status, { finished: false, reason: 'paused' });
    assert.equal(fresh.progress().iteration, 10);
    await fresh.run();
    assert.equal(fresh.result().logZ, reference.logZ);
  });

  it('reports progress, honours maxCalls, and checkpoints survive −∞ likelihoods', async () => {
    // Zero likelihood on half the cube puts −∞ into live points, dead points and weights.
    const base = gaussian(2);
    const problem: NestedProblem = {
      ...base,
      logLikelihood: async (batch) => {
        const values = (await base.logLikelihood(batch)) as number[];
        return values.map((v, i) => (batch[i][0] < 0.3 ? -Infinity : v));
      },
    };
    const sampler = new NestedSampler(problem, { nlive: 80, seed: 2, maxCalls: 400 });
    const seen: number[] = [];
    const status = await sampler.run({ onProgress: (p) => void seen.push(p.ncall), progressEvery: 20 });
    assert.deepEqual(status, { finished: true, reason: 'maxCalls' });
    assert.ok(seen.length >= 2 && seen.every((n, i) => i === 0 || n >= seen[i - 1]));
    const checkpoint = JSON.parse(JSON.stringify(sampler.checkpoint()));
    assert.ok(JSON.stringify(checkpoint).includes('"-Infinity"'));
    const restored = NestedSampler.restore(problem, checkpoint);
    assert.deepEqual(restored.result().samples, sampler.result().samples);
  });

  it('rejects a likelihood that returns NaN, with the offending point in the message', async () => {
    const problem: NestedProblem = { ndim: 1, priorTransform: (u) => u, logLikelihood: (batch) => batch.map(() => NaN) };
    await assert.rejects(new NestedSampler(problem, { nlive: 10 }).run(), /logLikelihood returned NaN at θ = \[/);
  });
});
