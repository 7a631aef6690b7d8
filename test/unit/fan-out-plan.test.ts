/** How a fan-out is planned: counts, aligned dependencies, and the split into child-workflow batches. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { batchConcurrency, batches, isLargeFanOut } from '../../lib/engine/fan-out.ts';
import { buildPlan, type PipelineDefinition, type StageDefinition } from '../../lib/engine/pipeline.ts';

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const pipeline = (stages: StageDefinition[]): PipelineDefinition => ({ name: 'p', description: '', version: '1', schema: z.object({ seed: z.number() }), stages: () => stages });
const plan = (stages: StageDefinition[]) => buildPlan(pipeline(stages), { seed: 1 }, 'run', [], '0');
const fanned = (name: string, n: number, extra: Partial<StageDefinition> = {}): StageDefinition => ({ name, activity: 'simulate', params: {}, fanOut: { param: 'i', values: range(n) }, ...extra });

test('a fan-out is planned with its branch count; more than 64 branches is a large one', () => {
  const [small, large] = plan([fanned('a', 64), fanned('b', 65)]).stages;
  assert.deepEqual([small!.fanOut!.count, large!.fanOut!.count], [64, 65]);
  assert.deepEqual([isLargeFanOut(small!), isLargeFanOut(large!), isLargeFanOut({})], [false, true, false]);
});

test('alignedWith must name a dependency fanned out over as many branches', () => {
  const a = fanned('a', 100);
  assert.doesNotThrow(() => plan([a, fanned('b', 100, { dependsOn: ['a'], fanOut: { param: 'i', values: range(100), alignedWith: ['a'] } })]));
  assert.throws(() => plan([a, fanned('b', 100, { fanOut: { param: 'i', values: range(100), alignedWith: ['a'] } })]), /stage b is aligned with a, which must be a dependency/);
  assert.throws(() => plan([a, fanned('b', 99, { dependsOn: ['a'], fanOut: { param: 'i', values: range(99), alignedWith: ['a'] } })]), /as many branches \(99\)/);
});

test('batches cover every branch once, 1000 at most; two run at once and share the concurrency', () => {
  const split = batches(2500);
  assert.deepEqual(split, [{ from: 0, to: 1000 }, { from: 1000, to: 2000 }, { from: 2000, to: 2500 }]);
  assert.deepEqual(batchConcurrency(64, 3), { batches: 2, branches: 32 });
  assert.deepEqual(batchConcurrency(64, 1), { batches: 1, branches: 64 });
  assert.deepEqual(batchConcurrency(1, 5), { batches: 1, branches: 1 });
});
