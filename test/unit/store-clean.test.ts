/** `sciflow clean`'s planner (lib/store/clean.ts): what no run needs, and what every kind of run keeps. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { branchIndexTable } from '../../lib/engine/branch-index.ts';
import type { RunManifest, RunStatus, StageRecord } from '../../lib/engine/types.ts';
import { applyClean, planClean } from '../../lib/store/clean.ts';
import { sha256 } from '../../lib/store/hash.ts';
import { CHECKPOINT_ARTIFACT, RunStore } from '../../lib/store/run-store.ts';

const key = (name: string) => sha256(name);

const stage = (status: StageRecord['status'], fields: Partial<StageRecord> = {}): StageRecord => ({
  name: 'fit', activity: 'nestedSampling', dependsOn: [], status, cached: false, branches: 1, cachedBranches: 0, cacheKeys: [], ...fields,
});

const manifest = (runId: string, status: RunStatus, stages: StageRecord[]): RunManifest => ({
  runId, workflowId: runId, pipeline: 'demo', status, createdAt: '2026-01-01T00:00:00Z', updatedAt: '', executions: 1, config: {}, configHash: '',
  codeVersion: '', seed: 0, backend: {}, host: {}, inputs: [], stages, revision: 1,
});

test('clean plans exactly what no run needs: dead cache entries, finished and superseded checkpoints; keeps unfinished, running and damaged runs\' files', async () => {
  const store = new RunStore(mkdtempSync(join(tmpdir(), 'sciflow-clean-')));
  const cacheEntry = (name: string, runId: string) => store.writeIndex('cache', key(name), { result: { outputs: {} }, runId, stage: 'fit' });
  const checkpoint = (runId: string, state: number) => store.putJsonVersion(runId, ['fit', CHECKPOINT_ARTIFACT], { state });

  // A completed run: its recorded cache key stays; a key it no longer records and its leftover checkpoint go.
  await store.writeManifest(manifest('done', 'completed', [stage('completed', { cacheKeys: [key('done-fit')] })]));
  await cacheEntry('done-fit', 'done');
  await cacheEntry('done-fit-before-amend', 'done');
  const doneCheckpoint = await checkpoint('done', 1);
  await store.writeIndex('checkpoints', key('done-fit'), doneCheckpoint);
  // A deleted run: its cache entry and its checkpoint pointer go.
  await cacheEntry('gone-fit', 'gone');
  await store.writeIndex('checkpoints', key('gone-fit'), { uri: 'gone/fit/checkpoint-0000000000000000.parquet' });
  // A failed run: the checkpoint its pointer names and the cache entries of its finished branches stay (a resume needs them); an older version goes.
  await store.writeManifest(manifest('failed', 'failed', [stage('failed')]));
  const older = await checkpoint('failed', 1);
  const newest = await checkpoint('failed', 2);
  await store.writeIndex('checkpoints', key('failed-fit'), newest);
  await cacheEntry('failed-branch', 'failed');
  // A running stage: every checkpoint version stays (its writer removes the superseded ones).
  await store.writeManifest(manifest('live', 'running', [stage('running')]));
  const live = [await checkpoint('live', 1), await checkpoint('live', 2)];
  // A damaged manifest: nothing of that run is touched.
  await store.writeManifest(manifest('broken', 'failed', [stage('failed')]));
  writeFileSync(store.manifestPath('broken'), '{"runId": "bro');
  await cacheEntry('broken-fit', 'broken');
  const brokenCheckpoint = await checkpoint('broken', 1);
  // A large fan-out records its cache keys in its branch index, not the manifest.
  const index = await store.put('wide', ['draws', 'branches'], branchIndexTable([{ outputs: {}, summary: {}, resumedFromCheckpoint: false, checkpointsSaved: 0, cacheKey: key('wide-0') }]));
  await store.writeManifest(manifest('wide', 'completed', [stage('completed', { name: 'draws', branches: 2000, outputs: { branches: [], index, count: 1 } })]));
  await cacheEntry('wide-0', 'some-deleted-run');
  // An entry nobody can read.
  mkdirSync(join(store.root, '.cache'), { recursive: true });
  writeFileSync(join(store.root, '.cache', `${key('garbage')}.json`), '{not json');

  const plan = await planClean(store);
  const planned = plan.items.map((i) => [i.kind, i.path]).sort();
  const cachePath = (name: string) => `.cache/${key(name)}.json`;
  const pointerPath = (name: string) => `.checkpoints/${key(name)}.json`;
  assert.deepEqual(planned, [
    ['cache', cachePath('done-fit-before-amend')],
    ['cache', cachePath('garbage')],
    ['cache', cachePath('gone-fit')],
    ['checkpoint', doneCheckpoint.uri],
    ['checkpoint', older.uri],
    ['checkpoint pointer', pointerPath('done-fit')],
    ['checkpoint pointer', pointerPath('gone-fit')],
  ].sort());
  const reasons = Object.fromEntries(plan.items.map((i) => [i.path, i.reason]));
  assert.equal(reasons[doneCheckpoint.uri], 'run done completed');
  assert.equal(reasons[older.uri], 'superseded: no checkpoint pointer names it');
  assert.match(reasons[cachePath('gone-fit')]!, /run gone that wrote it is no longer in the store/);
  assert.deepEqual(plan.skipped.map((d) => d.runId), ['broken']);
  assert.equal(plan.bytes, plan.items.reduce((n, i) => n + i.bytes, 0));
  assert.ok(plan.items.every((i) => i.bytes > 0));

  // Planning deletes nothing; applying deletes exactly the plan, and then nothing is left to clean.
  assert.ok(plan.items.every((i) => existsSync(join(store.root, i.path))));
  await applyClean(store, plan);
  assert.ok(plan.items.every((i) => !existsSync(join(store.root, i.path))));
  for (const kept of [newest.uri, ...live.map((c) => c.uri), brokenCheckpoint.uri]) assert.ok(existsSync(store.resolveUri(kept)), kept);
  for (const kept of ['done-fit', 'failed-branch', 'broken-fit', 'wide-0']) assert.ok(await store.readIndex('cache', key(kept)), kept);
  assert.ok(await store.readIndex('checkpoints', key('failed-fit')));
  assert.deepEqual((await planClean(store)).items, []);
});
