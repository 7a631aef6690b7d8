import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalJson, hashJson } from '../../lib/store/hash.ts';
import { numberColumn, tableFromColumns } from '../../lib/store/parquet.ts';
import { RunStore } from '../../lib/store/run-store.ts';
import type { RunManifest } from '../../lib/engine/types.ts';

const fresh = () => new RunStore(mkdtempSync(join(tmpdir(), 'sciflow-store-')));

test('put → get round-trips numbers, strings, timestamps and lists through Parquet with the recorded hash', async () => {
  const store = fresh();
  const ref = await store.put('run1', ['stage', 'table'], tableFromColumns({
    x: Float64Array.from([0.1, 0.2, 0.3]),
    name: ['a', 'b', 'c'],
    at: [new Date(0), new Date(1000), new Date(2000)],
    draws: [[1, 2], [3], []],
  }));
  assert.equal(ref.uri, 'run1/stage/table.parquet');
  assert.equal(ref.rows, 3);
  assert.deepEqual(ref.schema.map((f) => f.type), ['Float64', 'Utf8', 'Timestamp<MILLISECOND>', 'List<Float64>']);
  const table = await store.get(ref);
  assert.deepEqual(Array.from(numberColumn(table, 'x')), [0.1, 0.2, 0.3]);
  assert.deepEqual(readdirSync(join(store.root, 'run1', 'stage')), ['table.parquet'], 'no temp files left behind');
});

test('a corrupt or missing artifact is refused, never read', async () => {
  const store = fresh();
  const ref = await store.put('run1', ['s', 't'], tableFromColumns({ x: [1, 2] }));
  writeFileSync(store.resolveUri(ref.uri), 'not parquet');
  await assert.rejects(store.get(ref), /is corrupt: sha256/);
  assert.equal(await store.verify(ref), false);
  await assert.rejects(store.get({ ...ref, uri: 'run1/s/none.parquet' }), /is missing/);
});

test('paths and run ids cannot leave the store', () => {
  const store = fresh();
  assert.throws(() => store.resolveUri('../outside.parquet'), /outside the run store/);
  assert.throws(() => store.resolveUri('/etc/passwd'), /outside the run store/);
  assert.throws(() => store.runDir('../x'), /run id/);
  assert.throws(() => store.runDir('a/b'), /run id/);
});

test('canonical JSON ignores key order, so equal configs have equal hashes', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: 3 } }), '{"a":{"c":3,"d":[1,{"x":1,"y":2}]},"b":1}');
  assert.equal(hashJson({ a: 1, b: 2 }), hashJson({ b: 2, a: 1 }));
  assert.notEqual(hashJson({ a: 1 }), hashJson({ a: 2 }));
});

test('manifests never go back to an older revision', async () => {
  const store = fresh();
  const base: RunManifest = { runId: 'r', workflowId: 'r', pipeline: 'demo', status: 'running', createdAt: '', updatedAt: '', executions: 1, config: {}, configHash: '', codeVersion: '', seed: 0, backend: {}, host: {}, inputs: [], stages: [], revision: 0 };
  await store.writeManifest({ ...base, revision: 5 });
  await store.writeManifest({ ...base, status: 'failed', revision: 4 });
  assert.equal((await store.readManifest('r'))!.revision, 5);
});
