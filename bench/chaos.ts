/**
 * Chaos benchmark, run before a release: concurrent demo runs on the embedded Temporal dev server
 * while a seeded schedule SIGKILLs workers and restarts the server (kill -9, which the workers
 * repair, and `server stop` + `server start`); then a corrupted artifact, the runs left to finish
 * with one worker and no `resume`, every artifact compared with uninterrupted reference runs, and
 * a battery of bad CLI input that must be refused cleanly. Everything happens in a throw-away
 * folder (own SCIFLOW_HOME, run store and server); every process it starts is killed at the end.
 *
 *   node --import tsx bench/chaos.ts [--kills 30] [--restarts 3] [--runs 6] [--seed 1] [--results NAME] [--keep]
 *
 * --seed drives the schedule (intervals, victims, kinds of restart, the artifact corrupted), so a
 * failure can be replayed; --keep leaves the temporary folder (logs, store) for a post-mortem.
 * Writes bench/results/NAME.json and .md (default NAME: chaos).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ArtifactRef, RunManifest } from '../lib/engine/types.ts';
import { Rng } from '../lib/random.ts';
import { RunStore } from '../lib/store/run-store.ts';
import { prepareBadInputs, runBadInputs, type BadInputOutcome } from './chaos/bad-inputs.ts';
import { alive, portOpen, ROOT, Sandbox, sleep, type CliResult, type Worker } from './chaos/sandbox.ts';

interface Options {
  kills: number;
  restarts: number;
  runs: number;
  seed: number;
  results: string;
  keep: boolean;
}

function parseOptions(argv: string[]): Options {
  const options: Options = { kills: 30, restarts: 3, runs: 6, seed: 1, results: 'chaos', keep: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!.replace(/^--/, '');
    if (flag === 'keep') options.keep = true;
    else if (flag === 'results') options.results = argv[++i]!;
    else if (flag === 'kills' || flag === 'restarts' || flag === 'runs' || flag === 'seed') {
      const value = Number(argv[++i]);
      if (!Number.isInteger(value) || value < (flag === 'runs' ? 1 : 0)) throw new Error(`--${flag} needs a ${flag === 'runs' ? 'positive' : 'non-negative'} integer`);
      options[flag] = value;
    } else throw new Error(`unknown option ${argv[i]} (expected --kills, --restarts, --runs, --seed, --results, --keep)`);
  }
  return options;
}

const options = parseOptions(process.argv.slice(2));
/** The release targets; --kills and --restarts only set how long the chaos lasts (a short debug run misses them). */
const TARGETS = { kills: 30, restarts: 3, badInputs: 60 };
/** Tens of seconds of work per run on 2 cores, checkpointed every second; a lost worker is noticed in 2 s. */
const RUN_CONFIG = { observations: 60, chains: 2, concurrency: 2, steps: 4000, burnIn: 500, substeps: 3000, nlive: 100, checkpointSeconds: 1, heartbeatSeconds: 2 };
const FIRST_SEED = 101;
/** Seconds between chaos events, drawn uniformly. */
const INTERVAL_S = [2, 6] as const;
const WAIT_FOR_RUNS_MS = 30 * 60_000;
const CLEAN_REFUSAL = 'exit 2, one stderr line, no stack trace, nothing written';

// ---------------------------------------------------------------------------------------------
// Event log: every action and observation, with its time, printed as it happens.

interface ChaosEvent {
  t_s: number;
  at: string;
  kind: string;
  detail: string;
}

const startedAt = Date.now();
const events: ChaosEvent[] = [];

function logEvent(kind: string, detail: string): void {
  const event = { t_s: Math.round((Date.now() - startedAt) / 100) / 10, at: new Date().toISOString(), kind, detail };
  events.push(event);
  console.log(`[${event.t_s.toFixed(1).padStart(7)} s] ${kind}: ${detail}`);
}

// ---------------------------------------------------------------------------------------------
// Runs: submitted through the CLI, followed through their manifests.

interface TrackedRun {
  runId: string;
  seed: number;
  status: string;
}

const configSets = (seed: number) => Object.entries({ ...RUN_CONFIG, seed }).flatMap(([k, v]) => ['--set', `${k}=${v}`]);

async function submit(sandbox: Sandbox, store: RunStore, runId: string, seed: number, noCache: boolean): Promise<void> {
  const result = await sandbox.cli(['--store', store.root, 'submit', 'demo', ...configSets(seed), '--run-id', runId, ...(noCache ? ['--no-cache'] : [])]);
  if (result.code !== 0) throw new Error(`sciflow submit ${runId} exited ${result.code}: ${result.stderr.trim()}`);
  logEvent('submit', `${runId} (seed ${seed}${noCache ? ', --no-cache' : ''})`);
}

