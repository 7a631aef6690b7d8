import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { loadConfig, pipelineNameOf } from '../../lib/engine/config.ts';
import { UserError } from '../../lib/engine/errors.ts';
import { checkNote, parseTags } from '../../lib/engine/run-labels.ts';
import { usesNetworks } from '../../lib/engine/pipeline.ts';
import type { RunOptions } from '../../lib/engine/types.ts';
import { RunStore } from '../../lib/store/run-store.ts';
import { reportSkipped } from './results.ts';
import { cancelRun, submitRun, temporalStatus, workersPolling, type RunView } from '../../temporal/runs.ts';
import { globalOptions, printProblem } from '../main.ts';
import { formatDuration, formatTable, formatTags, printJson } from '../output.ts';
import { liveLines, stageStatusText } from '../progress.ts';
import type { RunSummary } from '../summary.ts';
import { devServerStatus } from '../../temporal/dev-server.ts';
import { connectIfReachable, describeRunOrManifest, followRun, hostWorkerIfEmbedded, parseWorkers, withSession, type Session } from '../session.ts';

/**
 * The pipelines (with their models, tfjs and the samplers), reports and closing summaries load on
 * first use: commands that only read manifests or ask Temporal (`status`, `list`, `cancel`) start
 * in a fraction of a second.
 */
const pipelines = () => import('../../pipelines/index.ts');

const collect = (value: string, previous: string[] = []) => [...previous, value];

interface SubmitFlags {
  config?: string;
  set?: string[];
  runId?: string;
  cache: boolean;
  rerun?: string[];
  workers?: string;
  tag?: string[];
  note?: string;
}

function runOptions(flags: SubmitFlags): RunOptions {
  return { noCache: !flags.cache, rerun: flags.rerun ?? [] };
}

function withSubmitOptions(cmd: Command): Command {
  return cmd
    .option('-c, --config <file>', 'config file (YAML or JSON)')
    .option('--set <key=value>', 'override a config key (repeatable)', collect)
    .option('--run-id <id>', 'run id (default: <pipeline>-<timestamp>-<random>)')
    .option('--no-cache', 'execute every stage even when a cached result exists')
    .option('--rerun <stage>', 'execute this stage even when cached (repeatable)', collect)
    .option('--tag <key=value>', 'label the run (repeatable; in its manifest, shown by status and list, queryable)', collect)
    .option('--note <text>', 'a note on the run, kept in its manifest');
}

/** Validate before anything touches Temporal: bad input costs nothing and leaves nothing behind. */
async function prepare(pipelineName: string, flags: SubmitFlags) {
  const pipeline = (await pipelines()).getPipeline(pipelineName);
  const loaded = await loadConfig(pipeline, flags.config, flags.set ?? []);
  const stages = pipeline.stages(loaded.config as never, loaded.inputs);
  const known = new Set(stages.map((s) => s.name));
  for (const stage of flags.rerun ?? []) {
    if (!known.has(stage)) throw new UserError(`--rerun ${stage}: pipeline ${pipeline.name} has no such stage (stages: ${[...known].join(', ')})`);
  }
  const tags = parseTags(flags.tag ?? []);
  const labels = { ...(Object.keys(tags).length > 0 && { tags }), ...(flags.note !== undefined && { note: checkNote(flags.note) }) };
  return { pipeline, loaded, trainsNetworks: usesNetworks(pipeline, stages), labels };
}

/**
 * Which tfjs backend the run's networks will get, said before it starts (on stderr: `--json` stays
 * clean). Judged from the installed packages, nothing loaded; on a cluster each worker selects its own.
 */
async function announceBackend(session: Session): Promise<void> {
  const scope = session.target.embedded ? '' : ' (on this machine; cluster workers select their own)';
  const { expectedBackend } = await import('../../lib/nn/backend.ts');
  const choice = await expectedBackend().then((c) => `${c.backend}, ${c.reason}`, (err: Error) => err.message);
  process.stderr.write(`tfjs backend${scope}: ${choice}\n`);
}

/** Submit a validated config: the one path `run` and `submit` share. */
async function submitPrepared(session: Session, { pipeline, loaded, trainsNetworks, labels }: Awaited<ReturnType<typeof prepare>>, flags: SubmitFlags): Promise<string> {
  if (trainsNetworks) await announceBackend(session);
  return submitRun(session.client, {
    pipeline: pipeline.name,
    config: loaded.config,
    storeRoot: session.store.root,
    runId: flags.runId,
    options: runOptions(flags),
    source: loaded.source,
    ...labels,
  });
}

