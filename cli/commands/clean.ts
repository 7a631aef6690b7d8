import type { Command } from 'commander';
import { applyClean, planClean } from '../../lib/store/clean.ts';
import { RunStore } from '../../lib/store/run-store.ts';
import { globalOptions } from '../main.ts';
import { formatBytes, formatTable, printJson } from '../output.ts';
import { reportSkipped } from './results.ts';

export function registerCleanCommand(program: Command): void {
  program
    .command('clean')
    .description('list the stage-cache entries and checkpoints no run needs, with their sizes (a dry run); --yes deletes them')
    .option('--yes', 'delete what is listed')
    .action(async (flags: { yes?: boolean }, cmd: Command) => {
      const g = globalOptions(cmd);
      const store = new RunStore(g.store);
      const plan = await planClean(store);
      // A run with a damaged manifest is named: everything of it was kept.
      reportSkipped(plan.skipped);
      if (flags.yes) await applyClean(store, plan);
      const deleted = Boolean(flags.yes);
      if (g.json) return printJson({ store: store.root, deleted, files: plan.items.length, bytes: plan.bytes, items: plan.items });
      const rows = plan.items.map((i) => ({ kind: i.kind, path: i.path, size: formatBytes(i.bytes), why: i.reason }));
      if (rows.length) process.stdout.write(formatTable(rows) + '\n');
      const total = `${rows.length} file${rows.length === 1 ? '' : 's'}, ${formatBytes(plan.bytes)}`;
      if (deleted) process.stdout.write(`deleted ${total} from ${store.root}\n`);
      else process.stdout.write(rows.length ? `${total} no run needs; \`sciflow clean --yes\` deletes them\n` : `nothing to clean in ${store.root}\n`);
    });
}