/** `--runs` new chaos runs, seeds continuing from the last batch's. */
async function submitBatch(sandbox: Sandbox, store: RunStore, runs: TrackedRun[]): Promise<void> {
  const firstSeed = FIRST_SEED + runs.length;
  const batch = Array.from({ length: options.runs }, (_, i) => ({ runId: `chaos-${firstSeed + i}`, seed: firstSeed + i, status: 'submitted' }));
  await Promise.all(batch.map((r) => submit(sandbox, store, r.runId, r.seed, true)));
  runs.push(...batch);
}

const readManifest = (store: RunStore, runId: string) => store.readManifest(runId).catch(() => undefined);

/** Refresh each run's status from its manifest; log the runs that finished since the last look. */
async function refreshStatuses(store: RunStore, runs: TrackedRun[]): Promise<void> {
  for (const run of runs) {
    const status = (await readManifest(store, run.runId))?.status ?? run.status;
    if (status !== run.status && status !== 'running') logEvent('run_finished', `${run.runId}: ${status}`);
    run.status = status;
  }
}

const finished = (run: TrackedRun) => !['submitted', 'running'].includes(run.status);

/** Stages running right now across all runs: whether a kill lands inside work. */
async function runningStages(store: RunStore, runs: TrackedRun[]): Promise<number> {
  let n = 0;
  for (const run of runs) n += (await readManifest(store, run.runId))?.stages.filter((s) => s.status === 'running').length ?? 0;
  return n;
}

/**
 * Wait until every run has closed in Temporal (the manifest says `completed` a moment before the
 * workflow writes its report and closes); `sciflow status --json` confirms it as a user would.
 */
async function waitForRuns(sandbox: Sandbox, store: RunStore, runs: TrackedRun[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const open = new Set(runs);
  while (open.size > 0 && Date.now() < deadline) {
    await refreshStatuses(store, [...open]);
    for (const run of [...open].filter(finished)) {
      const view = parseJson<{ temporalStatus?: string }>((await sandbox.cli(['--store', store.root, 'status', run.runId, '--json'])).stdout);
      if (view?.temporalStatus && view.temporalStatus !== 'RUNNING') open.delete(run);
    }
    if (open.size > 0) await sleep(2000);
  }
  for (const run of open) logEvent('run_timeout', `${run.runId} still ${run.status} after ${timeoutMs / 60_000} min`);
}

function parseJson<T>(text: string): T | undefined {
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Chaos: worker kills and server restarts on a seeded schedule.

interface ServerRestart {
  how: 'kill9' | 'stop_start';
  address_before: string;
  address_after?: string;
  same_address: boolean;
  /** Seconds from the kill (or stop) until the server answered again. */
  downtime_s?: number;
  /** kill9 only: a worker printed that it restarted the server. */
  worker_reported?: boolean;
}

interface ChaosTally {
  kills: number;
  killsInsideWork: number;
  restarts: ServerRestart[];
  batches: number;
}

async function killRandomWorker(sandbox: Sandbox, store: RunStore, workers: Worker[], runs: TrackedRun[], rng: Rng, tally: ChaosTally): Promise<void> {
  const index = rng.int(workers.length);
  const victim = workers[index]!;
  const busy = await runningStages(store, runs);
  await sandbox.killWorker(victim);
  tally.kills++;
  if (busy > 0) tally.killsInsideWork++;
  const replacement = sandbox.startWorker();
  workers[index] = replacement;
  logEvent('worker_kill', `#${tally.kills}: SIGKILL to process group ${victim.pid} (up ${((Date.now() - victim.startedAt) / 1000).toFixed(1)} s; ${busy} stages running); replacement ${replacement.pid}`);
  const ready = await sandbox.waitForWorkerReady(replacement);
  logEvent(ready ? 'worker_ready' : 'worker_not_ready', `${replacement.pid} after ${((Date.now() - replacement.startedAt) / 1000).toFixed(1)} s`);
}

/** kill -9 the server; the workers' supervision must bring it back on the same address. */
async function restartByKill9(sandbox: Sandbox): Promise<ServerRestart> {
  const before = sandbox.serverInfo()!;
  const reportsBefore = sandbox.serverRestartsReportedByWorkers();
  const killedAt = Date.now();
  process.kill(before.pid, 'SIGKILL');
  logEvent('server_kill9', `SIGKILL to the dev server ${before.pid} at ${before.address}`);
  const after = await until(async () => {
    const info = sandbox.serverInfo();
    return info && info.pid !== before.pid && alive(info.pid) && (await portOpen(info.address)) ? info : undefined;
  }, 120_000);
  const downtime = (Date.now() - killedAt) / 1000;
  const reported = Boolean(await until(async () => sandbox.serverRestartsReportedByWorkers() > reportsBefore || undefined, 10_000));
  const restart: ServerRestart = {
    how: 'kill9',
    address_before: before.address,
    ...(after && { address_after: after.address, downtime_s: downtime }),
    same_address: after?.address === before.address,
    worker_reported: reported,
  };
  logEvent('server_restarted', after ? `by a worker as ${after.pid} on ${after.address} after ${downtime.toFixed(1)} s (same address: ${restart.same_address}; worker said so: ${reported})` : 'NOT restarted within 120 s');
  return restart;
}

/** `sciflow server stop`, a pause, `sciflow server start`: the server must come back on its address. */
async function restartByStopStart(sandbox: Sandbox, rng: Rng): Promise<ServerRestart> {
  const before = sandbox.serverInfo()!;
  const stoppedAt = Date.now();
  const stop = await sandbox.cli(['server', 'stop', '--json']);
  logEvent('server_stop', `sciflow server stop: exit ${stop.code}, stopped: ${parseJson<{ stopped: boolean }>(stop.stdout)?.stopped}`);
  await sleep(1000 + 2000 * rng.uniform());
  const start = await sandbox.cli(['server', 'start', '--json']);
  const info = parseJson<{ address: string; pid: number; sameAddress: boolean }>(start.stdout);
  const downtime = (Date.now() - stoppedAt) / 1000;
  const restart: ServerRestart = {
    how: 'stop_start',
    address_before: before.address,
    ...(info && { address_after: info.address, downtime_s: downtime }),
    same_address: info?.address === before.address && info.sameAddress,
  };
  logEvent('server_start', info ? `sciflow server start: ${info.pid} on ${info.address} after ${downtime.toFixed(1)} s down (same address: ${restart.same_address})` : `sciflow server start failed: exit ${start.code} ${start.stderr.trim()}`);
  return restart;
}

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value) return value;
    await sleep(200);
  }
  return undefined;
}

