import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHECKPOINT_ARTIFACT, RunStore } from '../../lib/store/run-store.ts';
import { numberColumn } from '../../lib/store/parquet.ts';
import { planClean } from '../../lib/store/clean.ts';
import type { RunResults } from '../../cli/run-results.ts';
import type { ArtifactRef } from '../../lib/engine/types.ts';
import { sciflow } from '../support/cli.ts';
import { startTestEnvironment, type TestEnvironment } from '../support/temporal.ts';

let env: TestEnvironment;
let mixedStdout = '';
const SMALL = ['--set', 'observations=40', '--set', 'substeps=300', '--set', 'chains=2', '--set', 'initDraws=100', '--set', 'nlive=100'];

before(async () => {
  env = await startTestEnvironment();
  // A well-mixed run and one whose chains are far too short to agree.
  const labels = ['--tag', 'owner=ana', '--tag', 'purpose=check', '--note', 'well mixed'];
  const good = await sciflow(['run', 'demo', ...SMALL, '--set', 'steps=1000', '--set', 'burnIn=200', '--run-id', 'mixed', ...labels], env.env);
  assert.equal(good.code, 0, good.stderr);
  mixedStdout = good.stdout;
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

test('sciflow run ends with a closing summary: evidence, posterior medians, verdict, report, server note', () => {
  assert.match(mixedStdout, /ln Z = -?\d+\.\d\d ± \d+\.\d\d/);
  assert.match(mixedStdout, /median and 68 % interval/);
  assert.match(mixedStdout, /(reproduces|does NOT reproduce) .*: min BC \d\.\d{3}/);
  assert.match(mixedStdout, /report: .*mixed\/report\.html/);
  assert.match(mixedStdout, /sciflow server stop/);
});

test('sciflow query: the config and tags columns are JSON, so config.<key> and tags->>\'<key>\' select a key; note is text', async () => {
  const r = await sciflow(['query', "SELECT run_id, config.steps AS steps, tags->>'owner' AS owner, note FROM runs ORDER BY run_id", '--json'], env.env);
  assert.equal(r.code, 0, r.stderr);
  const rows = JSON.parse(r.stdout) as { run_id: string; steps: string; owner: string | null; note: string | null }[];
  assert.deepEqual(rows.map((x) => [x.run_id, Number(x.steps), x.owner, x.note]), [['mixed', 1000, 'ana', 'well mixed'], ['unmixed', 8, null, null]]);
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
    assert.equal(files.length, 1 + 2 + 3 + 2 + 1, 'observations, 2 chains, nested samples + equal-weight draws + evidence, posterior + pooled samples, comparison');
    assert.ok(readdirSync(out).includes('manifest.json'));
    if (format === 'csv') {
      const csv = readFileSync(join(out, 'summary-posterior.csv'), 'utf8').trim().split('\n');
      assert.equal(csv[0], 'parameter,mean,sd,rhat,tau,ess,truth,pull');
      assert.equal(csv.length, 4);
    }
    if (format === 'json') {
      const rows = JSON.parse(readFileSync(join(out, 'summary-posterior.json'), 'utf8'));
      assert.deepEqual(rows.map((x: { parameter: string }) => x.parameter), ['omega', 'gamma', 'amplitude']);
      assert.equal(typeof rows[0].mean, 'number');
    }
  }
});

/** Flip bytes in the middle of a file, as a bad disk sector or a careless edit would. */
function flipBytes(path: string): void {
  const bytes = readFileSync(path);
  for (let i = bytes.length >> 1; i < (bytes.length >> 1) + 16; i++) bytes[i] = bytes[i]! ^ 0xff;
  writeFileSync(path, bytes);
}

const stderrLines = (stderr: string) => stderr.trim().split('\n');

test('a damaged store: a corrupt artifact and a truncated manifest are named on stderr and skipped, never break queries', async () => {
  // A copy of the store (same run ids, so artifact URIs stay valid) keeps the runs above intact.
  const root = join(env.dir, 'damaged-store');
  for (const [from, to] of [['mixed', 'mixed'], ['unmixed', 'unmixed'], ['mixed', 'cut']]) cpSync(join(env.storeRoot, from), join(root, to), { recursive: true });
  const store = new RunStore(root);
  const good = [(await store.readManifest('mixed'))!, (await store.readManifest('unmixed'))!];
  const output = (stage: string, name: string) => good[1]!.stages.find((s) => s.name === stage)!.outputs!.branches[0]![name]!;
  const corrupt = [output('compare', 'comparison'), output('summary', 'posterior_samples')];
  corrupt.forEach((ref) => flipBytes(store.resolveUri(ref.uri)));
  const cutManifest = store.manifestPath('cut');
  writeFileSync(cutManifest, readFileSync(cutManifest, 'utf8').slice(0, 200));
  const cli = (...args: string[]) => sciflow(['--store', root, ...args], env.env);
  const manifestLine = `sciflow: skipped ${cutManifest}: damaged manifest (`;
  const artifactLine = (ref: ArtifactRef) => `sciflow: skipped ${store.resolveUri(ref.uri)}: corrupt: sha256 `;

  // One query answers for runs and artifacts: every artifact listed, `verified` false for the two corrupt ones.
  const counts = await cli('query', 'SELECT (SELECT count(*) FROM runs) AS runs, (SELECT count(*) FROM artifacts) AS artifacts, (SELECT list(uri ORDER BY uri) FROM artifacts WHERE NOT verified) AS unverified', '--json');
  assert.equal(counts.code, 0, counts.stderr);
  const refs = good.flatMap((m) => m.stages.flatMap((s) => (s.outputs?.branches ?? []).flatMap((b) => Object.entries(b).map(([name, ref]) => ({ run: m.runId, stage: s.name, name, ref })))));
  const [found] = JSON.parse(counts.stdout) as { runs: string; artifacts: string; unverified: string[] }[];
  assert.deepEqual([Number(found!.runs), Number(found!.artifacts), found!.unverified], [2, refs.length, corrupt.map((ref) => ref.uri).sort()]);
  const skipped = stderrLines(counts.stderr);
  assert.equal(skipped.length, 3, counts.stderr);
  for (const line of [manifestLine, ...corrupt.map(artifactLine)]) assert.ok(skipped.some((l) => l.startsWith(line)), `${line}… in\n${counts.stderr}`);

  const rows = async (sql: string) => {
    const r = await cli('query', sql, '--json');
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as Record<string, string | number>[];
  };
  // samples: every intact posterior_samples artifact, all its rows; the corrupt one left out.
  const samples = await rows('SELECT run_id, stage, count(*) AS n FROM samples GROUP BY ALL ORDER BY ALL');
  const expected = refs.filter((a) => a.name === 'posterior_samples' && !corrupt.includes(a.ref)).map((a) => [a.run, a.stage, a.ref.rows]);
  assert.ok(expected.some(([run]) => run === 'unmixed'), "the unmixed run's intact samples stay");
  assert.deepEqual(samples.map((x) => [x.run_id, x.stage, Number(x.n)]), expected.sort());
  // metrics: the unmixed comparison rows are gone; its stage summaries (logZ) and the mixed comparison stay.
  const mixedComparison = await store.get(good[0]!.stages.find((s) => s.name === 'compare')!.outputs!.branches[0]!.comparison!);
  const bcRows = (mixedComparison.getChild('metric')!.toArray() as string[]).filter((m) => m === 'bhattacharyya').length;
  assert.ok(bcRows > 0);
  const metrics = await rows("SELECT metric, run_id, count(*) AS n FROM metrics WHERE metric IN ('bhattacharyya', 'logZ') GROUP BY ALL ORDER BY ALL");
  assert.deepEqual(metrics.map((x) => [x.metric, x.run_id, Number(x.n)]), [['bhattacharyya', 'mixed', bcRows], ['logZ', 'mixed', 1], ['logZ', 'unmixed', 1]]);

  const list = await cli('list');
  assert.equal(list.code, 0, list.stderr);
  assert.deepEqual(list.stdout.split('\n').filter((l) => /^(mixed|unmixed|cut)\b/.test(l)).map((l) => l.split(/\s+/)[0]), ['mixed', 'unmixed']);
  assert.equal(stderrLines(list.stderr).length, 1, list.stderr);
  assert.ok(list.stderr.startsWith(manifestLine), list.stderr);
  const listJson = JSON.parse((await cli('list', '--json')).stdout) as { runId: string; status: string; manifest?: string }[];
  assert.deepEqual(listJson.map((r) => [r.runId, r.status]), [['mixed', 'completed'], ['unmixed', 'completed'], ['cut', 'damaged']]);
  assert.equal(listJson[2]!.manifest, cutManifest);

  // Commands on the damaged run: exit 2, one line naming its manifest, no stack. Commands that
  // need the corrupt artifact: exit 2, one line naming it, nothing exported. (Independent: run at once.)
  const exportDir = join(env.dir, 'export-damaged');
  const damagedManifest = /^sciflow: .*\/cut\/manifest\.json: damaged manifest \(.*JSON.*\); the run's artifacts are untouched\n$/;
  const corruptArtifact = /^sciflow: artifact unmixed\/(compare|summary)\/\S+\.parquet is corrupt: sha256 \S+ ≠ recorded \S+\n$/;
  const cases: [string[], RegExp][] = [
    ...[['status', 'cut'], ['results', 'cut'], ['report', 'cut'], ['resume', 'cut'], ['export', 'cut', '--out', exportDir]].map((args): [string[], RegExp] => [args, damagedManifest]),
    ...[['results', 'unmixed'], ['export', 'unmixed', '--out', exportDir]].map((args): [string[], RegExp] => [args, corruptArtifact]),
  ];
  const results = await Promise.all(cases.map(([args]) => cli(...args)));
  results.forEach((r, i) => {
    const [args, line] = cases[i]!;
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, line, args.join(' '));
  });
  assert.equal(existsSync(exportDir), false);
});

