import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import { planRun } from '../../activities/engine.ts';
import { loadConfig } from '../../lib/engine/config.ts';
import { configReference } from '../../lib/engine/config-reference.ts';
import { closestName } from '../../lib/engine/did-you-mean.ts';
import { UserError } from '../../lib/engine/errors.ts';
import { sha256 } from '../../lib/store/hash.ts';
import { tableFromColumns, tableToParquet } from '../../lib/store/parquet.ts';
import { DATA_DIR as ATMOSPHERIC_DATA } from '../../pipelines/atmospheric-retrieval/data.ts';
import { DATA_DIR as COSMOLOGY_DATA } from '../../pipelines/cosmology/data.ts';
import { closedForm } from '../../pipelines/demo/oscillator.ts';
import { getPipeline, listPipelines } from '../../pipelines/index.ts';
import { RUN_COLUMNS } from '../../pipelines/rocket-instability/constants.ts';

const dir = mkdtempSync(join(tmpdir(), 'sciflow-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** `rows` noise-free observations of the demo oscillator as a `t,y` CSV. */
function observations(name: string, rows: number): string {
  const lines = Array.from({ length: rows }, (_, i) => `${(i + 1) * 0.25},${closedForm({ omega: 1.7, gamma: 0.15, amplitude: 1.2 }, (i + 1) * 0.25)}`);
  return write(name, ['t,y', ...lines].join('\n') + '\n');
}

const demo = getPipeline('demo');

test('--set refuses empty and prototype path segments, and no prototype is polluted', async () => {
  const cases: [string, RegExp][] = [
    ['truth..omega=1', /--set truth\.\.omega: empty key in the path/],
    ['.seed=1', /--set \.seed: empty key in the path/],
    ['__proto__.polluted=1', /--set __proto__\.polluted: "__proto__" cannot be a config key/],
    ['constructor.prototype.polluted=1', /--set constructor\.prototype\.polluted: "constructor" cannot be a config key/],
    ['truth.prototype=1', /--set truth\.prototype: "prototype" cannot be a config key/],
    // Not refused here, but blamed on the assignment that replaced `truth` (omega is then missing).
    ['truth.gamma=0.1', /--set truth\.gamma: truth\.omega: expected number, received undefined/],
    ['seed=[1', /--set seed: cannot parse "\[1": Flow sequence must end with a \]/],
  ];
  for (const [assignment, expected] of cases) await assert.rejects(loadConfig(demo, undefined, [assignment]), expected);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(Object.hasOwn(Object.prototype, 'polluted'), false);
  // A key inherited from Object.prototype is no config key either: it is created, then refused as unknown.
  await assert.rejects(loadConfig(demo, undefined, ['toString.x=1']), /--set toString\.x: toString: unknown key/);
});

test('a config with several mistakes reports every one, each with its line, and unknown keys with the closest known key', async () => {
  const file = write('typos.yaml', 'seed: 1\nchians: 3\nnlive: 5\ntruth:\n  omgea: 1\n  gamma: 0.1\n  amplitude: 1\nsteps: many\n');
  const error = await loadConfig(demo, file).then(() => assert.fail('accepted'), (err: unknown) => err);
  assert.ok(error instanceof UserError);
  const keys = 'seed, observations, duration, noise, truth, dataGlob, chains, walkers, steps, burnIn, initDraws, substeps, concurrency, learnedLikelihood, warmupCalls, nlive, checkpointSeconds, heartbeatSeconds, maxRhat';
  assert.deepEqual(error.problems, [
    `${file}:4: truth.omega: expected number, received undefined`,
    `${file}:5: truth.omgea: unknown key (expected one of: omega, gamma, amplitude); did you mean "omega"?`,
    `${file}:8: steps: expected number, received string`,
    `${file}:3: nlive: Too small: expected number to be >=10`,
    `${file}:2: chians: unknown key (expected one of: ${keys}); did you mean "chains"?`,
  ]);
  // `run` says one line: the first problem and how many more (`validate` prints them all).
  assert.equal(error.message, `${error.problems[0]} (and 4 more problems)`);
  await assert.rejects(loadConfig(getPipeline('atmospheric-retrieval'), undefined, ['surrogate.epoch=3']), /--set surrogate\.epoch: surrogate\.epoch: unknown key \(expected one of: .*\); did you mean "epochs"\?$/);
  // Case, one swap or one letter away; nothing when no key is close.
  assert.equal(closestName('NLive', ['nlive', 'dlogz']), 'nlive');
  assert.equal(closestName('trainigSize', ['trainingSize', 'trainingWindow']), 'trainingSize');
  assert.equal(closestName('colour', ['seed', 'nlive']), undefined);
});

test('presets fill the sizes into the loaded config (what manifests, reports and `validate --json` show), and that config loads to itself', async () => {
  const retrieval = getPipeline('atmospheric-retrieval');
  const full = (await loadConfig(retrieval, undefined, ['preset=full', 'referenceRuns=2'])).config as Record<string, Record<string, unknown>>;
  assert.deepEqual([full.trainingSize, full.nlive, full.surrogate!.epochs, full.surrogate!.ensembleSize], [50000, 500, 300, 5]);
  assert.deepEqual([full.refinement!.trainingSize, full.refinement!.epochs, full.guide!.nlive], [20000, 300, 1000]);
  // Fed back in (`resume`, a schedule, a saved config): the same config, so the same stages and cache keys.
  const again = await loadConfig(retrieval, undefined, [], { config: full, source: 'manifest.json' });
  assert.deepEqual(again.config, full);
  const rocket = getPipeline('rocket-instability');
  const demoPreset = (await loadConfig(rocket, undefined, [])).config as Record<string, Record<string, unknown>>;
  assert.deepEqual([demoPreset.runs, demoPreset.network!.epochs, demoPreset.network!.ensembleSize], [40, 60, 5]);
  const planned = await new MockActivityEnvironment().run(planRun, { pipeline: 'rocket-instability', config: { preset: 'full' }, storeRoot: join(dir, 'preset-store'), runId: 'preset-1', workflowId: 'preset-1', executionId: 'e1' });
  const manifest = (planned as Awaited<ReturnType<typeof planRun>>).manifest;
  assert.deepEqual([manifest.config.runs, (manifest.config.network as Record<string, unknown>).epochs], [100, 150]);
});

test('every key of every pipeline has a type, a description and (when it has one) its default', () => {
  for (const pipeline of listPipelines()) {
    for (const key of configReference(pipeline.schema)) assert.ok(key.description && key.type, `${pipeline.name} ${key.key}`);
  }
  const keys = Object.fromEntries(configReference(getPipeline('atmospheric-retrieval').schema).map((k) => [k.key, k]));
  assert.deepEqual(keys['nlive'], { key: 'nlive', type: 'integer in [20, 100000]', default: 100, description: 'Live points of every nested-sampling run (preset: 100 / 500).' });
  assert.deepEqual([keys['preset']!.type, keys['preset']!.default], ['default | full', 'default']);
  assert.deepEqual([keys['surrogate.pcaComponents']!.type, keys['surrogate.pcaComponents']!.default], ['integer ≥ 1 | null', null]);
  assert.deepEqual([keys['checkpointSeconds']!.type, keys['dlogz']!.type, keys['dataDir']!.default], ['number in (0, 3600]', 'number > 0', undefined]);
  const lisa = Object.fromEntries(configReference(getPipeline('lisa-gas-torque').schema).map((k) => [k.key, k]));
  assert.deepEqual([lisa['source.missionYears']!.type, lisa['variability']!.type], ['"1" | "2" | "4" | "0.5"', '(number ≥ 0)[], 1–100 items']);
  const cosmology = Object.fromEntries(configReference(getPipeline('cosmology').schema).map((k) => [k.key, k]));
  assert.equal(cosmology['learned.warmupCalls.cpl']!.default, 12000);
  assert.equal(cosmology['learned.warmupCalls.cpl']!.description, 'True calls before the first training, per model.', "a nested key without its own description takes its parent's");
});

test('a YAML alias bomb is refused in one line naming the file', async () => {
  const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]', ...'bcdefg'.split('').map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdef'[i]}`).join(', ')}]`)].join('\n');
  await assert.rejects(loadConfig(demo, write('bomb.yaml', bomb)), /bomb\.yaml: cannot expand the YAML: Excessive alias count/);
});

