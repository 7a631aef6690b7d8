import { test } from 'node:test';
import assert from 'node:assert/strict';
import { equalWeightTable } from '../../../activities/equal-weight.ts';
import { posteriorSamplesTable } from '../../../activities/nested-sampling.ts';
import { Rng } from '../../../lib/random.ts';
import { numberColumn, tableFromColumns } from '../../../lib/store/parquet.ts';

test('equal-weight draws: each row n·w times (rounded either way), parameter columns only, random order, deterministic per stream', () => {
  const n = 300;
  const rng = Rng.fromSeed(3);
  const raw = Array.from({ length: n }, (_, i) => (i % 10 === 0 ? 0 : rng.uniform() ** 3));
  const total = raw.reduce((a, b) => a + b, 0);
  const weight = raw.map((w) => w / total);
  const table = posteriorSamplesTable(['x', 'y'], weight.map((_, i) => [i, -i]), weight, weight.map(Math.log), weight.map(() => 0));
  const equal = equalWeightTable(table, Rng.fromSeed(1))!;
  assert.deepEqual(equal.schema.fields.map((f) => f.name), ['x', 'y']);
  assert.equal(equal.numRows, n);
  const x = numberColumn(equal, 'x');
  const counts = new Array(n).fill(0);
  x.forEach((v) => counts[v]++);
  counts.forEach((c, i) => assert.ok(c === Math.floor(n * weight[i]!) || c === Math.ceil(n * weight[i]!), `row ${i}: ${c} draws for n·w = ${(n * weight[i]!).toFixed(3)}`));
  assert.ok(numberColumn(equal, 'y').every((y, k) => y === -x[k]!), 'rows stay whole');
  assert.notDeepEqual(Array.from(x), [...x].sort((a, b) => a - b), 'rows come in random order');
  assert.deepEqual(Array.from(numberColumn(equalWeightTable(table, Rng.fromSeed(1))!, 'x')), Array.from(x));
  assert.equal(equalWeightTable(tableFromColumns({ x: [1, 2] }), Rng.fromSeed(1)), undefined, 'no weight column: nothing to resample');
});
