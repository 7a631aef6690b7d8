import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Json, RunManifest } from '../engine/types.ts';
import type { RunStore } from '../store/run-store.ts';

/**
 * SQL over every run in a store, with DuckDB. Tables built from the manifests:
 *   runs(run_id, workflow_id, pipeline, status, created_at, finished_at, executions, seed, config_hash, code_version, config, tags, note, error)
 *     — config and tags (`--tag k=v`) are JSON: config.steps, tags->>'owner'
 *   stages(run_id, stage, activity, status, cached, branches, cached_branches, started_at, finished_at, duration_ms, error)
 *   artifacts(run_id, stage, branch, name, uri, path, sha256, rows, bytes, verified)
 *     — verified: the file exists and matches its recorded sha256; only verified files are read below;
 *       a large fan-out appears as its `branch_index` (branch NULL; lib/engine/branch-index.ts)
 *   metrics(run_id, pipeline, created_at, stage, branch, parameter, metric, value)
 *     — every numeric value of a stage summary (parameter NULL; e.g. logZ, minBhattacharyya) and
 *       every row of `comparison` artifacts (parameter, metric such as 'bhattacharyya', value)
 * and views over the Parquet artifacts themselves:
 *   samples   — every `posterior_samples` artifact, with run_id, stage, branch prepended
 *   posterior — every `posterior` summary table, likewise
 * Damaged manifests and artifacts that fail verification are left out and listed in `skipped`.
 */
export const VIEWS = ['runs', 'stages', 'artifacts', 'metrics', 'samples', 'posterior'] as const;

/** A file the database leaves out, and why (a damaged manifest, a missing or corrupt artifact). */
export interface SkippedFile {
  path: string;
  reason: string;
}

export interface ResultsDatabase {
  connection: DuckDBConnection;
  skipped: SkippedFile[];
  close(): Promise<void>;
}

const TYPES = {
  runs: {
    run_id: 'VARCHAR', workflow_id: 'VARCHAR', pipeline: 'VARCHAR', status: 'VARCHAR', created_at: 'TIMESTAMP', finished_at: 'TIMESTAMP',
    executions: 'INTEGER', seed: 'BIGINT', config_hash: 'VARCHAR', code_version: 'VARCHAR', config: 'JSON', tags: 'JSON', note: 'VARCHAR', error: 'VARCHAR',
  },
  stages: {
    run_id: 'VARCHAR', stage: 'VARCHAR', activity: 'VARCHAR', status: 'VARCHAR', cached: 'BOOLEAN', branches: 'INTEGER',
    cached_branches: 'INTEGER', started_at: 'TIMESTAMP', finished_at: 'TIMESTAMP', duration_ms: 'DOUBLE', error: 'VARCHAR',
  },
  artifacts: {
    run_id: 'VARCHAR', stage: 'VARCHAR', branch: 'INTEGER', name: 'VARCHAR', uri: 'VARCHAR', path: 'VARCHAR', sha256: 'VARCHAR', rows: 'BIGINT', bytes: 'BIGINT', verified: 'BOOLEAN',
  },
  metrics: {
    run_id: 'VARCHAR', pipeline: 'VARCHAR', created_at: 'TIMESTAMP', stage: 'VARCHAR', branch: 'INTEGER', parameter: 'VARCHAR', metric: 'VARCHAR', value: 'DOUBLE',
  },
} as const;

type Row = Record<string, Json>;

/** The artifact's file, or null when its uri points outside the store (it is then never read). */
function artifactPath(store: RunStore, uri: string): string | null {
  try {
    return store.resolveUri(uri);
  } catch {
    return null;
  }
}

