import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256 } from '../../lib/store/hash.ts';
import { tableRows } from '../../lib/store/parquet.ts';
import { RunStore } from '../../lib/store/run-store.ts';
import { closedForm } from '../../pipelines/demo/oscillator.ts';
import { alive, devServerStatus } from '../../temporal/dev-server.ts';
import { sciflow } from '../support/cli.ts';
import { until } from '../support/until.ts';
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

test('`sciflow watch` re-attaches to a run submitted elsewhere: its stage lines as they change (not a terminal), then the table and closing summary', async () => {
  const config = writeConfig('watch.yaml', 'pipeline: demo\nseed: 5\nobservations: 40\nsteps: 500\nburnIn: 150\nsubsteps: 300\nchains: 2\nnlive: 100\n');
  const submitted = await sciflow(['submit', 'demo', '-c', config, '--run-id', 'watch-run', '--tag', 'owner=ana', '--tag', 'purpose=watch', '--note', 'submitted elsewhere'], env.env);
  assert.equal(submitted.code, 0, submitted.stderr);
  // The watcher starts first and finds no worker; a worker started elsewhere then runs the run.
  const watching = sciflow(['watch', 'watch-run'], env.env);
  await new Promise((r) => setTimeout(r, 1500));
  const [watched, worker] = await Promise.all([watching, sciflow(['worker', '--run', 'watch-run'], env.env)]);
  assert.equal(worker.code, 0, worker.stderr);
  assert.equal(watched.code, 0, watched.stderr);
  const stageLines = watched.stderr.split('\n').filter((l) => /^ {2}\S+ (data|chains|nested|summary|compare)\b/.test(l));
  // It saw the run in progress (a stage still pending or running: how far depends on the machine), then its end.
  const inProgress = stageLines.findIndex((l) => /(pending|running)$/.test(l));
  const done = stageLines.findIndex((l) => /✓ compare {2}\d/.test(l));
  assert.ok(inProgress >= 0 && done > inProgress, `stage lines as they changed:\n${watched.stderr}`);
  assert.match(watched.stdout, /^run watch-run {2}demo {2}completed\n {2}tags: owner=ana purpose=watch\n {2}note: submitted elsewhere$/m);
  assert.match(watched.stdout, /ln Z/, 'the closing summary');
  // A finished run: watch prints its end at once, with --json the same object as `run --json`.
  const again = await sciflow(['watch', 'watch-run', '--json'], env.env);
  assert.equal(again.code, 0, again.stderr);
  const view = JSON.parse(again.stdout);
  assert.equal(view.status, 'completed');
  assert.ok(view.summary, 'closing summary in --json');
  assert.deepEqual([view.tags, view.note], [{ owner: 'ana', purpose: 'watch' }, 'submitted elsewhere']);
  const listed = (JSON.parse((await sciflow(['list', '--json'], env.env)).stdout) as { runId: string; tags: object; note: string }[]).find((r) => r.runId === 'watch-run');
  assert.deepEqual([listed?.tags, listed?.note], [{ owner: 'ana', purpose: 'watch' }, 'submitted elsewhere']);
  const missing = await sciflow(['watch', 'no-such-run'], env.env);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /run no-such-run not found/);
});

const TRUTH = { omega: 1.7, gamma: 0.15, amplitude: 1.2 };

/**
 * A demo observation file — `header`, `good` noise-free rows of the oscillator at TRUTH, then the
 * `extra` lines — and a config next to it that reads it through `dataGlob`; returns the config.
 */
function writeCsv(name: string, good: number, extra: string[] = [], header = 't,y'): string {
  const rows = Array.from({ length: good }, (_, i) => {
    const t = (10 * (i + 1)) / good;
    return `${t},${closedForm(TRUTH, t)}`;
  });
  writeFileSync(join(configs, name), [header, ...rows, ...extra].join('\n') + '\n');
  return writeConfig(name.replace('.csv', '.yaml'), `dataGlob: ./${name}\n`);
}

/** Workflow ids Temporal knows, to show that bad input submitted nothing. */
async function workflowIds(): Promise<Set<string>> {
  const ids = new Set<string>();
  for await (const w of env.client.workflow.list()) ids.add(w.workflowId);
  return ids;
}

