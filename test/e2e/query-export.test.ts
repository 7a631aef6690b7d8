import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { RunStore } from '../../lib/store/run-store.ts';
import { numberColumn } from '../../lib/store/parquet.ts';
import { sciflow } from '../support/cli.ts';
import { startTestEnvironment, type TestEnvironment } from '../support/temporal.ts';

let env: TestEnvironment;
const SMALL = ['--set', 'observations=40', '--set', 'substeps=300', '--set', 'chains=2', '--set', 'initDraws=100', '--set', 'nlive=100'];

before(async () => {
  env = await startTestEnvironment();
  // A well-mixed run and one whose chains are far too short to agree.
  const good = await sciflow(['run', 'demo', ...SMALL, '--set', 'steps=1000', '--set', 'burnIn=200', '--run-id', 'mixed'], env.env);
  assert.equal(good.code, 0, good.stderr);
  const poor = await sciflow(['run', 'demo', ...SMALL, '--set', 'steps=8', '--set', 'burnIn=0', '--set', 'initDraws=1', '--set', 'maxRhat=1000', '--run-id', 'unmixed'], env.env);
  assert.equal(poor.code, 0, poor.stderr);
});

after(async () => env?.close());

/** Minimum BC per run computed without SQL, straight from the comparison artifacts. */
async function minBcByRun(): Promise<Map<string, number>> {
  const store = new RunStore(env.storeRoot);
  const result = new Map<string, number>();
  for (const m of await store.listRuns()) {
    for (const s of m.stages) {
      const ref = s.outputs?.branches[0]?.comparison;
      if (!ref) continue;
      const table = await store.get(ref);
      const metrics = table.getChild('metric')!.toArray() as string[];
      const values = numberColumn(table, 'value');
      const bcs = metrics.flatMap((name, i) => (name === 'bhattacharyya' ? [values[i]!] : []));
      result.set(m.runId, Math.min(...bcs));
    }
  }
  return result;
}

test('sciflow query: the runs whose minimum Bhattacharyya coefficient is below 0.95', async () => {
  const r = await sciflow(['query', "SELECT run_id, min(value) AS min_bc FROM metrics WHERE metric = 'bhattacharyya' GROUP BY run_id HAVING min(value) < 0.95 ORDER BY run_id", '--json'], env.env);
  assert.equal(r.code, 0, r.stderr);
  const rows = JSON.parse(r.stdout) as { run_id: string; min_bc: number }[];
  const expected = [...(await minBcByRun()).entries()].filter(([, bc]) => bc < 0.95).sort();
  assert.ok(expected.some(([id]) => id === 'unmixed'), 'the unmixed chains disagree');
  assert.deepEqual(rows.map((x) => [x.run_id, x.min_bc]), expected);
});

test('sciflow query: stage timings and cache hits per run over time, as CSV; bad SQL is exit 2', async () => {
  const r = await sciflow(['query', "SELECT r.run_id, r.created_at, s.stage, s.cached, s.duration_ms FROM runs r JOIN stages s USING (run_id) WHERE s.stage = 'chains' ORDER BY r.created_at", '--csv'], env.env);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines[0], 'run_id,created_at,stage,cached,duration_ms');
  assert.deepEqual(lines.slice(1).map((l) => l.split(',')[0]), ['mixed', 'unmixed']);
  const samples = JSON.parse((await sciflow(['query', "SELECT run_id, count(*) AS n, avg(omega) AS omega FROM samples WHERE stage = 'summary' GROUP BY run_id ORDER BY run_id", '--json'], env.env)).stdout);
  assert.equal(samples[0].run_id, 'mixed');
  assert.equal(Number(samples[0].n), 2 * (1000 - 200) * 16, 'two runs × kept steps × 16 walkers');
  assert.ok(Math.abs(samples[0].omega - 1.7) < 0.05);
  const logZ = JSON.parse((await sciflow(['query', "SELECT r.pipeline, r.created_at, m.value AS logZ FROM runs r JOIN metrics m USING (run_id) WHERE m.metric = 'logZ' ORDER BY r.created_at", '--json'], env.env)).stdout);
  assert.equal(logZ.length, 2, 'logZ per pipeline over time: one per run');
  const evidence = await new RunStore(env.storeRoot).readManifest('mixed');
  assert.equal(logZ[0].logZ, evidence!.stages.find((s) => s.name === 'nested')!.summary![0]!.logZ);
  const bad = await sciflow(['query', 'SELECT nope FROM runs'], env.env);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^sciflow: query: .*nope/);
});

test('sciflow export writes every artifact as CSV and JSON that match the stored Parquet', async () => {
  for (const format of ['csv', 'json', 'parquet']) {
    const out = join(env.dir, `export-${format}`);
    const r = await sciflow(['export', 'mixed', '--format', format, '--out', out, '--json'], env.env);
    assert.equal(r.code, 0, r.stderr);
    const files = JSON.parse(r.stdout).files as string[];
    assert.equal(files.length, 1 + 2 + 2 + 2 + 1);
    assert.ok(readdirSync(out).includes('manifest.json'));
    if (format === 'csv') {
      const csv = readFileSync(join(out, 'summary-posterior.csv'), 'utf8').trim().split('\n');
      assert.equal(csv[0], 'parameter,mean,sd,rhat,truth,pull');
      assert.equal(csv.length, 4);
    }
    if (format === 'json') {
      const rows = JSON.parse(readFileSync(join(out, 'summary-posterior.json'), 'utf8'));
      assert.deepEqual(rows.map((x: { parameter: string }) => x.parameter), ['omega', 'gamma', 'amplitude']);
      assert.equal(typeof rows[0].mean, 'number');
    }
  }
});