test('a cross-field rule points at whichever of its keys the user set', async () => {
  // Both set in the file: the key the rule is about.
  await assert.rejects(loadConfig(demo, write('both.yaml', 'seed: 1\nsteps: 300\nburnIn: 300\n')), /both\.yaml:3: burnIn: must be less than steps \(300\)/);
  // Only steps set (burnIn keeps its default 400): the line of steps.
  await assert.rejects(loadConfig(demo, write('steps.yaml', 'seed: 1\nsteps: 100\n')), /steps\.yaml:2: burnIn: must be less than steps \(100\)/);
  await assert.rejects(loadConfig(demo, undefined, ['steps=100']), /--set steps: burnIn: must be less than steps \(100\)/);
  const rocket = getPipeline('rocket-instability');
  await assert.rejects(loadConfig(rocket, undefined, ['testFraction=0.5', 'validationFraction=0.5']), /--set validationFraction: validationFraction: testFraction \+ validationFraction must be below 1 \(they are 0.5 \+ 0.5\)/);
  await assert.rejects(loadConfig(rocket, undefined, ['testFraction=0.8']), /--set testFraction: validationFraction: testFraction \+ validationFraction must be below 1/);
  await assert.rejects(loadConfig(rocket, undefined, ['warning.maxLeadMs=200']), /--set warning\.maxLeadMs: warning\.minLeadMs: must be less than maxLeadMs \(200\)/);
  await assert.rejects(loadConfig(rocket, undefined, ['runDuration=2', 'horizonMs=1500']), /--set horizonMs: horizonMs: horizonMs \+ the 500 ms feature window must be shorter than runDuration \(2 s\)/);
  await assert.rejects(loadConfig(rocket, write('forecast.yaml', 'seed: 1\nmode: forecast\n')), /forecast\.yaml:2: runFile: required when mode=forecast/);
  await assert.rejects(loadConfig(rocket, undefined, ['mode=generate']), /--set mode: dataDir: required when mode=generate/);
  await assert.rejects(loadConfig(getPipeline('cosmology'), undefined, ['learned.auditSize=501']), /--set learned\.auditSize: learned\.auditSize: must be at most auditEvery \(500\)/);
});

