import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalJson, hashJson } from '../../lib/store/hash.ts';
import { int32Column, numberColumn, parquetToTable, tableFromColumns, tableFromRows, tableToParquet } from '../../lib/store/parquet.ts';
import { DamagedManifestError, RunStore } from '../../lib/store/run-store.ts';
import { UserError } from '../../lib/engine/errors.ts';
import type { RunManifest } from '../../lib/engine/types.ts';

const fresh = () => new RunStore(mkdtempSync(join(tmpdir(), 'sciflow-store-')));

const manifest = (runId: string, fields: Partial<RunManifest> = {}): RunManifest => ({
  runId, workflowId: runId, pipeline: 'demo', status: 'running', createdAt: '', updatedAt: '', executions: 1, config: {}, configHash: '',
  codeVersion: '', seed: 0, backend: {}, host: {}, inputs: [], stages: [], revision: 0, ...fields,
});

/** JSON.parse's message for a cut-off document ('Unexpected end of JSON input', 'Unterminated string in JSON …': it depends on the cut). */
const PARSE_ERROR = /^damaged manifest \(.*JSON.*\)$/;

/** Cut a written manifest in half, as a full disk or a killed copy would. */
function truncateManifest(store: RunStore, runId: string): void {
  const text = readFileSync(store.manifestPath(runId), 'utf8');
  writeFileSync(store.manifestPath(runId), text.slice(0, text.length / 2));
}

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
  assert.match((await store.damage(ref))!, /^corrupt: sha256 [0-9a-f]{12}… ≠ recorded [0-9a-f]{12}…$/);
  assert.match((await store.damage({ ...ref, uri: 'run1/s/none.parquet' }))!, /^missing from the run store/);
  assert.match((await store.damage({ ...ref, uri: '../elsewhere.parquet' }))!, /^outside the run store/);
  const intact = await store.put('run1', ['s', 'u'], tableFromColumns({ x: [3] }));
  assert.equal(await store.damage(intact), undefined);
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
  await store.writeManifest(manifest('r', { revision: 5 }));
  await store.writeManifest(manifest('r', { status: 'failed', revision: 4 }));
  assert.equal((await store.readManifest('r'))!.revision, 5);
});

test('a truncated or non-object manifest is a one-line user error naming the file; a missing one is no run', async () => {
  const store = fresh();
  await store.writeManifest(manifest('cut', { revision: 3 }));
  truncateManifest(store, 'cut');
  const error = await store.readManifest('cut').then(() => undefined, (err: unknown) => err);
  assert.ok(error instanceof DamagedManifestError && error instanceof UserError);
  assert.equal(error.message, `${store.manifestPath('cut')}: ${error.reason}; the run's artifacts are untouched`);
  assert.deepEqual([error.runId, error.path], ['cut', store.manifestPath('cut')]);
  assert.match(error.reason, PARSE_ERROR);
  for (const [text, reason] of [['[1, 2]', 'not a JSON object'], ['null', 'not a JSON object'], ['{"runId": "odd"}', 'runId, createdAt or stages missing']]) {
    mkdirSync(store.runDir('odd'), { recursive: true });
    writeFileSync(store.manifestPath('odd'), text);
    await assert.rejects(store.readManifest('odd'), { name: 'DamagedManifestError', reason: `damaged manifest (${reason})` });
  }
  assert.equal(await store.readManifest('absent'), undefined);
  writeFileSync(join(store.root, 'notes.txt'), 'a plain file at the store root is not a run');
  assert.equal(await store.readManifest('notes.txt'), undefined);
  // The workflow's next write replaces a damaged manifest, whatever revision it had.
  await store.writeManifest(manifest('cut', { status: 'completed', revision: 1 }));
  assert.equal((await store.readManifest('cut'))!.status, 'completed');
});

test('scanRuns lists the good runs oldest first and names every damaged manifest; listRuns keeps the good ones', async () => {
  const store = fresh();
  await store.writeManifest(manifest('newer', { createdAt: '2024-02-01T00:00:00.000Z' }));
  await store.writeManifest(manifest('older', { createdAt: '2024-01-01T00:00:00.000Z' }));
  await store.writeManifest(manifest('cut', { createdAt: '2023-01-01T00:00:00.000Z' }));
  truncateManifest(store, 'cut');
  for (const notARun of ['.cache', 'old..copy']) mkdirSync(join(store.root, notARun));
  writeFileSync(join(store.root, 'notes.txt'), '');
  const { manifests, damaged } = await store.scanRuns();
  assert.deepEqual(manifests.map((m) => m.runId), ['older', 'newer']);
  assert.deepEqual(damaged.map(({ runId, path }) => [runId, path]), [['cut', store.manifestPath('cut')]]);
  assert.match(damaged[0]!.reason, PARSE_ERROR);
  assert.deepEqual((await store.listRuns()).map((m) => m.runId), ['older', 'newer']);
  assert.deepEqual(await new RunStore(join(store.root, 'no-such-store')).scanRuns(), { manifests: [], damaged: [] });
});

test('counts are int32 columns through Parquet; a non-integer count is refused with its column named', () => {
  const table = parquetToTable(tableToParquet(tableFromRows([{ ncall: 575701, logZ: 393.5 }, { ncall: 12, logZ: -1.5 }], ['ncall'])));
  assert.deepEqual(table.schema.fields.map((f) => [f.name, String(f.type)]), [['ncall', 'Int32'], ['logZ', 'Float64']]);
  assert.deepEqual(Array.from(numberColumn(table, 'ncall')), [575701, 12]);
  assert.throws(() => int32Column('ncall', [1, 2.5]), /column ncall: 2.5 is not a 32-bit integer count/);
  assert.throws(() => int32Column('ncall', [2 ** 31]), /not a 32-bit integer count/);
});
