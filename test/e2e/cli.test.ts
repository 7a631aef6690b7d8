import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { devServerStatus } from '../../temporal/dev-server.ts';
import { sciflow } from '../support/cli.ts';
import { startTestEnvironment, type TestEnvironment } from '../support/temporal.ts';

let env: TestEnvironment;
let configs: string;

before(async () => {
  env = await startTestEnvironment();
  configs = join(env.dir, 'configs');
  mkdirSync(configs);
});

after(async () => env?.close());

function writeConfig(name: string, text: string): string {
  const path = join(configs, name);
  writeFileSync(path, text);
  return path;
}

test('`sciflow run demo --json` on the embedded server: one command runs everything and prints the run', async () => {
  const config = writeConfig('small.yaml', 'pipeline: demo\nobservations: 40\nsteps: 500\nburnIn: 150\nsubsteps: 300\nchains: 2\nnlive: 100\n');
  const result = await sciflow(['run', 'demo', '-c', config, '--run-id', 'cli-run', '--json'], env.env);
  assert.equal(result.code, 0, result.stderr);
  const view = JSON.parse(result.stdout);
  assert.equal(view.runId, 'cli-run');
  assert.equal(view.status, 'completed');
  assert.deepEqual(view.stages.map((s: { name: string }) => s.name), ['data', 'chains', 'nested', 'summary', 'compare']);
  for (const s of view.stages) assert.equal(typeof s.durationMs, 'number');

  const status = JSON.parse((await sciflow(['status', 'cli-run', '--json'], env.env)).stdout);
  assert.equal(status.status, 'completed');
  const results = JSON.parse((await sciflow(['results', 'cli-run', '--json'], env.env)).stdout);
  const posterior = results.results.find((t: { name: string }) => t.name === 'posterior');
  assert.deepEqual(posterior.rows.map((r: { parameter: string }) => r.parameter), ['omega', 'gamma', 'amplitude']);
  assert.deepEqual(results.results.map((t: { stage: string; name: string }) => `${t.stage}:${t.name}`), ['nested:evidence', 'summary:posterior', 'compare:comparison']);
  const list = JSON.parse((await sciflow(['list', '--json'], env.env)).stdout);
  assert.ok(list.some((r: { runId: string }) => r.runId === 'cli-run'));

  // The run wrote its report; `sciflow report --png` redraws it and exports the figures.
  const auto = readFileSync(join(env.storeRoot, 'cli-run', 'report.html'), 'utf8');
  for (const figure of ['stage-graph', 'corner', 'marginals']) assert.match(auto, new RegExp(`data-figure="${figure}`));
  const report = await sciflow(['report', 'cli-run', '--png', '--json'], env.env);
  assert.equal(report.code, 0, report.stderr);
  const written = JSON.parse(report.stdout);
  assert.ok(written.pngs.length >= 3);
  for (const png of written.pngs) assert.deepEqual([...readFileSync(png).subarray(1, 4)], [0x50, 0x4e, 0x47]);
});

test('bad input: exit 2, one line naming the file, line and key, no stack, nothing written', async () => {
  const before = existsSync(env.storeRoot) ? readdirSync(env.storeRoot).length : 0;
  const cases: [string[], RegExp][] = [
    [['run', 'demo', '-c', writeConfig('unknown.yaml', 'seed: 1\nchians: 3\n')], /unknown\.yaml:2: chians: unknown key \(expected one of: seed, .*chains/],
    [['run', 'demo', '-c', writeConfig('type.yaml', 'seed: 1\ntruth:\n  omega: fast\n')], /type\.yaml:3: truth\.omega: expected number, received string/],
    [['run', 'demo', '-c', writeConfig('missing.yaml', 'dataGlob: ./nowhere/run-*.csv\n')], /missing\.yaml:1: dataGlob: data file not found: .*nowhere\/run-\*\.csv/],
    [['run', 'demo', '--set', 'steps=many'], /--set steps: steps: expected number, received string/],
    [['run', 'demo', '--run-id', '../../etc/passwd'], /runId: run id "\.\.\/\.\.\/etc\/passwd" must match .*outside the run store/],
    [['run', 'nosuch'], /unknown pipeline "nosuch" \(available: demo/],
    [['run', 'demo', '-c', join(configs, 'absent.yaml')], /absent\.yaml: cannot read config \(ENOENT\)/],
    [['validate', writeConfig('syntax.yaml', 'pipeline: demo\nseed: [1, 2\n')], /syntax\.yaml:\d+: syntax error/],
  ];
  for (const [args, expected] of cases) {
    const r = await sciflow(args, env.env);
    assert.equal(r.code, 2, `${args.join(' ')} → ${r.code}: ${r.stderr}`);
    assert.match(r.stderr, expected);
    assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
  const after = existsSync(env.storeRoot) ? readdirSync(env.storeRoot).length : 0;
  assert.equal(after, before, 'no run folder was created');
  const ok = await sciflow(['validate', writeConfig('good.yaml', 'pipeline: demo\nchains: 3\n')], env.env);
  assert.equal(ok.code, 0, ok.stderr);
});

test('`sciflow server stop` stops the embedded server cleanly; the next command starts it again and old runs survive', async () => {
  const stopped = await sciflow(['server', 'stop', '--json'], env.env);
  assert.deepEqual(JSON.parse(stopped.stdout), { stopped: true });
  process.env.SCIFLOW_HOME = env.env.SCIFLOW_HOME;
  assert.equal(await devServerStatus(), undefined);
  const status = await sciflow(['status', 'cli-run', '--json'], env.env);
  assert.equal(status.code, 0, status.stderr);
  const view = JSON.parse(status.stdout);
  assert.equal(view.status, 'completed');
  assert.equal(view.temporalStatus, 'COMPLETED', 'the run survived the server restart (SQLite database in the state folder)');
});