test('sciflow results: every posterior\'s median with 68 % and 95 % intervals, the evidence reference, the comparison\'s two sides', async () => {
  const r = await sciflow(['results', 'mixed', '--json'], env.env);
  assert.equal(r.code, 0, r.stderr);
  const results = JSON.parse(r.stdout) as RunResults;
  assert.deepEqual([results.tags, results.note], [{ owner: 'ana', purpose: 'check' }, 'well mixed']);
  assert.deepEqual(results.posteriors.map((p) => [p.label, p.weighted]), [['nested', true], ['summary', false]]);
  // The pooled chains are equally weighted: their median is the plain median of the stored draws.
  const store = new RunStore(env.storeRoot);
  const manifest = (await store.readManifest('mixed'))!;
  const draws = numberColumn(await store.get(manifest.stages.find((s) => s.name === 'summary')!.outputs!.branches[0]!.posterior_samples!), 'omega').sort();
  const plainMedian = (draws[draws.length / 2 - 1]! + draws[draws.length / 2]!) / 2;
  for (const p of results.posteriors) {
    assert.deepEqual(p.parameters.map((x) => x.name), ['omega', 'gamma', 'amplitude']);
    for (const x of p.parameters) assert.ok(x.ci95[0] < x.ci68[0] && x.ci68[0] < x.median && x.median < x.ci68[1] && x.ci68[1] < x.ci95[1], JSON.stringify(x));
    const omega = p.parameters[0]!;
    assert.ok(omega.ci95[0] < 1.7 && 1.7 < omega.ci95[1], `${p.label}: omega 95 % interval ${omega.ci95} holds the truth`);
  }
  assert.ok(Math.abs(results.posteriors[1]!.parameters[0]!.median - plainMedian) < 1e-12);
  assert.deepEqual(results.evidence.map((e) => [e.label, e.reference]), [['nested', true]]);
  const [comparison] = results.comparisons;
  assert.deepEqual([comparison!.label, comparison!.reference, comparison!.other], ['compare', 'summary', 'nested']);
  assert.deepEqual(comparison!.metrics.map((m) => m.parameter), ['omega', 'gamma', 'amplitude']);
  assert.equal(comparison!.minBC, Math.min(...comparison!.metrics.map((m) => m.bhattacharyya!)));
});