export function exitCodeOf(view: RunView): number {
  return view.status === 'completed' ? 0 : 1;
}

function printView(view: RunView, json: boolean, closing?: { summary: RunSummary; lines: string[] }): void {
  if (json) return printJson(closing ? { ...view, summary: closing.summary } : view);
  process.stdout.write(`run ${view.runId}  ${view.pipeline ?? ''}  ${view.status}${view.error ? `\n  error: ${view.error}` : ''}\n`);
  if (view.tags && Object.keys(view.tags).length) process.stdout.write(`  tags: ${formatTags(view.tags)}\n`);
  if (view.note) process.stdout.write(`  note: ${view.note}\n`);
  process.stdout.write(
    formatTable(
      view.stages.map((s) => ({
        stage: s.name,
        status: stageStatusText(s),
        cached: s.branches > 1 ? `${s.cachedBranches}/${s.branches}` : s.cached ? 'yes' : 'no',
        time: formatDuration(s.durationMs),
        error: s.error ?? '',
      })),
    ) + '\n',
  );
  if (closing) process.stdout.write(closing.lines.join('\n') + '\n');
}

/** The closing summary of a followed run; never fails the command (a missing artifact just shortens it). */
async function closingSummary(session: Session, view: RunView): Promise<{ summary: RunSummary; lines: string[] } | undefined> {
  try {
    const manifest = await session.store.readManifest(view.runId);
    if (!manifest) return undefined;
    const report = join(session.store.runDir(view.runId), 'report.html');
    const server = session.target.embedded ? await devServerStatus() : undefined;
    const [{ getPipeline }, { renderSummary, runSummary }] = await Promise.all([pipelines(), import('../summary.ts')]);
    const summary = await runSummary(session.store, manifest, {
      headline: getPipeline(manifest.pipeline).headline,
      ...(existsSync(report) && { report }),
      ...(server && { temporalUi: `${server.uiUrl}/namespaces/${session.target.namespace}/workflows/${encodeURIComponent(manifest.workflowId)}` }),
    });
    return { summary, lines: renderSummary(summary, session.target.embedded) };
  } catch {
    return undefined;
  }
}

async function followAndReport(session: Session, runId: string, json: boolean, workers = parseWorkers(undefined)): Promise<number> {
  const host = await hostWorkerIfEmbedded(session, runId, workers);
  try {
    return await followToEnd(session, runId, json, Boolean(host));
  } finally {
    await host?.stop();
  }
}

/** Live progress until the run ends, then the stage table and the closing summary; the exit code. */
async function followToEnd(session: Session, runId: string, json: boolean, hostsWorker: boolean): Promise<number> {
  const view = await followRun(session, runId, json, hostsWorker);
  printView(view, json, await closingSummary(session, view));
  return exitCodeOf(view);
}

/** The run named, else the newest in the store. */
async function runIdOrNewest(store: RunStore, runId: string | undefined): Promise<string> {
  const id = runId ?? (await store.listRuns()).at(-1)?.runId;
  if (!id) throw new UserError(`no runs in ${store.root}`);
  return id;
}

