/**
 * Checkpoint versions (activities/checkpoint.ts): each save is a new file, so a worker that dies
 * between writing a checkpoint and moving the pointer leaves the old pointer valid.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { Checkpointer } from '../../../activities/checkpoint.ts';
import { Heartbeat } from '../../../activities/supervised.ts';
import type { ArtifactRef } from '../../../lib/engine/types.ts';
import { RunStore } from '../../../lib/store/run-store.ts';

const KEY = 'a'.repeat(64);
const target = (store: RunStore) => ({ stage: 'chains', branch: 0, store, runId: 'r1', artifactPath: ['chains'], cacheKey: KEY, heartbeat: new Heartbeat() });
const files = (store: RunStore) => readdirSync(join(store.root, 'r1', 'chains')).sort();

test('a checkpoint written but not yet pointed to leaves the pointer valid; saves replace older versions; discard removes all', async () => {
  const store = new RunStore(mkdtempSync(join(tmpdir(), 'sciflow-store-')));
  await new MockActivityEnvironment().run(async () => {
    const checkpointer = new Checkpointer<{ step: number }>(target(store), 0);
    await checkpointer.save({ step: 1 });
    const pointer = (await store.readIndex<ArtifactRef>('checkpoints', KEY))!;
    assert.match(pointer.uri, /^r1\/chains\/checkpoint-[0-9a-f]{16}\.parquet$/);

    // The worker dies after writing step 2, before the pointer moves: step 1 must still verify.
    const unpointed = await store.putJsonVersion('r1', ['chains', 'checkpoint'], { step: 2 });
    assert.notEqual(unpointed.uri, pointer.uri);
    assert.ok(await store.verify(pointer));
    assert.deepEqual(await new Checkpointer<{ step: number }>(target(store), 0).restore(), { step: 1 });

    await checkpointer.save({ step: 3 });
    const latest = (await store.readIndex<ArtifactRef>('checkpoints', KEY))!;
    assert.deepEqual(files(store), [latest.uri.split('/').pop()], 'older versions (pointed to or not) are deleted');
    assert.deepEqual(await new Checkpointer<{ step: number }>(target(store), 0).restore(), { step: 3 });

    await checkpointer.discard();
    assert.deepEqual(files(store), []);
  });
});