/**
 * Until both targets are met: wait a random interval, then either kill a random worker (and start
 * its replacement) or restart the server, kill -9 and stop/start in turn. Restarts are spread
 * over the kills by drawing each event's kind in proportion to what is left of each target.
 */
async function chaos(sandbox: Sandbox, store: RunStore, workers: Worker[], runs: TrackedRun[], rng: Rng): Promise<ChaosTally> {
  const tally: ChaosTally = { kills: 0, killsInsideWork: 0, restarts: [], batches: 1 };
  while (tally.kills < options.kills || tally.restarts.length < options.restarts) {
    await sleep(1000 * (INTERVAL_S[0] + (INTERVAL_S[1] - INTERVAL_S[0]) * rng.uniform()));
    await refreshStatuses(store, runs);
    if (runs.every(finished)) {
      tally.batches++;
      logEvent('batch', `every run has finished before the targets were met: batch ${tally.batches}`);
      await submitBatch(sandbox, store, runs);
    }
    const killsLeft = Math.max(0, options.kills - tally.kills);
    const restartsLeft = Math.max(0, options.restarts - tally.restarts.length);
    if (rng.uniform() < restartsLeft / (killsLeft + restartsLeft)) {
      tally.restarts.push(tally.restarts.length % 2 === 0 ? await restartByKill9(sandbox) : await restartByStopStart(sandbox, rng));
    } else {
      await killRandomWorker(sandbox, store, workers, runs, rng, tally);
    }
  }
  return tally;
}

// ---------------------------------------------------------------------------------------------
// Artifacts: what "identical" and "lost" mean.

interface RecordedArtifact {
  stage: string;
  branch: number;
  name: string;
  ref: ArtifactRef;
}

const artifactKey = (a: Pick<RecordedArtifact, 'stage' | 'branch' | 'name'>) => `${a.stage}/b${a.branch}/${a.name}`;

/** Every artifact a manifest records; checkpoints are progress, not results, and may differ. */
function resultArtifacts(manifest: RunManifest, withCheckpoints = false): RecordedArtifact[] {
  return manifest.stages.flatMap((s) =>
    (s.outputs?.branches ?? []).flatMap((outputs, branch) =>
      Object.entries(outputs)
        .filter(([name]) => withCheckpoints || name !== 'checkpoint')
        .map(([name, ref]) => ({ stage: s.name, branch, name, ref })),
    ),
  );
}

const hashesOf = (manifest: RunManifest) => Object.fromEntries(resultArtifacts(manifest).map((a) => [artifactKey(a), a.ref.sha256]));