/** `fn` over `items`, at most `limit` at once (each case is a CLI process; most of its time is start-up). */
async function mapLimited<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) results[i] = await fn(items[i]!);
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return results;
}

test('`sciflow run --workers 2` hosts two activity worker processes: the two chains run in two processes, workflow tasks in a third, and the helpers are gone after the run', async () => {
  const args = ['--set', 'observations=60', '--set', 'chains=2', '--set', 'concurrency=2', '--set', 'steps=3000', '--set', 'burnIn=500', '--set', 'substeps=3000', '--set', 'nlive=100'];
  const result = await sciflow(['run', 'demo', ...args, '--workers', '2', '--run-id', 'two-workers', '--json'], env.env);
  assert.equal(result.code, 0, result.stderr);
  const history = await env.client.workflow.getHandle('two-workers').fetchHistory();
  const identities = new Set((history.events ?? []).flatMap((e) => (e.activityTaskStartedEventAttributes?.identity ? [e.activityTaskStartedEventAttributes.identity] : [])));
  assert.equal(identities.size, 2, `activities ran in ${[...identities].join(', ')}`);
  // Workflow tasks never wait behind a CPU-bound activity: `run` polls them in its own process alone.
  const workflowWorkers = new Set((history.events ?? []).flatMap((e) => (e.workflowTaskCompletedEventAttributes?.identity ? [e.workflowTaskCompletedEventAttributes.identity] : [])));
  assert.equal(workflowWorkers.size, 1, `workflow tasks ran in ${[...workflowWorkers].join(', ')}`);
  assert.ok(!identities.has([...workflowWorkers][0]!), 'no activity ran in the workflow worker');
  // Both processes are gone once `run` has returned: the helper left with the run.
  const pids = [...identities].map((id) => Number(id.split('@')[0]));
  await until(async () => !pids.some(alive), 15_000, 'the helper worker to exit after the run');
  const refused = await sciflow(['run', 'demo', '--workers', '0'], env.env);
  assert.equal(refused.code, 2);
  assert.equal(refused.stderr.trim(), 'sciflow: --workers 0: expected a whole number from 1 to 64');
});

