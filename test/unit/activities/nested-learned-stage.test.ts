/**
 * The nested-sampling stage with `learnedBound`: the sampler gets lib/nn's rank trainer, the
 * evidence row counts the networks trained (an int32 column) and keeps the discarded exploration's
 * estimate, and ln Z stays with the exact evidence. Runs runNestedStage with an in-memory context and checkpointer, no Temporal.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Table } from 'apache-arrow';
import { runNestedStage } from '../../../activities/nested-sampling.ts';
import type { InferenceProblem } from '../../../lib/engine/pipeline.ts';
import { Rng } from '../../../lib/random.ts';
import { gaussianShells } from '../../../lib/sampling/reference-problems.ts';
import { parquetToTable, tableToParquet } from '../../../lib/store/parquet.ts';
import { useDefaultBackend } from '../nn/helpers.ts';

await useDefaultBackend();

it('nested-sampling stage with learnedBound: networks trained and counted, the exploration discarded and kept on record, ln Z within 3.5σ', async () => {
  // Two shells at 50 live points: draws from the ellipsoids fall below 20% efficiency late, two trainings.
  const reference = gaussianShells(2);
  const problem: InferenceProblem = { paramNames: ['a', 'b'], priorTransform: reference.priorTransform, logLikelihood: reference.logLikelihood as InferenceProblem['logLikelihood'] };
  const written: Record<string, Table> = {};
  const ctx = { params: { problem: 'p', nlive: 50, samplerSeed: 4, importance: true, learnedBound: true }, rng: Rng.fromSeed(1), write: async (name: string, table: Table) => (written[name] = table) };
  const checkpointer = { runInSlices: async (slice: (stop: () => boolean) => Promise<boolean>) => { while (!(await slice(() => false))); } };
  await runNestedStage(ctx as never, problem, problem.logLikelihood, checkpointer as never, undefined, () => null, () => ({ counts: {}, timings: {} }));
  const evidence = written.evidence!.toArray()[0]!.toJSON() as Record<string, number>;
  assert.ok(evidence.trainings > 0, `trainings ${evidence.trainings}`);
  assert.ok(Math.abs(evidence.logZ - reference.truth) < 3.5 * evidence.logZerr, `ln Z ${evidence.logZ} ± ${evidence.logZerr}, truth ${reference.truth}`);
  // The estimate comes from fresh draws made after the run, aimed at the exploration's own σ.
  assert.ok(Number.isFinite(evidence.exploration_logZ) && evidence.exploration_logZ !== evidence.logZ);
  assert.ok(evidence.logZerr <= evidence.exploration_logZerr, `σ ${evidence.logZerr} vs the exploration's ${evidence.exploration_logZerr}`);
  const types = Object.fromEntries(parquetToTable(tableToParquet(written.evidence!)).schema.fields.map((f) => [f.name, String(f.type)]));
  assert.equal(types.trainings, 'Int32');
});