/** Keys whose hashes differ between two runs (or exist in only one). */
function differingArtifacts(a: RunManifest, b: RunManifest): string[] {
  const [ha, hb] = [hashesOf(a), hashesOf(b)];
  return [...new Set([...Object.keys(ha), ...Object.keys(hb)])].filter((k) => ha[k] !== hb[k]).sort();
}

/** XOR 16 bytes in the middle of a file; applying it twice restores the file. */
function flipBytes(file: string): void {
  const bytes = readFileSync(file);
  const at = bytes.length >> 1;
  for (let i = at; i < Math.min(bytes.length, at + 16); i++) bytes[i]! ^= 0xff;
  writeFileSync(file, bytes);
}

// ---------------------------------------------------------------------------------------------
// Corruption: detected by name, the store still queryable, the stage recomputed to the same bytes.

interface CorruptionReport {
  run?: string;
  artifact?: string;
  uri?: string;
  results?: { code: number | null; stderr: string; clean: boolean; names_artifact: boolean };
  query_runs?: { code: number | null; rows?: unknown };
  listed_unverified?: boolean;
  export?: { code: number | null; stderr: string; clean: boolean; names_artifact: boolean };
  recompute_run?: string;
  recompute_status?: string;
  stage_recomputed?: boolean;
  /** The recomputed stage continued from the chaos run's last checkpoint (checkpoints are keyed like the cache). */
  stage_resumed_from_checkpoint?: boolean;
  stages_from_cache?: string[];
  recomputed_sha256_matches?: boolean;
  other_artifacts_identical?: boolean;
  restored?: boolean;
  detected: boolean;
  recomputed_identical: boolean;
}

const oneCleanLine = (r: CliResult) => r.code === 2 && r.stderr.trim().split('\n').length === 1 && !/\n\s+at /.test(r.stderr);

async function corruptAndRecompute(sandbox: Sandbox, store: RunStore, runs: TrackedRun[], rng: Rng): Promise<CorruptionReport> {
  const completed = runs.filter((r) => r.status === 'completed');
  if (completed.length === 0) {
    logEvent('corrupt', 'skipped: no completed run');
    return { detected: false, recomputed_identical: false };
  }
  const victim = completed[rng.int(completed.length)]!;
  const manifest = (await store.readManifest(victim.runId))!;
  const candidates = resultArtifacts(manifest);
  const target = candidates[rng.int(candidates.length)]!;
  const file = store.resolveUri(target.ref.uri);
  flipBytes(file);
  logEvent('corrupt', `flipped 16 bytes of ${target.ref.uri} (${artifactKey(target)} of ${victim.runId})`);

  const results = await sandbox.cli(['results', victim.runId]);
  const query = await sandbox.cli(['query', 'select count(*) as runs from runs', '--json']);
  const unverified = await sandbox.cli(['query', 'select uri from artifacts where not verified', '--json']);
  // Not a target, for the record: `export` reads every artifact, where `results` reads the science tables.
  const exported = await sandbox.cli(['export', victim.runId, '--out', path.join(sandbox.dir, 'export-check')]);
  const report: CorruptionReport = {
    run: victim.runId,
    artifact: artifactKey(target),
    uri: target.ref.uri,
    results: { code: results.code, stderr: results.stderr.trim(), clean: oneCleanLine(results), names_artifact: results.stderr.includes(target.ref.uri) },
    query_runs: { code: query.code, rows: parseJson(query.stdout) },
    listed_unverified: unverified.code === 0 && unverified.stdout.includes(target.ref.uri),
    export: { code: exported.code, stderr: exported.stderr.trim(), clean: oneCleanLine(exported), names_artifact: exported.stderr.includes(target.ref.uri) },
    detected: false,
    recomputed_identical: false,
  };
  report.detected = report.results!.clean && report.results!.names_artifact && query.code === 0;
  logEvent('corrupt_checked', `results: exit ${results.code} "${report.results!.stderr}"; query: exit ${query.code}; listed as unverified: ${report.listed_unverified}; export: exit ${exported.code}`);

  // The same config under a new id, cache on: the corrupt entry must be a miss, the rest hits.
  const recompute = { runId: `recompute-${victim.seed}`, seed: victim.seed, status: 'submitted' };
  await submit(sandbox, store, recompute.runId, recompute.seed, false);
  await waitForRuns(sandbox, store, [recompute], WAIT_FOR_RUNS_MS);
  const again = await readManifest(store, recompute.runId);
  const stage = again?.stages.find((s) => s.name === target.stage);
  const fresh = stage?.outputs?.branches[target.branch]?.[target.name];
  Object.assign(report, {
    recompute_run: recompute.runId,
    recompute_status: again?.status,
    stage_recomputed: stage ? (stage.branches > 1 ? stage.cachedBranches === stage.branches - 1 : !stage.cached) : false,
    stage_resumed_from_checkpoint: stage?.resumedFromCheckpoint ?? false,
    stages_from_cache: again?.stages.filter((s) => s.cached).map((s) => s.name) ?? [],
    recomputed_sha256_matches: Boolean(fresh && fresh.sha256 === target.ref.sha256 && (await store.verify(fresh))),
    other_artifacts_identical: again ? differingArtifacts(again, manifest).length === 0 : false,
  });
  report.recomputed_identical = again?.status === 'completed' && Boolean(report.stage_recomputed && report.recomputed_sha256_matches && report.other_artifacts_identical);
  logEvent('recomputed', `${recompute.runId}: ${again?.status}; ${target.stage} recomputed: ${report.stage_recomputed}; sha256 equals the original record: ${report.recomputed_sha256_matches}; from cache: ${report.stages_from_cache!.join(', ') || 'none'}`);

  flipBytes(file); // restore it, so the bad-input queries below see a healthy store
  report.restored = await store.verify(target.ref);
  return report;
}