test('sciflow clean: lists only the cache entry and checkpoints no run needs (a dry run), deletes them with --yes, and every run stays intact', async () => {
  const store = new RunStore(env.storeRoot);
  // Orphans: a cache entry of a run deleted since, and a checkpoint (with its pointer) of a stage that finished.
  const orphanKey = 'f'.repeat(64);
  await store.writeIndex('cache', orphanKey, { result: { outputs: {} }, runId: 'deleted-run', stage: 'nested' });
  const checkpoint = await store.putJsonVersion('mixed', ['nested', CHECKPOINT_ARTIFACT], { iteration: 1 });
  await store.writeIndex('checkpoints', orphanKey, checkpoint);
  const recorded = (await store.listIndex('cache')).filter((e) => e.key !== orphanKey);
  assert.ok(recorded.length >= 5, 'the runs\' own cache entries');

  // The runs themselves left nothing to clean (test/integration/crash-resume.test.ts: nor does a killed and resumed stage).
  const dry = await sciflow(['clean', '--json'], env.env);
  assert.equal(dry.code, 0, dry.stderr);
  const planned = JSON.parse(dry.stdout) as { deleted: boolean; items: { kind: string; path: string; bytes: number }[]; bytes: number };
  const orphans = [['cache', `.cache/${orphanKey}.json`], ['checkpoint pointer', `.checkpoints/${orphanKey}.json`], ['checkpoint', checkpoint.uri]];
  assert.deepEqual(planned.items.map((i) => [i.kind, i.path]).sort(), orphans.sort());
  assert.equal(planned.deleted, false);
  assert.equal(planned.items.find((i) => i.kind === 'checkpoint')!.bytes, checkpoint.bytes);
  assert.ok(await store.exists(checkpoint.uri), 'a dry run deletes nothing');

  const yes = await sciflow(['clean', '--yes', '--json'], env.env);
  assert.equal(yes.code, 0, yes.stderr);
  assert.equal(JSON.parse(yes.stdout).deleted, true);
  assert.equal(await store.exists(checkpoint.uri), false);
  assert.deepEqual((await store.listIndex('cache')).map((e) => e.key).sort(), recorded.map((e) => e.key).sort(), 'every recorded cache entry stays');
  for (const m of await store.listRuns()) {
    for (const ref of m.stages.flatMap((s) => (s.outputs?.branches ?? []).flatMap((b) => Object.values(b)))) assert.ok(await store.verify(ref), ref.uri);
  }
  assert.deepEqual((await planClean(store)).items, []);
});