test('every pipeline bounds its counts and durations, and its defaults and documented examples stay valid', async () => {
  const tooBig: [string, string, string?][] = [
    ['demo', 'initDraws=1e12'],
    ['demo', 'duration=1e300'],
    ['demo', 'warmupCalls=1e9'],
    ['atmospheric-retrieval', 'trainingSize=1e12'],
    ['atmospheric-retrieval', 'surrogate.epochs=1e9'],
    ['atmospheric-retrieval', 'refinement.trainingSize=1e12'],
    ['atmospheric-retrieval', 'nlive=1e9'],
    ['cosmology', 'learned.warmupCalls.lcdm=1e12'],
    ['cosmology', 'learned.epochs=1e9'],
    ['lisa-mbhb', 'snl.simulationsPerRound=1e12'],
    ['lisa-mbhb', 'source={totalMass: 1e6, massRatio: 0.5, redshift: 1, observationYears: 1e300}', 'source.observationYears'],
    ['lisa-gas-torque', 'seeds=1e9'],
    ['rocket-instability', 'network.epochs=1e9'],
    ['rocket-instability', 'integrationSteps=1e12'],
  ];
  for (const [name, assignment, reported] of tooBig) {
    const key = assignment.split('=')[0]!;
    await assert.rejects(loadConfig(getPipeline(name), undefined, [assignment]), new RegExp(`--set ${key}: ${reported ?? key}: Too big`), `${name} ${assignment}`);
  }
  for (const pipeline of listPipelines()) await loadConfig(pipeline, undefined, []);
  const valid: [string, string[]][] = [
    ['atmospheric-retrieval', ['preset=full']],
    ['cosmology', ['models=[lcdm,oklcdm]', 'nlive=500']],
    ['lisa-mbhb', ['snl.rounds=3', 'snl.simulationsPerRound=93']],
    ['lisa-gas-torque', ['variability=[0,0.01,0.1]', 'seeds=4', 'noise=true']],
    ['rocket-instability', ['preset=full']],
    ['demo', ['steps=8', 'burnIn=0', 'initDraws=1', 'chains=8']],
  ];
  for (const [name, sets] of valid) await loadConfig(getPipeline(name), undefined, sets);
});

