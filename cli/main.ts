/**
 * The `sciflow` command. Parses, validates, talks to Temporal and prints; the work itself happens
 * in workflows/ and activities/. Exit codes: 0 done, 1 run failed, 2 bad input.
 */
import { statSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { UserError } from '../lib/engine/errors.ts';
import { ArtifactError } from '../lib/store/run-store.ts';
import { registerCleanCommand } from './commands/clean.ts';
import { registerConfigCommand } from './commands/config.ts';
import { registerResultCommands } from './commands/results.ts';
import { registerRunCommands } from './commands/runs.ts';
import { registerScheduleCommands } from './commands/schedules.ts';
import { registerServerCommands } from './commands/server.ts';
import { checkRunId } from '../temporal/runs.ts';

export interface GlobalOptions {
  store: string;
  json: boolean;
}

export function globalOptions(cmd: Command): GlobalOptions {
  const opts = cmd.optsWithGlobals() as { store?: string; json?: boolean };
  return { store: opts.store ?? process.env.SCIFLOW_STORE ?? 'runs', json: Boolean(opts.json) };
}

export function buildProgram(): Command {
  const program = new Command('sciflow')
    .description('Durable Bayesian scientific pipelines on Temporal')
    .addOption(new Option('--store <dir>', 'run store folder (env SCIFLOW_STORE)').default(undefined, './runs'))
    .option('--json', 'print machine-readable JSON')
    .showHelpAfterError()
    .exitOverride()
    .hook('preAction', (_program, action) => checkSharedInput(action));
  registerRunCommands(program);
  registerResultCommands(program);
  registerCleanCommand(program);
  registerScheduleCommands(program);
  registerServerCommands(program);
  registerConfigCommand(program);
  program.commands.forEach((c) => c.exitOverride());
  return program;
}

/**
 * Input every command shares, checked before its action starts a server or touches the store: the
 * run store must be a folder (a file there fails every run with ENOTDIR, after its retries), and
 * run ids (`<runId>` arguments, `--run-id`) must be safe folder names.
 */
function checkSharedInput(action: Command): void {
  checkStoreFolder(action);
  const runIdArguments = action.registeredArguments.flatMap((arg, i) => (arg.name() === 'runId' ? [action.processedArgs[i]] : []));
  for (const runId of [...runIdArguments, action.opts().runId]) {
    if (typeof runId === 'string') checkRunId(runId);
  }
}

function checkStoreFolder(cmd: Command): void {
  const { store } = globalOptions(cmd);
  const flag = cmd.optsWithGlobals().store === undefined && process.env.SCIFLOW_STORE ? 'SCIFLOW_STORE' : '--store';
  try {
    if (statSync(store).isDirectory()) return;
  } catch (err) {
    // A store that does not exist yet is created by the first run; ENOTDIR: a parent is a file.
    if ((err as NodeJS.ErrnoException).code !== 'ENOTDIR') return;
  }
  throw new UserError(`${flag} ${store}: not a directory`);
}

/** A problem with the user's input on stderr: one line whatever it carries (a value quoted from a file, say). */
export function printProblem(message: string): void {
  process.stderr.write(`sciflow: ${message.replace(/\s*\n\s*/g, ' ')}\n`);
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return Number(process.exitCode ?? 0);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0; usage errors are bad input.
      return err.exitCode === 0 ? 0 : 2;
    }
    // A missing or corrupt artifact is named in one line too: the user can rerun or delete the run.
    if (err instanceof UserError || err instanceof ArtifactError) {
      printProblem(err.message);
      return 2;
    }
    process.stderr.write(`sciflow: ${(err as Error).stack ?? String(err)}\n`);
    return 1;
  }
}
