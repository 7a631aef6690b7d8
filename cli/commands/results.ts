import { copyFile, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../../lib/engine/errors.ts';
import { openResultsDatabase, query, VIEWS, type SkippedFile } from '../../lib/query/index.ts';
import { RunStore } from '../../lib/store/run-store.ts';
import { globalOptions } from '../main.ts';
import { formatTable, printJson } from '../output.ts';

function toCsv(columns: string[], rows: Record<string, unknown>[]): string {
  const cell = (v: unknown) => {
    const s = v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [columns.join(','), ...rows.map((r) => columns.map((c) => cell(r[c])).join(','))].join('\n') + '\n';
}

/** One stderr line per damaged file a command left out, so damage never disappears silently. */
export function reportSkipped(files: SkippedFile[]): void {
  for (const { path, reason } of files) process.stderr.write(`sciflow: skipped ${path}: ${reason}\n`);
}

export function registerResultCommands(program: Command): void {
  program
    .command('results <runId>')
    .description("a run's posteriors (median, 68 % and 95 % intervals), evidences, comparisons, stage summaries and artifacts")
    .action(async (runId: string, _flags: unknown, cmd: Command) => {
      const g = globalOptions(cmd);
      const store = new RunStore(g.store);
      const manifest = await store.readManifest(runId);
      if (!manifest) throw new UserError(`run ${runId} not found in ${store.root}`);
      const [{ listPipelines }, { renderResults, runResults }] = await Promise.all([import('../../pipelines/index.ts'), import('../run-results.ts')]);
      // A pipeline registered only in another process (library API) still has results, without its headline.
      const pipeline = listPipelines().find((p) => p.name === manifest.pipeline) ?? {};
      const results = await runResults(store, manifest, pipeline);
      if (g.json) printJson(results);
      else process.stdout.write(renderResults(results).join('\n') + '\n');
    });

  program
    .command('query <sql>')
    .description(`SQL (DuckDB) over every run in the store; tables/views: ${VIEWS.join(', ')}`)
    .option('--csv', 'print CSV')
    .action(async (sql: string, flags: { csv?: boolean }, cmd: Command) => {
      const g = globalOptions(cmd);
      const db = await openResultsDatabase(new RunStore(g.store));
      reportSkipped(db.skipped);
      try {
        let result;
        try {
          result = await query(db, sql);
        } catch (err) {
          throw new UserError(`query: ${(err as Error).message.split('\n')[0]}`);
        }
        if (g.json) printJson(result.rows);
        else if (flags.csv) process.stdout.write(toCsv(result.columns, result.rows));
        else process.stdout.write(formatTable(result.rows, result.columns) + '\n');
      } finally {
        await db.close();
      }
    });

  program
    .command('export <runId>')
    .description("copy a run's manifest and artifacts out of the store as Parquet, CSV or JSON")
    .option('--format <format>', 'parquet | csv | json', 'parquet')
    .option('--out <dir>', 'destination folder (default ./<runId>-export)')
    .action(async (runId: string, flags: { format: string; out?: string }, cmd: Command) => {
      const g = globalOptions(cmd);
      if (!['parquet', 'csv', 'json'].includes(flags.format)) throw new UserError(`--format ${flags.format}: expected parquet, csv or json`);
      const store = new RunStore(g.store);
      const manifest = await store.readManifest(runId);
      if (!manifest) throw new UserError(`run ${runId} not found in ${store.root}`);
      const { allBranchOutputs } = await import('../../lib/engine/branch-index.ts');
      const artifacts = [];
      for (const stage of manifest.stages) {
        if (!stage.outputs) continue;
        if (stage.outputs.index) artifacts.push({ base: `${stage.name}-branches`, ref: stage.outputs.index });
        for (const [branch, outputs] of (await allBranchOutputs(store, stage.outputs)).entries()) {
          for (const [name, ref] of Object.entries(outputs)) artifacts.push({ base: `${stage.name}${stage.branches > 1 ? `-b${branch}` : ''}-${name}`, ref });
        }
      }
      // Refuse a missing or corrupt artifact (one line naming it) before anything is written.
      for (const { ref } of artifacts) await store.get(ref);
      const out = resolve(flags.out ?? `${runId}-export`);
      await mkdir(out, { recursive: true });
      await copyFile(store.manifestPath(runId), join(out, 'manifest.json'));
      const { DuckDBInstance } = await import('@duckdb/node-api');
      const instance = await DuckDBInstance.create(':memory:');
      const duck = await instance.connect();
      const written: string[] = [];
      try {
        for (const { base, ref } of artifacts) {
          const target = join(out, `${base}.${flags.format}`);
          const source = store.resolveUri(ref.uri).replace(/'/g, "''");
          if (flags.format === 'parquet') await copyFile(store.resolveUri(ref.uri), target);
          else {
            const format = flags.format === 'csv' ? "FORMAT CSV, HEADER" : 'FORMAT JSON, ARRAY true';
            await duck.run(`COPY (SELECT * FROM read_parquet('${source}')) TO '${target.replace(/'/g, "''")}' (${format})`);
          }
          written.push(target);
        }
      } finally {
        duck.closeSync();
        instance.closeSync();
      }
      if (g.json) printJson({ runId, format: flags.format, out, files: written });
      else process.stdout.write(`${written.length} artifacts → ${out}\n`);
    });
}