test('demo data files: hashed with the config and checked when the run is planned, with file, line and column', async () => {
  const good = observations('good.csv', 40);
  const loaded = await loadConfig(demo, write('good.yaml', 'dataGlob: ./good.csv\n'));
  assert.deepEqual(loaded.inputs, [{ path: good, sha256: sha256(readFileSync(good)), bytes: readFileSync(good).length }]);
  assert.deepEqual(demo.stages(loaded.config, loaded.inputs)[0]!.params, { simulator: 'observed-file', path: good, sha256: loaded.inputs[0]!.sha256 });

  const bad: [string, RegExp][] = [
    ['t,y\n', /empty\.csv:1: y: 0 observations; the fit needs at least 10/],
    ['t,y\n0.1,1\n0.2,oops\n', /empty\.csv:3: y: not a finite number: "oops"/],
    ['t,y\n0.1,1\n0.2,Infinity\n', /empty\.csv:3: y: not a finite number: "Infinity"/],
    ['t,y\n0.1,1\n0.2,\n', /empty\.csv:3: y: missing value/],
    ['y,x\n1,2\n', /empty\.csv:1: t: missing column/],
    ['t,y\n-1,1\n', /empty\.csv:2: t: times start at 0, got -1/],
    ['t,y\n\n0.5,1\n\n0.2,1\n', /empty\.csv:5: t: times must not decrease \(0.2 after 0.5\)/],
  ];
  for (const [text, expected] of bad) {
    write('empty.csv', text);
    await assert.rejects(loadConfig(demo, undefined, [`dataGlob=${join(dir, 'empty.csv')}`]), expected);
  }
});

test('planRun checks the data with the same helper: a scheduled run that picks up a bad file fails non-retryably with the same message', async () => {
  const csv = write('scheduled.csv', 't,y\n1,2\n');
  const store = join(dir, 'store');
  const request = { pipeline: 'demo', config: { dataGlob: csv }, storeRoot: store, runId: 'sched-1', workflowId: 'sched-1', executionId: 'e1', source: 'sched.yaml' };
  const failure = await new MockActivityEnvironment().run(planRun, request).then(
    () => assert.fail('planRun accepted a bad file'),
    (err: unknown) => err,
  );
  assert.ok(failure instanceof ApplicationFailure && failure.nonRetryable, String(failure));
  assert.match(failure.message, /scheduled\.csv:2: y: 1 observations; the fit needs at least 10/);
  const refusedByCli = await loadConfig(demo, undefined, [`dataGlob=${csv}`]).then(() => '', (err: Error) => err.message);
  assert.equal(failure.message, refusedByCli, 'the CLI and planRun say the same');
  assert.equal(existsSync(join(store, 'sched-1')), false, 'no run folder');

  observations('scheduled.csv', 20);
  const planned = (await new MockActivityEnvironment().run(planRun, { ...request, runId: 'sched-2', workflowId: 'sched-2' })) as Awaited<ReturnType<typeof planRun>>;
  const manifest = planned.manifest;
  assert.deepEqual(manifest.inputs.map((f) => f.sha256), [sha256(readFileSync(csv))]);
});

