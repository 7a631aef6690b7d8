/**
 * The nested-sampling stage with a pipeline's surrogate (InferenceProblem.guide): the stage's
 * settings override the problem's, `guide: false` turns it off, and the evidence row carries the
 * guided counts (and stays as before without a surrogate). Runs runNestedStage with an in-memory
 * context and checkpointer, no Temporal.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Table } from 'apache-arrow';
import { runNestedStage, stageGuide, type NestedParams } from '../../../activities/nested-sampling.ts';
import type { InferenceGuide, InferenceProblem } from '../../../lib/engine/pipeline.ts';
import { Rng } from '../../../lib/random.ts';
import { parquetToTable, tableToParquet } from '../../../lib/store/parquet.ts';
import { gaussian } from '../../../lib/sampling/reference-problems.ts';

const reference = gaussian(3);
const exact = (batch: number[][]) => reference.logLikelihood(batch) as number[];
const problem: InferenceProblem = {
  paramNames: ['a', 'b', 'c'],
  priorTransform: reference.priorTransform,
  logLikelihood: exact,
  guide: { margin: 0.5, auditFraction: 0.02, logLikelihood: (batch) => ({ logL: exact(batch).map((v) => v - 0.3) }) },
};

async function stage(params: NestedParams, guide: InferenceGuide | undefined) {
  const written: Record<string, Table> = {};
  const ctx = { params, rng: Rng.fromSeed(1), write: async (name: string, table: Table) => (written[name] = table) };
  const checkpointer = { runInSlices: async (slice: (stop: () => boolean) => Promise<boolean>) => { while (!(await slice(() => false))); } };
  // The stage runtime's context and Temporal checkpointer are replaced by what runNestedStage uses.
  const summary = await runNestedStage(ctx as never, problem, exact, checkpointer as never, undefined, () => null, () => ({ counts: {}, timings: {} }), guide);
  return { summary, evidence: written.evidence!.toArray()[0]!.toJSON() as Record<string, number>, table: written.evidence! };
}

describe('nested-sampling stage with a surrogate', () => {
  it('stage settings override the problem’s; guide: false or no surrogate means none', () => {
    const guide = stageGuide(problem, { problem: 'p', guide: { margin: 3 } })!.guide;
    assert.deepEqual([guide.margin, guide.auditFraction, guide.spreadFactor], [3, 0.02, undefined]);
    assert.equal(stageGuide(problem, { problem: 'p', guide: false }), undefined);
    assert.equal(stageGuide({ ...problem, guide: undefined }, { problem: 'p' }), undefined);
  });

  it('the evidence row carries full and surrogate calls, audits, failures and the margin', async () => {
    const params: NestedParams = { problem: 'p', nlive: 60, samplerSeed: 3 };
    const guided = await stage(params, stageGuide(problem, params)!.guide);
    const { evidence } = guided;
    assert.equal(evidence.full_calls, evidence.ncall);
    assert.ok(evidence.surrogate_calls > 5 * evidence.ncall, `surrogate ${evidence.surrogate_calls}, exact ${evidence.ncall}`);
    assert.ok(evidence.audits > 0 && evidence.audits < evidence.ncall);
    assert.deepEqual([evidence.audit_failures, evidence.start_failures, evidence.margin], [0, 0, 0.5]);
    assert.ok(Math.abs(evidence.logZ - reference.truth) < 3 * evidence.logZerr);
    assert.equal(guided.summary.surrogate_calls, evidence.surrogate_calls);
    // Counts are int32 in the Parquet file (pyarrow/DuckDB read integers), the rest float64.
    const types = Object.fromEntries(parquetToTable(tableToParquet(guided.table)).schema.fields.map((f) => [f.name, String(f.type)]));
    for (const count of ['ncall', 'niter', 'nlive', 'full_calls', 'surrogate_calls', 'audits', 'audit_failures', 'start_failures', 'blocks', 'blocks_kept']) assert.equal(types[count], 'Int32', count);
    for (const real of ['logZ', 'logZerr', 'H', 'ess', 'efficiency', 'margin']) assert.equal(types[real], 'Float64', real);

    const plain = await stage(params, undefined);
    assert.deepEqual(Object.keys(plain.evidence), ['logZ', 'logZerr', 'H', 'ncall', 'niter', 'nlive', 'ess', 'efficiency']);
  });
});
