import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RunStore } from '../../lib/store/run-store.ts';
import { Rng } from '../../lib/random.ts';
import { closedForm } from '../../pipelines/demo/oscillator.ts';
import { sciflow } from '../support/cli.ts';
import { useTestEnvironment } from '../support/temporal.ts';
import { until } from '../support/until.ts';

const env = useTestEnvironment({ beforeClose: (e) => sciflow(['schedule', 'delete', 'reanalysis'], e.env) });

/** A measured oscillation as a CSV file, with a fixed modification time so "newest" is explicit. */
function writeObservations(path: string, seed: number, mtime: number): void {
  const rng = Rng.fromSeed(seed);
  const lines = ['t,y'];
  for (let i = 1; i <= 40; i++) {
    const t = (10 * i) / 40;
    lines.push(`${t},${closedForm({ omega: 1.7, gamma: 0.15, amplitude: 1.2 }, t) + 0.05 * rng.normal()}`);
  }
  writeFileSync(path, lines.join('\n') + '\n');
  utimesSync(path, mtime, mtime);
}

async function scheduledRuns(store: RunStore) {
  return (await store.listRuns()).filter((m) => m.workflowId.startsWith('reanalysis-') && m.status === 'completed');
}

test('a schedule starts runs by itself; unchanged data hits the cache, a new file is analysed; then it is deleted', async () => {
  const data = join(env().dir, 'incoming');
  mkdirSync(data);
  writeObservations(join(data, 'run-001.csv'), 1, 1_700_000_000);
  const config = join(env().dir, 'reanalysis.yaml');
  writeFileSync(config, `dataGlob: ${data}/run-*.csv\nsteps: 300\nburnIn: 100\nsubsteps: 300\nchains: 2\ninitDraws: 100\nnlive: 100\n`);

  const created = await sciflow(['schedule', 'create', 'reanalysis', 'demo', '-c', config, '--every', '3s', '--overlap', 'skip'], env().env);
  assert.equal(created.code, 0, created.stderr);
  const store = new RunStore(env().storeRoot);

  const firstTwo = await until(async () => {
    const runs = await scheduledRuns(store);
    return runs.length >= 2 ? runs : undefined;
  }, 90_000, 'two scheduled runs');
  assert.ok(firstTwo[0]!.inputs[0]!.path.endsWith('run-001.csv'));
  assert.equal(firstTwo[1]!.inputs[0]!.sha256, firstTwo[0]!.inputs[0]!.sha256);
  assert.ok(firstTwo[1]!.stages.every((s) => s.cached), 'unchanged inputs: every stage from the cache');

  writeObservations(join(data, 'run-002.csv'), 2, 1_800_000_000);
  const fresh = await until(async () => (await scheduledRuns(store)).find((m) => m.inputs[0]!.path.endsWith('run-002.csv')), 60_000, 'a run on the new file');
  assert.equal(fresh.stages[0]!.cached, false, 'new data costs compute');

  const described = JSON.parse((await sciflow(['schedule', 'describe', 'reanalysis', '--json'], env().env)).stdout);
  assert.ok(described.actionsTaken >= 3);
  assert.equal(described.overlap, 'SKIP');
  const listed = JSON.parse((await sciflow(['schedule', 'list', '--json'], env().env)).stdout);
  assert.ok(listed.some((s: { scheduleId: string }) => s.scheduleId === 'reanalysis'));

  assert.equal((await sciflow(['schedule', 'delete', 'reanalysis'], env().env)).code, 0);
  const gone = await sciflow(['schedule', 'describe', 'reanalysis'], env().env);
  assert.notEqual(gone.code, 0);
});