export function registerRunCommands(program: Command): void {
  withSubmitOptions(program.command('run <pipeline>').description('submit a run and follow it with live progress (Ctrl-C detaches)'))
    .option('--workers <n>', 'worker processes on the embedded server, one activity each (default: cores, at most 4)')
    .action(async (pipelineName: string, flags: SubmitFlags, cmd: Command) => {
      const g = globalOptions(cmd);
      const workers = parseWorkers(flags.workers);
      const prepared = await prepare(pipelineName, flags); // bad input fails before any connection is made
      await withSession(g.store, async (session) => {
        const runId = await submitPrepared(session, prepared, flags);
        if (!g.json) process.stderr.write(`submitted ${runId}\n`);
        process.exitCode = await followAndReport(session, runId, g.json, workers);
      });
    });

  withSubmitOptions(program.command('submit <pipeline>').description('submit a run and return at once (workers do the work)')).action(
    async (pipelineName: string, flags: SubmitFlags, cmd: Command) => {
      const g = globalOptions(cmd);
      const prepared = await prepare(pipelineName, flags); // bad input fails before any connection is made
      await withSession(g.store, async (session) => {
        const runId = await submitPrepared(session, prepared, flags);
        if (g.json) printJson({ runId, status: 'running', stages: [] });
        else process.stdout.write(`${runId}\n`);
      });
    },
  );

  program
    .command('status [runId]')
    .description('status of a run (default: the newest one)')
    .action(async (runId: string | undefined, _flags: unknown, cmd: Command) => {
      const g = globalOptions(cmd);
      const store = new RunStore(g.store);
      const id = await runIdOrNewest(store, runId);
      // Looking never starts a server: with Temporal down or unreachable the manifest answers, and says so.
      const { client, unreachable } = await connectIfReachable();
      try {
        const { view, live, serverError } = await describeRunOrManifest(client, store, id, unreachable);
        if (g.json) return printJson(serverError ? { ...view, server: 'unreachable', serverError } : { ...view, live });
        printView(view, false);
        for (const line of liveLines(view, live)) process.stdout.write(line + '\n');
        if (serverError) process.stdout.write(`  Temporal unreachable (${serverError}): status from the run store's manifest\n`);
        else if (view.status === 'running' && client && (await workersPolling(client)) === 0) {
          process.stdout.write('  no worker has polled for 90 s: the run is alive in Temporal and waiting; start one with `sciflow worker` and it continues\n');
        }
      } finally {
        await client?.connection.close();
      }
    });

  program
    .command('watch [runId]')
    .description('follow a run started elsewhere or detached with Ctrl-C: live progress, then its closing summary (default: the newest run)')
    .action(async (runId: string | undefined, _flags: unknown, cmd: Command) => {
      const g = globalOptions(cmd);
      const store = new RunStore(g.store);
      const id = await runIdOrNewest(store, runId);
      // Watching only looks: it never starts a server or hosts a worker (the run's workers do the work).
      const { client, target, unreachable } = await connectIfReachable();
      if (!client || !target) throw new UserError(`cannot watch ${id}: ${unreachable}`);
      try {
        const session: Session = { target, client, store };
        // A run just submitted has no manifest until a worker starts it: Temporal knows it (else: not found).
        const live = (await describeRunOrManifest(client, store, id)).view;
        if (live.status === 'running' && (await workersPolling(client)) === 0) {
          process.stderr.write(`no worker has polled for 90 s: ${id} waits for one (\`sciflow worker\`); watching\n`);
        }
        process.exitCode = await followToEnd(session, id, g.json, false);
      } finally {
        await client.connection.close();
      }
    });

  program
    .command('list')
    .description('runs in the run store, oldest first')
    .action(async (_flags: unknown, cmd: Command) => {
      const g = globalOptions(cmd);
      const store = new RunStore(g.store);
      const { manifests, damaged } = await store.scanRuns();
      const rows = manifests.map((m) => ({
        runId: m.runId,
        pipeline: m.pipeline,
        status: m.status,
        created: m.createdAt,
        stages: m.stages.length,
        cached: m.stages.filter((s) => s.cached).length,
        tags: m.tags ?? {},
        note: m.note ?? '',
      }));
      reportSkipped(damaged);
      // JSON stays one array of runs: a damaged run is a row with status 'damaged', its manifest and why.
      if (g.json) printJson([...rows, ...damaged.map((d) => ({ runId: d.runId, status: 'damaged', manifest: d.path, error: d.reason }))]);
      else process.stdout.write(formatTable(rows.map((r) => ({ ...r, tags: formatTags(r.tags), note: r.note.length > 40 ? `${r.note.slice(0, 39)}…` : r.note }))) + '\n');
    });

  program
    .command('cancel <runId>')
    .description('cancel a running run (finished stages stay cached)')
    .action(async (runId: string, _flags: unknown, cmd: Command) => {
      const g = globalOptions(cmd);
      await withSession(g.store, async (session) => {
        const manifest = await session.store.readManifest(runId);
        await cancelRun(session.client, manifest?.workflowId ?? runId);
        if (g.json) printJson({ runId, status: 'cancelling', stages: [] });
        else process.stdout.write(`cancel requested for ${runId}\n`);
      });
    });

  program
    .command('resume <runId>')
    .description('re-execute a failed, cancelled, terminated or timed-out run under the same id')
    .option('--set <key=value>', 'amend a config key (repeatable); only the stages it reaches rerun', collect)
    .action(async (runId: string, flags: { set?: string[] }, cmd: Command) => {
      const g = globalOptions(cmd);
      const store = new RunStore(g.store);
      const manifest = await store.readManifest(runId);
      if (!manifest) throw new UserError(`run ${runId} not found in ${store.root}`);
      const pipeline = (await pipelines()).getPipeline(manifest.pipeline);
      const loaded = await loadConfig(pipeline, undefined, flags.set ?? [], { config: manifest.config, source: `${runId}/manifest.json` });
      await withSession(g.store, async (session) => {
        const status = await temporalStatus(session.client, manifest.workflowId);
        if (status === 'RUNNING') {
          process.stderr.write(
            `run ${runId} is still alive in Temporal (its worker may have died); a worker picks it up where it stopped` +
              (session.target.embedded ? ' — hosting one now\n' : ': start one with `sciflow worker`\n'),
          );
          if (!session.target.embedded) return;
        } else {
          if (status === 'COMPLETED' && !flags.set?.length) {
            throw new UserError(`run ${runId} completed; nothing to resume (amend it with --set key=value, or start a new run)`);
          }
          await submitRun(session.client, {
            pipeline: pipeline.name,
            config: loaded.config,
            storeRoot: session.store.root,
            runId,
            source: loaded.source,
            resume: true,
          });
          if (!g.json) process.stderr.write(`resumed ${runId}\n`);
        }
        process.exitCode = await followAndReport(session, runId, g.json);
      });
    });

  program
    .command('report <runId>')
    .description('write <runId>/report.html (also written at the end of every run)')
    .option('--png', 'also write every figure as PNG under <runId>/figures/')
    .action(async (runId: string, flags: { png?: boolean }, cmd: Command) => {
      const g = globalOptions(cmd);
      const store = new RunStore(g.store);
      const manifest = await store.readManifest(runId);
      if (!manifest) throw new UserError(`run ${runId} not found in ${store.root}`);
      const [{ getPipeline }, { writeRunReport }, { writePngs }] = await Promise.all([pipelines(), import('../../lib/report/from-manifest.ts'), import('../../lib/report/index.ts')]);
      const { path, figures } = await writeRunReport(store, manifest, getPipeline(manifest.pipeline));
      const pngs = flags.png ? await writePngs(figures, `${store.runDir(runId)}/figures`) : [];
      if (g.json) printJson({ runId, report: path, figures: figures.map((f) => f.name), pngs });
      else process.stdout.write(`${path}\n${pngs.map((p) => `${p}\n`).join('')}`);
    });

  program
    .command('validate <config>')
    .description('check a config file without running anything')
    .option('-p, --pipeline <name>', 'pipeline (default: the file’s `pipeline:` key)')
    .action(async (file: string, flags: { pipeline?: string }, cmd: Command) => {
      const g = globalOptions(cmd);
      const name = flags.pipeline ?? (await pipelineNameOf(file));
      if (!name) throw new UserError(`${file}: name the pipeline with --pipeline or a top-level \`pipeline:\` key`);
      const pipeline = (await pipelines()).getPipeline(name);
      let loaded;
      try {
        loaded = await loadConfig(pipeline, file);
      } catch (err) {
        if (!(err instanceof UserError)) throw err;
        // Every problem at once, one line each (`run` names the first and counts the rest).
        err.problems.forEach(printProblem);
        if (g.json) printJson({ valid: false, pipeline: name, problems: err.problems });
        process.exitCode = 2;
        return;
      }
      // The config as runs store it: defaults and preset-filled sizes included.
      if (g.json) printJson({ valid: true, pipeline: name, config: loaded.config });
      else process.stdout.write(`${file}: valid ${name} config\n`);
    });

  program
    .command('pipelines')
    .description('the pipelines this installation knows')
    .action(async (_flags: unknown, cmd: Command) => {
      const rows = (await pipelines()).listPipelines().map((p) => ({ name: p.name, version: p.version, description: p.description }));
      if (globalOptions(cmd).json) printJson(rows);
      else process.stdout.write(formatTable(rows) + '\n');
    });
}