test('atmospheric, cosmology and rocket data folders are read by their own readers when the config is loaded', async () => {
  const atmo = join(dir, 'atmo');
  cpSync(ATMOSPHERIC_DATA, atmo, { recursive: true });
  const depths = join(atmo, 'eclipse_depths.csv');
  const shipped = readFileSync(depths, 'utf8').split('\n');
  const retrieval = getPipeline('atmospheric-retrieval');
  const withDepths = async (lines: string[], expected: RegExp) => {
    writeFileSync(depths, lines.join('\n'));
    await assert.rejects(loadConfig(retrieval, undefined, [`dataDir=${atmo}`]), expected);
  };
  await withDepths([shipped[0]!, shipped[1]!.replace(/,[^,]+,([^,]+,filters)/, ',abc,$1'), ...shipped.slice(2)], /eclipse_depths\.csv:2: depth: not a finite number: "abc"/);
  await withDepths([shipped[0]!, shipped[1]!.split(',').slice(0, 3).join(','), ...shipped.slice(2)], /eclipse_depths\.csv:2: hi_um: missing value/);
  await withDepths([shipped[0]!, shipped[1]!.replace(/filters\/\S+/, 'filters/none.dat'), ...shipped.slice(2)], /eclipse_depths\.csv:2: filter_file: cannot read .*none\.dat \(ENOENT\)/);
  await withDepths([shipped[0]!.replace('depth_err', 'sigma'), ...shipped.slice(1)], /eclipse_depths\.csv:1: depth_err: missing column/);
  await withDepths(shipped.slice(0, -3), /eclipse_depths\.csv: band: \d+ bands; the surrogate is trained on the shipped spectrum's \d+/);

  const cosmo = join(dir, 'cosmo');
  cpSync(COSMOLOGY_DATA, cosmo, { recursive: true });
  const chronometers = join(cosmo, 'HDiagramCompilacion-data_31.txt');
  writeFileSync(chronometers, readFileSync(chronometers, 'utf8').replace(/\n0\.070\s+69\s+19\.6/, '\n0.070 69 -1'));
  await assert.rejects(loadConfig(getPipeline('cosmology'), undefined, [`dataDir=${cosmo}`]), /HDiagramCompilacion-data_31\.txt:\d+: error: must be positive: 0\.070 69 -1/);

  const runs = join(dir, 'rocket');
  mkdirSync(runs);
  const rocket = getPipeline('rocket-instability');
  const column = (k: number) => Float64Array.from({ length: 5 }, (_, i) => i + k);
  writeFileSync(join(runs, 'run-000.parquet'), tableToParquet(tableFromColumns(Object.fromEntries(RUN_COLUMNS.map((c, k) => [c, column(k)])))));
  await loadConfig(rocket, undefined, [`dataDir=${runs}`]);
  writeFileSync(join(runs, 'run-001.parquet'), tableToParquet(tableFromColumns({ ...Object.fromEntries(RUN_COLUMNS.map((c, k) => [c, column(k)])), p_dyn: Float64Array.from([1, 2, NaN, 4, 5]) })));
  await assert.rejects(loadConfig(rocket, undefined, [`dataDir=${runs}`]), /run-001\.parquet: p_dyn: row 3: not a finite number \(NaN\)/);
  writeFileSync(join(runs, 'run-001.parquet'), tableToParquet(tableFromColumns({ t: column(0) })));
  await assert.rejects(loadConfig(rocket, undefined, [`dataDir=${runs}`]), /run-001\.parquet: missing columns p_dyn, oh_star/);
  writeFileSync(join(runs, 'run-001.parquet'), 'not parquet');
  await assert.rejects(loadConfig(rocket, undefined, [`dataDir=${runs}`]), /run-001\.parquet: not a readable Parquet file/);
});