test('bad input: exit 2, one line naming the file, line and key, no stack, nothing written', async () => {
  const before = existsSync(env.storeRoot) ? readdirSync(env.storeRoot).length : 0;
  const submittedBefore = await workflowIds();
  // Data files checked when the run is planned: every kind of bad CSV, through `run` and `submit`.
  const badCsv: [string, RegExp][] = [
    [writeCsv('header-only.csv', 0), /header-only\.csv:1: y: 0 observations; the fit needs at least 10/],
    [writeCsv('text.csv', 9, ['12,abc']), /text\.csv:11: y: not a finite number: "abc"/],
    [writeCsv('nan.csv', 9, ['12,NaN']), /nan\.csv:11: y: not a finite number: "NaN"/],
    [writeCsv('short-row.csv', 9, ['12']), /short-row\.csv:11: y: missing value/],
    [writeCsv('no-y.csv', 20, [], 't,x'), /no-y\.csv:1: y: missing column \(the header must name t and y; it has: t, x\)/],
    [writeCsv('backwards.csv', 20, ['3,0.1']), /backwards\.csv:22: t: times must not decrease \(3 after 10\)/],
  ];
  // "Billion laughs": each anchor lists the previous one nine times (9⁷ strings once expanded).
  const aliasBomb = ['a: &a [x, x, x, x, x, x, x, x, x]', ...'bcdefg'.split('').map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdef'[i]}`).join(', ')}]`)].join('\n');
  const storeFile = join(configs, 'not-a-folder');
  writeFileSync(storeFile, 'x');
  const cases: [string[], RegExp, NodeJS.ProcessEnv?][] = [
    // First: it waits for the connection deadline (10 s) while the others run.
    [['submit', 'demo'], /^sciflow: cannot reach Temporal at 127\.0\.0\.1:1: /, { ...env.env, TEMPORAL_ADDRESS: '127.0.0.1:1' }],
    ...badCsv.flatMap(([config, expected]): [string[], RegExp][] => [[['run', 'demo', '-c', config], expected], [['submit', 'demo', '-c', config], expected]]),
    [['run', 'demo', '-c', writeConfig('bomb.yaml', aliasBomb + '\n')], /bomb\.yaml: cannot expand the YAML: Excessive alias count/],
    [['run', 'demo', '--set', 'seed=[1'], /--set seed: cannot parse "\[1": Flow sequence must end with a \]/],
    [['submit', 'demo', '--tag', 'x'], /^sciflow: --tag x: expected key=value$/m],
    [['status', '../../etc'], /runId: run id "\.\.\/\.\.\/etc" must match .*outside the run store/],
    [['--store', storeFile, 'submit', 'demo'], /--store .*not-a-folder: not a directory/],
    [['run', 'demo', '--set', 'initDraws=1e12'], /--set initDraws: initDraws: Too big: expected number to be <=100000/],
    [['submit', 'demo', '--set', 'duration=1e300'], /--set duration: duration: Too big: expected number to be <=1000/],
    [['run', 'demo', '-c', writeConfig('burnin.yaml', 'steps: 300\nburnIn: 300\n')], /burnin\.yaml:2: burnIn: must be less than steps \(300\)/],
    // burnIn keeps its default (400): the rule points at the key the user did set.
    [['run', 'demo', '--set', 'steps=100'], /--set steps: burnIn: must be less than steps \(100\)/],
    [['run', 'demo', '--set', 'truth..omega=1'], /--set truth\.\.omega: empty key in the path/],
    [['run', 'demo', '--set', '__proto__.polluted=1'], /--set __proto__\.polluted: "__proto__" cannot be a config key/],
    [['run', 'demo', '-c', writeConfig('unknown.yaml', 'seed: 1\nchians: 3\n')], /unknown\.yaml:2: chians: unknown key \(expected one of: seed, .*chains/],
    [['run', 'demo', '-c', writeConfig('type.yaml', 'seed: 1\ntruth:\n  omega: fast\n')], /type\.yaml:3: truth\.omega: expected number, received string/],
    [['run', 'demo', '-c', writeConfig('missing.yaml', 'dataGlob: ./nowhere/run-*.csv\n')], /missing\.yaml:1: dataGlob: data file not found: .*nowhere\/run-\*\.csv/],
    [['run', 'demo', '--set', 'steps=many'], /--set steps: steps: expected number, received string/],
    [['run', 'demo', '--run-id', '../../etc/passwd'], /runId: run id "\.\.\/\.\.\/etc\/passwd" must match .*outside the run store/],
    [['run', 'nosuch'], /unknown pipeline "nosuch" \(available: demo/],
    [['run', 'demo', '-c', join(configs, 'absent.yaml')], /absent\.yaml: cannot read config \(ENOENT\)/],
    [['validate', writeConfig('syntax.yaml', 'pipeline: demo\nseed: [1, 2\n')], /syntax\.yaml:\d+: syntax error/],
  ];
  const results = await mapLimited(cases, 3, ([args, , caseEnv]) => sciflow(args, caseEnv ?? env.env));
  cases.forEach(([args, expected], i) => {
    const r = results[i]!;
    assert.equal(r.code, 2, `${args.join(' ')} → ${r.code}: ${r.stderr}`);
    assert.match(r.stderr, expected);
    assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });
  const after = existsSync(env.storeRoot) ? readdirSync(env.storeRoot).length : 0;
  assert.equal(after, before, 'no run folder was created');
  assert.deepEqual(await workflowIds(), submittedBefore, 'nothing was submitted');
  const ok = await sciflow(['validate', writeConfig('good.yaml', 'pipeline: demo\nchains: 3\n')], env.env);
  assert.equal(ok.code, 0, ok.stderr);
});

test('`sciflow config <pipeline>` lists every key with type, default and meaning; `validate` lists every problem at once', async () => {
  const typos = writeConfig('typos.yaml', 'pipeline: demo\nchians: 3\nnlive: 5\n');
  const [reference, invalid] = await Promise.all([sciflow(['config', 'atmospheric-retrieval'], env.env), sciflow(['validate', typos, '--json'], env.env)]);
  assert.equal(reference.code, 0, reference.stderr);
  assert.match(reference.stdout, /^surrogate\.epochs +integer in \[1, 10000\] +60 +Training epochs per member, early-stopped \(preset: 60 \/ 300\)\.$/m);
  assert.match(reference.stdout, /^resolution\.layers +integer in \[10, 1000\] +50 +Atmospheric layers/m);
  assert.equal(invalid.code, 2, invalid.stderr);
  const { valid, problems } = JSON.parse(invalid.stdout) as { valid: boolean; problems: string[] };
  assert.deepEqual([valid, problems.length], [false, 2]);
  assert.equal(problems[0], `${typos}:3: nlive: Too small: expected number to be >=10`);
  assert.match(problems[1]!, /typos\.yaml:2: chians: unknown key \(expected one of: seed, .*\); did you mean "chains"\?$/);
  assert.deepEqual(invalid.stderr.trim().split('\n'), problems.map((p) => `sciflow: ${p}`), 'one stderr line per problem');
});

test('a valid CSV through `dataGlob`: `sciflow run demo` plans the newest match with its hash and recovers the oscillator from it', async () => {
  writeCsv('observed-001.csv', 40);
  const csv = join(configs, 'observed-001.csv');
  const config = writeConfig('observed.yaml', 'dataGlob: ./observed-*.csv\nsteps: 500\nburnIn: 150\nsubsteps: 300\nchains: 2\nnlive: 100\n');
  const result = await sciflow(['run', 'demo', '-c', config, '--run-id', 'cli-csv', '--json'], env.env);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(JSON.parse(result.stdout).status, 'completed');
  const store = new RunStore(env.storeRoot);
  const manifest = (await store.readManifest('cli-csv'))!;
  const bytes = readFileSync(csv);
  assert.deepEqual(manifest.inputs, [{ path: csv, sha256: sha256(bytes), bytes: bytes.length }]);
  const stage = (name: string) => manifest.stages.find((s) => s.name === name)!.outputs!.branches[0]!;
  assert.equal(stage('data').observations!.rows, 40, 'the data stage read the file');
  // Noise-free data at TRUTH (writeCsv): the posterior means sit on it.
  const posterior = Object.fromEntries(tableRows(await store.get(stage('summary').posterior!)).map((r) => [r.parameter, Number(r.mean)]));
  for (const [name, tolerance] of [['omega', 0.02], ['gamma', 0.02], ['amplitude', 0.05]] as const) {
    assert.ok(Math.abs(posterior[name]! - TRUTH[name]) < tolerance, `${name} ${posterior[name]} vs ${TRUTH[name]}`);
  }
});

test('`sciflow server stop` stops the embedded server cleanly; `status` answers from the manifest without starting it; `server start` brings it back with its runs', async () => {
  process.env.SCIFLOW_HOME = env.env.SCIFLOW_HOME;
  const address = (await devServerStatus())!.address;
  const stopped = await sciflow(['server', 'stop', '--json'], env.env);
  assert.deepEqual(JSON.parse(stopped.stdout), { stopped: true });
  assert.equal(await devServerStatus(), undefined);
  const offline = await sciflow(['status', 'cli-run', '--json'], env.env);
  assert.equal(offline.code, 0, offline.stderr);
  const fromManifest = JSON.parse(offline.stdout);
  assert.equal(fromManifest.status, 'completed');
  assert.equal(fromManifest.server, 'unreachable');
  assert.equal(await devServerStatus(), undefined, 'status did not start a server');
  const started = JSON.parse((await sciflow(['server', 'start', '--json'], env.env)).stdout);
  assert.equal(started.address, address, 'same address as before');
  const status = await sciflow(['status', 'cli-run', '--json'], env.env);
  assert.equal(status.code, 0, status.stderr);
  const view = JSON.parse(status.stdout);
  assert.equal(view.status, 'completed');
  assert.equal(view.temporalStatus, 'COMPLETED', 'the run survived the server restart (SQLite database in the state folder)');
});
