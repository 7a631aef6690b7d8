import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reportInputFromManifest } from '../../../lib/report/from-manifest.ts';
import type { RunManifest, StageRecord } from '../../../lib/engine/types.ts';
import { tableFromColumns } from '../../../lib/store/parquet.ts';
import { RunStore } from '../../../lib/store/run-store.ts';

test("the report's evidence table starts with the pipeline's reference stage, else with the first evidence", async () => {
  const store = new RunStore(join(mkdtempSync(join(tmpdir(), 'sciflow-evidence-')), 'runs'));
  const stage = async (name: string, logZ: number): Promise<StageRecord> => ({
    name, activity: 'nestedSampling', dependsOn: [], status: 'completed', cached: false, branches: 1, cachedBranches: 0, cacheKeys: [],
    outputs: { branches: [{ evidence: await store.put('r', [name, 'evidence'], tableFromColumns({ logZ: [logZ], logZerr: [0.1] })) }] },
  });
  const manifest = {
    runId: 'r', pipeline: 'p', status: 'completed', createdAt: '2026-12-02T00:00:00Z', config: {}, configHash: '', codeVersion: '', backend: {}, host: {},
    stages: [await stage('guided', 393.6), await stage('merge-full', 393.5)],
  } as unknown as RunManifest;
  assert.deepEqual((await reportInputFromManifest(store, manifest)).evidences!.map((e) => e.label), ['guided', 'merge-full']);
  assert.deepEqual((await reportInputFromManifest(store, manifest, ['merge-full'])).evidences!.map((e) => e.label), ['merge-full', 'guided']);
  assert.deepEqual((await reportInputFromManifest(store, manifest, ['absent', 'merge-full'])).evidences!.map((e) => e.label), ['merge-full', 'guided']);
  assert.deepEqual((await reportInputFromManifest(store, manifest, ['absent'])).evidences!.map((e) => e.label), ['guided', 'merge-full']);
});