// ---------------------------------------------------------------------------------------------
// The benchmark.

interface RunDetail {
  run_id: string;
  seed: number;
  status: string;
  executions?: number;
  completed_unattended: boolean;
  reference_run: string;
  reference_status?: string;
  /** The reference's stages that resumed from a checkpoint: none, or it was not uninterrupted. */
  reference_resumed: string[];
  same_config_hash: boolean;
  identical: boolean;
  differing_artifacts: string[];
  damaged_artifacts: string[];
  resumed_from_checkpoint: string[];
  wall_s?: number;
}

/**
 * The same configs, uninterrupted, in a fresh run store on the same server and remaining worker.
 * A fresh store, because checkpoints are keyed like the cache: in the chaos store a stage would
 * resume from the final checkpoint its chaos run left, even with --no-cache, and prove nothing.
 */
async function compareWithReferences(sandbox: Sandbox, store: RunStore, runs: TrackedRun[], corruptedUri: string | undefined): Promise<RunDetail[]> {
  const referenceStore = new RunStore(path.join(sandbox.dir, 'reference-runs'));
  const references = runs.map((r) => ({ runId: `reference-${r.seed}`, seed: r.seed, status: 'submitted' }));
  logEvent('reference', `the same ${runs.length} configs, uninterrupted, in a fresh run store, on the remaining worker`);
  for (const r of references) await submit(sandbox, referenceStore, r.runId, r.seed, true);
  await waitForRuns(sandbox, referenceStore, references, WAIT_FOR_RUNS_MS);
  const details: RunDetail[] = [];
  for (const [i, run] of runs.entries()) {
    const manifest = await readManifest(store, run.runId);
    const reference = await readManifest(referenceStore, references[i]!.runId);
    const damaged = [];
    for (const a of manifest ? resultArtifacts(manifest, true) : []) {
      if (a.ref.uri !== corruptedUri && (await store.damage(a.ref))) damaged.push(a.ref.uri);
    }
    const differing = manifest && reference ? differingArtifacts(manifest, reference) : ['(no manifest)'];
    details.push({
      run_id: run.runId,
      seed: run.seed,
      status: manifest?.status ?? 'missing',
      executions: manifest?.executions,
      completed_unattended: manifest?.status === 'completed' && manifest.executions === 1,
      reference_run: references[i]!.runId,
      reference_status: reference?.status,
      reference_resumed: reference?.stages.filter((s) => s.resumedFromCheckpoint).map((s) => s.name) ?? [],
      same_config_hash: Boolean(manifest && reference && manifest.configHash === reference.configHash),
      identical: manifest?.status === 'completed' && reference?.status === 'completed' && differing.length === 0 && !reference.stages.some((s) => s.resumedFromCheckpoint),
      differing_artifacts: differing,
      damaged_artifacts: damaged,
      resumed_from_checkpoint: manifest?.stages.filter((s) => s.resumedFromCheckpoint).map((s) => s.name) ?? [],
      ...(manifest?.finishedAt && { wall_s: (Date.parse(manifest.finishedAt) - Date.parse(manifest.createdAt)) / 1000 }),
    });
  }
  return details;
}