function manifestRows(store: RunStore, manifests: RunManifest[]) {
  const rows: Record<keyof typeof TYPES, Row[]> = { runs: [], stages: [], artifacts: [], metrics: [] };
  for (const m of manifests) {
    rows.runs.push({
      run_id: m.runId, workflow_id: m.workflowId ?? m.runId, pipeline: m.pipeline, status: m.status, created_at: m.createdAt,
      finished_at: m.finishedAt ?? null, executions: m.executions, seed: m.seed, config_hash: m.configHash, code_version: m.codeVersion,
      config: m.config, tags: m.tags ?? {}, note: m.note ?? null, error: m.error ?? null,
    });
    for (const s of m.stages) {
      rows.stages.push({
        run_id: m.runId, stage: s.name, activity: s.activity, status: s.status, cached: s.cached, branches: s.branches,
        cached_branches: s.cachedBranches, started_at: s.startedAt ?? null, finished_at: s.finishedAt ?? null,
        duration_ms: s.durationMs ?? null, error: s.error ?? null,
      });
      // A large fan-out's branches are rows of its branch index, listed as one artifact.
      const index = s.outputs?.index;
      if (index) rows.artifacts.push({ run_id: m.runId, stage: s.name, branch: null, name: 'branch_index', uri: index.uri, path: artifactPath(store, index.uri), sha256: index.sha256, rows: index.rows, bytes: index.bytes, verified: null });
      (s.outputs?.branches ?? []).forEach((outputs, branch) => {
        for (const [name, ref] of Object.entries(outputs)) {
          rows.artifacts.push({
            run_id: m.runId, stage: s.name, branch, name, uri: ref.uri, path: artifactPath(store, ref.uri), sha256: ref.sha256, rows: ref.rows, bytes: ref.bytes, verified: null,
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

const VERIFY_BATCH = 16;

/**
 * Check every artifact against its recorded sha256, a few files at a time, and set its row's
 * `verified`; returns each damaged file once (cached stages share files between runs).
 */
async function verifyArtifacts(store: RunStore, artifacts: Row[]): Promise<SkippedFile[]> {
  const key = (a: Row) => `${a.uri} ${a.sha256}`;
  const unique = [...new Map(artifacts.map((a) => [key(a), a])).values()];
  const damage = new Map<string, string | undefined>();
  for (let i = 0; i < unique.length; i += VERIFY_BATCH) {
    const batch = unique.slice(i, i + VERIFY_BATCH);
    const found = await Promise.all(batch.map((a) => store.damage({ uri: String(a.uri), sha256: String(a.sha256) })));
    batch.forEach((a, j) => damage.set(key(a), found[j]));
  }
  for (const a of artifacts) a.verified = damage.get(key(a)) === undefined;
  return unique.flatMap((a) => {
    const reason = damage.get(key(a));
    return reason ? [{ path: String(a.path ?? a.uri), reason }] : [];
  });
}

const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** A DuckDB list literal of the verified files of one artifact name, each file once. */
function verifiedFiles(artifacts: Row[], name: string): string | undefined {
  const paths = new Set(artifacts.filter((a) => a.name === name && a.verified).map((a) => String(a.path)));
  return paths.size ? `[${[...paths].map(sqlString).join(', ')}]` : undefined;
}

/** Open an in-memory DuckDB with the tables and views above over the store's current contents. */
export async function openResultsDatabase(store: RunStore): Promise<ResultsDatabase> {
  const { manifests, damaged } = await store.scanRuns();
  const rows = manifestRows(store, manifests);
  const skipped: SkippedFile[] = [...damaged.map(({ path, reason }) => ({ path, reason })), ...(await verifyArtifacts(store, rows.artifacts))];
  // DuckDB loads here, not with the module: the CLI imports this file for VIEWS at every start.
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const scratch = await mkdtemp(join(tmpdir(), 'sciflow-query-'));
  try {
    for (const [table, types] of Object.entries(TYPES)) {
      const file = join(scratch, `${table}.ndjson`);
      await writeFile(file, (rows[table as keyof typeof TYPES].map((r) => JSON.stringify(r)).join('\n') || '') + '\n');
      const columns = `{${Object.entries(types).map(([c, t]) => `${c}: '${t}'`).join(', ')}}`;
      await connection.run(`CREATE TABLE ${table} AS SELECT * FROM read_json(${sqlString(file)}, format = 'newline_delimited', columns = ${columns})`);
    }
    // Comparison artifacts become metrics rows too: the BC, JSD, C2ST … of every compared pair.
    const comparisons = verifiedFiles(rows.artifacts, 'comparison');
    if (comparisons) {
      await connection.run(`INSERT INTO metrics
        SELECT a.run_id, r.pipeline, r.created_at, a.stage, a.branch, c.parameter, c.metric, c.value
        FROM read_parquet(${comparisons}, filename = true) c
        JOIN artifacts a ON a.path = c.filename AND a.verified JOIN runs r ON r.run_id = a.run_id`);
    }
    for (const [view, artifact] of [['samples', 'posterior_samples'], ['posterior', 'posterior']] as const) {
      const files = verifiedFiles(rows.artifacts, artifact);
      if (!files) {
        await connection.run(`CREATE VIEW ${view} AS SELECT NULL::VARCHAR AS run_id, NULL::VARCHAR AS stage, NULL::INTEGER AS branch WHERE false`);
        continue;
      }
      await connection.run(`CREATE VIEW ${view} AS
        SELECT a.run_id, a.stage, a.branch, p.* EXCLUDE (filename)
        FROM read_parquet(${files}, union_by_name = true, filename = true) p
        JOIN artifacts a ON a.path = p.filename AND a.verified`);
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  return {
    connection,
    skipped,
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
