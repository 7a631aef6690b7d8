import type { Command } from 'commander';
import { ScheduleNotFoundError, type ScheduleOverlapPolicy } from '@temporalio/client';
import { loadConfig } from '../../lib/engine/config.ts';
import { UserError } from '../../lib/engine/errors.ts';
import { taskQueueName } from '../../lib/engine/pipeline.ts';
import { WORKFLOW_TYPE } from '../../temporal/runs.ts';
import { globalOptions } from '../main.ts';
import { formatTable, printJson } from '../output.ts';
import { withSession, type Session } from '../session.ts';

const OVERLAP = ['skip', 'buffer_one', 'buffer_all', 'cancel_other', 'terminate_other', 'allow_all'];
const collect = (value: string, previous: string[] = []) => [...previous, value];

/** A session for a schedule command; a schedule that does not exist is bad input (exit 2). */
async function withScheduleSession<T>(cmd: Command, fn: (s: Session) => Promise<T>): Promise<T> {
  try {
    return await withSession(globalOptions(cmd).store, fn);
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) throw new UserError(`schedule not found: ${err.message}`);
    throw err;
  }
}

function parseDate(flag: string, value: string): Date {
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) throw new UserError(`${flag} ${value}: expected an ISO date/time, e.g. 2026-11-01T00:00:00Z`);
  return d;
}

/**
 * Scheduled re-analysis on Temporal Schedules. Each scheduled run re-plans from its config:
 * data globs resolve to the newest files (by content hash) at that moment, so unchanged inputs hit
 * the stage cache and only new data costs compute.
 */