async function benchmark(sandbox: Sandbox) {
  const store = new RunStore(sandbox.store);
  const rng = Rng.fromSeed(options.seed);
  logEvent('setup', `sandbox ${sandbox.dir}; ${options.runs} runs, targets ${options.kills} worker kills and ${options.restarts} server restarts, seed ${options.seed}`);

  const server = await sandbox.cli(['server', 'start', '--json']);
  if (server.code !== 0) throw new Error(`sciflow server start exited ${server.code}: ${server.stderr}`);
  logEvent('server_start', `embedded dev server at ${sandbox.serverInfo()?.address}`);
  const workers = [sandbox.startWorker(), sandbox.startWorker()];
  for (const w of workers) if (!(await sandbox.waitForWorkerReady(w))) throw new Error(`worker ${w.pid} did not start; see ${w.log}`);
  logEvent('workers', `2 workers up: ${workers.map((w) => w.pid).join(', ')}`);

  const runs: TrackedRun[] = [];
  await submitBatch(sandbox, store, runs);
  const tally = await chaos(sandbox, store, workers, runs, rng);

  // Quiet: one worker, nobody touching anything, no resume.
  for (const w of workers.slice(1)) await sandbox.killWorker(w);
  logEvent('quiet', `chaos over (${tally.kills} kills, ${tally.restarts.length} server restarts); one worker (${workers[0]!.pid}) left, waiting for every run`);
  await waitForRuns(sandbox, store, runs, WAIT_FOR_RUNS_MS);

  const corruption = await corruptAndRecompute(sandbox, store, runs, rng);
  const details = await compareWithReferences(sandbox, store, runs, corruption.uri);

  const finishedRun = details.find((d) => d.status === 'completed')?.run_id ?? runs[0]!.runId;
  const { cases, controls, watched } = prepareBadInputs(sandbox, finishedRun);
  const controlResults = [];
  for (const args of controls) {
    const r = await sandbox.cli(args);
    controlResults.push({ args, code: r.code, accepted: r.code === 0, stderr: r.stderr.trim() });
  }
  logEvent('bad_inputs_controls', `${controlResults.filter((c) => c.accepted).length}/${controls.length} good inputs accepted (without them a refusal could be the base config's, not the bad input's)`);
  logEvent('bad_inputs', `${cases.length} bad invocations, each must be refused cleanly (${CLEAN_REFUSAL})`);
  const badInputs = await runBadInputs(sandbox, cases, watched, (o) => {
    if (!o.clean) logEvent('bad_input_not_clean', `sciflow ${o.args.join(' ')} → exit ${o.code}, ${o.stderr_lines} stderr lines: ${o.first_line}${o.changed.length ? `; changed ${o.changed.join(', ')}` : ''}`);
  });
  logEvent('done', `${badInputs.filter((o) => o.clean).length}/${badInputs.length} bad inputs refused cleanly`);
  return { sandbox, tally, corruption, details, badInputs, controlResults };
}

// ---------------------------------------------------------------------------------------------
// Results: JSON + markdown in bench/results, paths inside the sandbox shown as <tmp>.

function commitDescription(): string {
  const git = (...args: string[]) => spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' }).stdout.trim();
  const head = git('rev-parse', '--short', 'HEAD') || 'unknown';
  return git('status', '--porcelain') ? `${head} + uncommitted changes` : head;
}

function summarise({ sandbox, tally, corruption, details, badInputs, controlResults }: Awaited<ReturnType<typeof benchmark>>) {
  const hide = <T>(value: T): T => JSON.parse(JSON.stringify(value).split(sandbox.dir).join('<tmp>')) as T;
  const dataLost = details.reduce((n, d) => n + d.damaged_artifacts.length + (d.status === 'completed' ? 0 : 1), 0);
  const restartsBy = (how: ServerRestart['how']) => tally.restarts.filter((r) => r.how === how).length;
  return {
    generated: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version, memoryGiB: Math.round(os.totalmem() / 2 ** 30), load: os.loadavg() },
    commit: commitDescription(),
    command: `node --import tsx bench/chaos.ts ${process.argv.slice(2).join(' ')}`.trim(),
    options,
    run_config: RUN_CONFIG,
    targets: TARGETS,
    runs: details.length,
    runs_completed_unattended: details.filter((d) => d.completed_unattended).length,
    results_identical: details.filter((d) => d.identical).length,
    data_lost: dataLost,
    worker_kills: tally.kills,
    worker_kills_inside_work: tally.killsInsideWork,
    server_restarts: { total: tally.restarts.length, kill9: restartsBy('kill9'), stop_start: restartsBy('stop_start'), same_address: tally.restarts.filter((r) => r.same_address).length, details: tally.restarts },
    batches: tally.batches,
    corrupt_artifact_detected: corruption.detected,
    corrupt_artifact_recomputed_identical: corruption.recomputed_identical,
    corruption,
    bad_inputs_tried: badInputs.length,
    bad_inputs_refused_cleanly: badInputs.filter((o) => o.clean).length,
    bad_inputs_controls_accepted: controlResults.every((c) => c.accepted),
    wall_s: Math.round((Date.now() - startedAt) / 100) / 10,
    events: hide(events),
    bad_inputs: hide(badInputs),
    bad_inputs_controls: hide(controlResults),
    runs_detail: details,
  };
}

