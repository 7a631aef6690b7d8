import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { Json, RunManifest } from '../engine/types.ts';
import type { RunStore } from '../store/run-store.ts';

/**
 * SQL over every run in a store, with DuckDB. Tables built from the manifests:
 *   runs(run_id, workflow_id, pipeline, status, created_at, finished_at, executions, seed, config_hash, code_version, config, error)
 *   stages(run_id, stage, activity, status, cached, branches, cached_branches, started_at, finished_at, duration_ms, error)
 *   artifacts(run_id, stage, branch, name, uri, path, sha256, rows, bytes)
 *   metrics(run_id, pipeline, created_at, stage, branch, parameter, metric, value)
 *     — every numeric value of a stage summary (parameter NULL; e.g. logZ, minBhattacharyya) and
 *       every row of `comparison` artifacts (parameter, metric such as 'bhattacharyya', value)
 * and views over the Parquet artifacts themselves:
 *   samples   — every `posterior_samples` artifact, with run_id, stage, branch prepended
 *   posterior — every `posterior` summary table, likewise
 */
export const VIEWS = ['runs', 'stages', 'artifacts', 'metrics', 'samples', 'posterior'] as const;

export interface ResultsDatabase {
  connection: DuckDBConnection;
  close(): Promise<void>;
}

const TYPES = {
  runs: {
    run_id: 'VARCHAR', workflow_id: 'VARCHAR', pipeline: 'VARCHAR', status: 'VARCHAR', created_at: 'TIMESTAMP', finished_at: 'TIMESTAMP',
    executions: 'INTEGER', seed: 'BIGINT', config_hash: 'VARCHAR', code_version: 'VARCHAR', config: 'JSON', error: 'VARCHAR',
  },
  stages: {
    run_id: 'VARCHAR', stage: 'VARCHAR', activity: 'VARCHAR', status: 'VARCHAR', cached: 'BOOLEAN', branches: 'INTEGER',
    cached_branches: 'INTEGER', started_at: 'TIMESTAMP', finished_at: 'TIMESTAMP', duration_ms: 'DOUBLE', error: 'VARCHAR',
  },
  artifacts: {
    run_id: 'VARCHAR', stage: 'VARCHAR', branch: 'INTEGER', name: 'VARCHAR', uri: 'VARCHAR', path: 'VARCHAR', sha256: 'VARCHAR', rows: 'BIGINT', bytes: 'BIGINT',
  },
  metrics: {
    run_id: 'VARCHAR', pipeline: 'VARCHAR', created_at: 'TIMESTAMP', stage: 'VARCHAR', branch: 'INTEGER', parameter: 'VARCHAR', metric: 'VARCHAR', value: 'DOUBLE',
  },
} as const;

type Row = Record<string, Json>;

function manifestRows(store: RunStore, manifests: RunManifest[]) {
  const rows: Record<keyof typeof TYPES, Row[]> = { runs: [], stages: [], artifacts: [], metrics: [] };
  for (const m of manifests) {
    rows.runs.push({
      run_id: m.runId, workflow_id: m.workflowId ?? m.runId, pipeline: m.pipeline, status: m.status, created_at: m.createdAt,
      finished_at: m.finishedAt ?? null, executions: m.executions, seed: m.seed, config_hash: m.configHash, code_version: m.codeVersion,
      config: JSON.stringify(m.config), error: m.error ?? null,
    });
    for (const s of m.stages) {
      rows.stages.push({
        run_id: m.runId, stage: s.name, activity: s.activity, status: s.status, cached: s.cached, branches: s.branches,
        cached_branches: s.cachedBranches, started_at: s.startedAt ?? null, finished_at: s.finishedAt ?? null,
        duration_ms: s.durationMs ?? null, error: s.error ?? null,
      });
      (s.outputs?.branches ?? []).forEach((outputs, branch) => {
        for (const [name, ref] of Object.entries(outputs)) {
          rows.artifacts.push({
            run_id: m.runId, stage: s.name, branch, name, uri: ref.uri, path: store.resolveUri(ref.uri), sha256: ref.sha256, rows: ref.rows, bytes: ref.bytes,
          });
        }
      });
      (s.summary ?? []).forEach((summary, branch) => {
        for (const [metric, value] of Object.entries(summary)) {
          if (typeof value === 'number' && Number.isFinite(value)) {
            rows.metrics.push({ run_id: m.runId, pipeline: m.pipeline, created_at: m.createdAt, stage: s.name, branch, parameter: null, metric, value });
          }
        }
      });
    }
  }
  return rows;
}

const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** Open an in-memory DuckDB with the tables and views above over the store's current contents. */
export async function openResultsDatabase(store: RunStore): Promise<ResultsDatabase> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const scratch = await mkdtemp(join(tmpdir(), 'sciflow-query-'));
  try {
    const rows = manifestRows(store, await store.listRuns());
    for (const [table, types] of Object.entries(TYPES)) {
      const file = join(scratch, `${table}.ndjson`);
      await writeFile(file, (rows[table as keyof typeof TYPES].map((r) => JSON.stringify(r)).join('\n') || '') + '\n');
      const columns = `{${Object.entries(types).map(([c, t]) => `${c}: '${t}'`).join(', ')}}`;
      await connection.run(`CREATE TABLE ${table} AS SELECT * FROM read_json(${sqlString(file)}, format = 'newline_delimited', columns = ${columns})`);
    }
    // Comparison artifacts become metrics rows too: the BC, JSD, C2ST … of every compared pair.
    const comparisons = rows.artifacts.filter((a) => a.name === 'comparison');
    if (comparisons.length) {
      await connection.run(`INSERT INTO metrics
        SELECT a.run_id, r.pipeline, r.created_at, a.stage, a.branch, c.parameter, c.metric, c.value
        FROM read_parquet([${comparisons.map((a) => sqlString(String(a.path))).join(', ')}], filename = true) c
        JOIN artifacts a ON a.path = c.filename JOIN runs r ON r.run_id = a.run_id`);
    }
    for (const [view, artifact] of [['samples', 'posterior_samples'], ['posterior', 'posterior']] as const) {
      const files = rows.artifacts.filter((a) => a.name === artifact);
      if (files.length === 0) {
        await connection.run(`CREATE VIEW ${view} AS SELECT NULL::VARCHAR AS run_id, NULL::VARCHAR AS stage, NULL::INTEGER AS branch WHERE false`);
        continue;
      }
      await connection.run(`CREATE VIEW ${view} AS
        SELECT a.run_id, a.stage, a.branch, p.* EXCLUDE (filename)
        FROM read_parquet([${files.map((a) => sqlString(String(a.path))).join(', ')}], union_by_name = true, filename = true) p
        JOIN artifacts a ON a.path = p.filename`);
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  return {
    connection,
    async close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

/** Run one SQL statement; rows come back JSON-safe (BIGINT as numbers when exact, timestamps as ISO strings). */
export async function query(db: ResultsDatabase, sql: string): Promise<{ columns: string[]; rows: Record<string, Json>[] }> {
  const reader = await db.connection.runAndReadAll(sql);
  return { columns: reader.columnNames(), rows: reader.getRowObjectsJson() as Record<string, Json>[] };
}