export function registerScheduleCommands(program: Command): void {
  const schedule = program.command('schedule').description('scheduled re-analysis (Temporal Schedules)');

  schedule
    .command('create <scheduleId> <pipeline>')
    .option('-c, --config <file>', 'config file (YAML or JSON)')
    .option('--set <key=value>', 'override a config key (repeatable)', collect)
    .option('--cron <expr>', 'cron expression, e.g. "0 3 * * *" (repeatable)', collect)
    .option('--every <interval>', 'interval, e.g. 30s, 15m, 6h, 1d')
    .option('--overlap <policy>', `what to do when the previous run is still going: ${OVERLAP.join('|')}`, 'skip')
    .option('--catchup-window <duration>', 'how far back missed actions are caught up after an outage', '1h')
    .option('--jitter <duration>', 'random delay added to each action, e.g. 30s')
    .option('--paused', 'create it paused')
    .action(async (scheduleId: string, pipelineName: string, flags: Record<string, unknown>, cmd: Command) => {
      const cron = (flags.cron as string[] | undefined) ?? [];
      const every = flags.every as string | undefined;
      if (!cron.length && !every) throw new UserError('schedule create: give --cron <expr> or --every <interval>');
      if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(scheduleId)) throw new UserError(`schedule id "${scheduleId}": use letters, digits, . _ -`);
      const overlap = String(flags.overlap).toLowerCase();
      if (!OVERLAP.includes(overlap)) throw new UserError(`--overlap ${overlap}: expected one of ${OVERLAP.join(', ')}`);
      const { getPipeline } = await import('../../pipelines/index.ts');
      const pipeline = getPipeline(pipelineName);
      const loaded = await loadConfig(pipeline, flags.config as string | undefined, (flags.set as string[] | undefined) ?? []);
      await withScheduleSession(cmd, async (s) => {
        await s.client.schedule.create({
          scheduleId,
          spec: {
            ...(cron.length && { cronExpressions: cron }),
            ...(every && { intervals: [{ every: every as `${number}s` }] }),
            ...(flags.jitter ? { jitter: flags.jitter as `${number}s` } : {}),
          },
          action: {
            type: 'startWorkflow',
            workflowType: WORKFLOW_TYPE,
            workflowId: scheduleId,
            taskQueue: taskQueueName('cpu'),
            args: [{ pipeline: pipeline.name, config: loaded.config, storeRoot: s.store.root, options: {}, source: loaded.source }],
          },
          policies: { overlap: overlap.toUpperCase() as ScheduleOverlapPolicy, catchupWindow: flags.catchupWindow as `${number}h` },
          state: { paused: Boolean(flags.paused) },
        });
        if (globalOptions(cmd).json) printJson({ scheduleId, created: true });
        else process.stdout.write(`created schedule ${scheduleId}\n`);
      });
    });

  schedule.command('list').action(async (_f: unknown, cmd: Command) =>
    withScheduleSession(cmd, async (s) => {
      const rows = [];
      for await (const summary of s.client.schedule.list()) {
        rows.push({
          scheduleId: summary.scheduleId,
          paused: summary.state.paused,
          nextRun: summary.info.nextActionTimes[0]?.toISOString() ?? '',
          recentRuns: summary.info.recentActions.length,
        });
      }
      if (globalOptions(cmd).json) printJson(rows);
      else process.stdout.write(formatTable(rows) + '\n');
    }),
  );

  schedule.command('describe <scheduleId>').action(async (id: string, _f: unknown, cmd: Command) =>
    withScheduleSession(cmd, async (s) => {
      const d = await s.client.schedule.getHandle(id).describe();
      const view = {
        scheduleId: d.scheduleId,
        paused: d.state.paused,
        note: d.state.note,
        spec: d.spec,
        overlap: d.policies.overlap,
        catchupWindowMs: d.policies.catchupWindow,
        nextRuns: d.info.nextActionTimes.map((t) => t.toISOString()),
        recentRuns: d.info.recentActions.map((a) => ({
          scheduledAt: a.scheduledAt.toISOString(),
          workflowId: a.action.type === 'startWorkflow' ? a.action.workflow.workflowId : undefined,
        })),
        runningRuns: d.info.runningActions.map((a) => a.workflow.workflowId),
        actionsTaken: d.info.numActionsTaken,
      };
      if (globalOptions(cmd).json) printJson(view);
      else process.stdout.write(JSON.stringify(view, null, 2) + '\n');
    }),
  );

  const simple = (name: 'pause' | 'unpause' | 'trigger' | 'delete', description: string) =>
    schedule
      .command(`${name} <scheduleId>`)
      .description(description)
      .option('--note <text>', 'note recorded with pause/unpause')
      .action(async (id: string, flags: { note?: string }, cmd: Command) =>
        withScheduleSession(cmd, async (s) => {
          const handle = s.client.schedule.getHandle(id);
          if (name === 'pause' || name === 'unpause') await handle[name](flags.note);
          else await handle[name]();
          if (globalOptions(cmd).json) printJson({ scheduleId: id, [name]: true });
          else process.stdout.write(`${name}: ${id}\n`);
        }),
      );
  simple('pause', 'stop starting runs');
  simple('unpause', 'start runs again');
  simple('trigger', 'start a run now');
  simple('delete', 'delete the schedule (its runs stay)');

  schedule
    .command('backfill <scheduleId>')
    .description('take the actions the schedule would have taken between --start and --end')
    .requiredOption('--start <time>', 'ISO start time')
    .requiredOption('--end <time>', 'ISO end time')
    .option('--overlap <policy>', OVERLAP.join('|'), 'allow_all')
    .action(async (id: string, flags: { start: string; end: string; overlap: string }, cmd: Command) =>
      withScheduleSession(cmd, async (s) => {
        await s.client.schedule.getHandle(id).backfill({
          start: parseDate('--start', flags.start),
          end: parseDate('--end', flags.end),
          overlap: flags.overlap.toUpperCase() as ScheduleOverlapPolicy,
        });
        if (globalOptions(cmd).json) printJson({ scheduleId: id, backfilled: true });
        else process.stdout.write(`backfill requested: ${id} ${flags.start} → ${flags.end}\n`);
      }),
    );
}