type Summary = ReturnType<typeof summarise>;

function markdown(r: Summary): string {
  const met = (ok: boolean) => (ok ? 'met' : '**not met**');
  const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const quoted = (s: string) => (s ? `\`${cell(s)}\`` : '(empty)');
  const shortArgs = (args: string[]) => cell(args.map((a) => (a.length > 60 ? `${a.slice(0, 57)}…` : a)).join(' '));
  const byCategory = new Map<string, BadInputOutcome[]>();
  for (const o of r.bad_inputs) byCategory.set(o.category, [...(byCategory.get(o.category) ?? []), o]);
  const rs = r.server_restarts;
  return [
    '# Chaos: worker kills, server restarts, a corrupted artifact and bad input',
    '',
    `Generated by \`bench/chaos.ts\` on ${r.generated}: \`${r.command}\` at commit ${r.commit} on ${r.machine.cpus}× ${r.machine.cpu}, Node ${r.machine.node} (load average at the end: ${r.machine.load.map((l) => l.toFixed(1)).join(', ')}). Wall time ${r.wall_s.toFixed(0)} s.`,
    '',
    `${r.runs} \`demo\` runs in ${r.batches} batch${r.batches === 1 ? '' : 'es'} of ${r.options.runs} concurrent ones (seeds ${FIRST_SEED}…${FIRST_SEED + r.runs - 1}, \`${Object.entries(r.run_config).map(([k, v]) => `${k}=${v}`).join(' ')}\`, \`--no-cache\`; a new batch whenever every run had finished before the targets were met) on the embedded dev server with two \`sciflow worker\` processes, each in its own process group.`,
    `Every ${INTERVAL_S[0]}–${INTERVAL_S[1]} s after the previous event (seeded schedule, seed ${r.options.seed}) one worker's process group is SIGKILLed and replaced, or the server is restarted — kill -9 (the workers' supervision restarts it) and \`sciflow server stop\` + \`start\` in turn — until both targets are met.`,
    'Then one worker is left and the runs finish unattended (no `resume`); one artifact of a completed run is corrupted; the same configs are run uninterrupted in a fresh run store (new run ids, same server) and every artifact sha256 is compared.',
    '',
    '## Targets',
    '',
    '| target | result |',
    '| --- | --- |',
    `| every run completes unattended | ${r.runs_completed_unattended}/${r.runs}: ${met(r.runs_completed_unattended === r.runs)} |`,
    `| every run identical to its uninterrupted reference (all artifact sha256) | ${r.results_identical}/${r.runs}: ${met(r.results_identical === r.runs)}${r.runs_detail.some((d) => d.reference_resumed.length) ? ' (**a reference resumed from a checkpoint**)' : ''} |`,
    `| 0 data lost (artifacts missing or failing sha256, runs not completed) | ${r.data_lost}: ${met(r.data_lost === 0)} |`,
    `| ≥ ${r.targets.kills} worker kills | ${r.worker_kills} (${r.worker_kills_inside_work} while stages ran): ${met(r.worker_kills >= r.targets.kills)} |`,
    `| ≥ ${r.targets.restarts} server restarts, same address | ${rs.total} (kill -9: ${rs.kill9}, stop/start: ${rs.stop_start}; same address ${rs.same_address}/${rs.total}): ${met(rs.total >= r.targets.restarts && rs.same_address === rs.total)} |`,
    `| corrupted artifact detected (\`results\` exits 2 naming it, \`query\` still works) | ${met(r.corrupt_artifact_detected)} |`,
    `| corrupted stage recomputed to the original sha256 under a new run id | ${met(r.corrupt_artifact_recomputed_identical)} |`,
    `| ≥ ${r.targets.badInputs} bad inputs, all refused cleanly (${CLEAN_REFUSAL}) | ${r.bad_inputs_refused_cleanly}/${r.bad_inputs_tried}: ${met(r.bad_inputs_tried >= r.targets.badInputs && r.bad_inputs_refused_cleanly === r.bad_inputs_tried)} |`,
    '',
    '## Server restarts',
    '',
    '| how | address before | address after | down (s) | worker reported |',
    '| --- | --- | --- | --: | --- |',
    ...rs.details.map((d) => `| ${d.how} | ${d.address_before} | ${d.address_after ?? '—'} | ${d.downtime_s?.toFixed(1) ?? '—'} | ${d.worker_reported === undefined ? 'n/a' : d.worker_reported} |`),
    '',
    '## Corrupted artifact',
    '',
    r.corruption.run
      ? [
          `Flipped 16 bytes of \`${r.corruption.uri}\` (${r.corruption.artifact}) of ${r.corruption.run}.`,
          `\`sciflow results ${r.corruption.run}\`: exit ${r.corruption.results!.code}, stderr ${quoted(r.corruption.results!.stderr)}.`,
          `\`sciflow query "select count(*) from runs"\`: exit ${r.corruption.query_runs!.code}; listed by \`select uri from artifacts where not verified\`: ${r.corruption.listed_unverified}. For the record, \`sciflow export\`: exit ${r.corruption.export!.code}, stderr ${quoted(r.corruption.export!.stderr)}.`,
          `Rerun as ${r.corruption.recompute_run} (cache on): ${r.corruption.recompute_status}; the stage recomputed: ${r.corruption.stage_recomputed} (from the chaos run's last checkpoint: ${r.corruption.stage_resumed_from_checkpoint}); its sha256 equals the original record: ${r.corruption.recomputed_sha256_matches}; every other artifact identical: ${r.corruption.other_artifacts_identical}; served from the cache: ${r.corruption.stages_from_cache!.join(', ') || 'nothing'}. The flipped bytes were then flipped back (intact again: ${r.corruption.restored}).`,
        ].join('\n')
      : 'No run completed, so nothing could be corrupted.',
    '',
    '## Runs',
    '',
    '| run | status | executions | identical to reference | resumed from a checkpoint | damaged artifacts | wall (s) |',
    '| --- | --- | --: | --- | --- | --- | --: |',
    ...r.runs_detail.map(
      (d) =>
        `| ${d.run_id} | ${d.status} | ${d.executions ?? '—'} | ${d.identical ? 'yes' : `**no** (${d.differing_artifacts.join(', ')})`} | ${d.resumed_from_checkpoint.join(', ') || '—'} | ${d.damaged_artifacts.join(', ') || '—'} | ${d.wall_s?.toFixed(0) ?? '—'} |`,
    ),
    '',
    '## Bad input',
    '',
    `Controls (good input built the same way, must be accepted): ${r.bad_inputs_controls.map((c) => `\`sciflow ${shortArgs(c.args)}\` exit ${c.code}`).join('; ')}${r.bad_inputs_controls_accepted ? '' : ' — **a control was refused: the counts below are not trustworthy**'}.`,
    '',
    '| category | tried | refused cleanly |',
    '| --- | --: | --: |',
    ...[...byCategory].map(([category, list]) => `| ${category} | ${list.length} | ${list.filter((o) => o.clean).length} |`),
    '',
    ...(r.bad_inputs.some((o) => !o.clean)
      ? [
          'Not refused cleanly:',
          '',
          '| command | exit | stderr lines | first stderr line | files changed |',
          '| --- | --: | --: | --- | --- |',
          ...r.bad_inputs
            .filter((o) => !o.clean)
            .map((o) => `| ${o.env ? `${cell(Object.entries(o.env).map(([k, v]) => `${k}=${v}`).join(' '))} ` : ''}sciflow ${shortArgs(o.args)} | ${o.code ?? 'timeout'} | ${o.stderr_lines} | ${cell(o.first_line)} | ${o.changed.length} |`),
          '',
        ]
      : ['Every case was refused cleanly.', '']),
    '## Event log',
    '',
    '| t (s) | event | detail |',
    '| --: | --- | --- |',
    ...r.events.map((e) => `| ${e.t_s.toFixed(1)} | ${e.kind} | ${cell(e.detail)} |`),
    '',
  ].join('\n');
}

function writeResults(summary: Summary): void {
  const dir = path.join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, `${options.results}.json`), `${JSON.stringify(summary, null, 2)}\n`);
  writeFileSync(path.join(dir, `${options.results}.md`), markdown(summary));
  console.log(`\nwrote bench/results/${options.results}.json and .md`);
}

const sandbox = new Sandbox();
const interrupted = (signal: NodeJS.Signals) => {
  sandbox.killEverythingNow();
  if (!options.keep) rmSync(sandbox.dir, { recursive: true, force: true });
  console.error(`\n${signal}: killed every process the benchmark started${options.keep ? `; kept ${sandbox.dir}` : ''}`);
  process.exit(130);
};
process.once('SIGINT', interrupted);
process.once('SIGTERM', interrupted);
try {
  writeResults(summarise(await benchmark(sandbox)));
} finally {
  await sandbox.close(options.keep);
  if (options.keep) console.log(`kept ${sandbox.dir}`);
}
