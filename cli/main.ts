/**
 * The `sciflow` command. Parses, validates, talks to Temporal and prints; the work itself happens
 * in workflows/ and activities/. Exit codes: 0 done, 1 run failed, 2 bad input.
 */
import { Command, CommanderError, Option } from 'commander';
import { UserError } from '../lib/engine/errors.ts';
import { registerResultCommands } from './commands/results.ts';
import { registerRunCommands } from './commands/runs.ts';
import { registerScheduleCommands } from './commands/schedules.ts';
import { registerServerCommands } from './commands/server.ts';

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
    .exitOverride();
  registerRunCommands(program);
  registerResultCommands(program);
  registerScheduleCommands(program);
  registerServerCommands(program);
  program.commands.forEach((c) => c.exitOverride());
  return program;
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
    if (err instanceof UserError) {
      process.stderr.write(`sciflow: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`sciflow: ${(err as Error).stack ?? String(err)}\n`);
    return 1;
  }
}
