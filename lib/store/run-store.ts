import { readFile, readdir, rm, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Table } from 'apache-arrow';
import { UserError } from '../engine/errors.ts';
import type { ArtifactRef, RunManifest, StageResult } from '../engine/types.ts';
import { writeFileAtomic } from './atomic.ts';
import { sha256 } from './hash.ts';

/** Arrow and parquet-wasm load on first use: commands that only read manifests (`status`) start faster. */
const parquet = () => import('./parquet.ts');

export class ArtifactError extends Error {
  override name = 'ArtifactError';
}

/**
 * A manifest that cannot be read or parsed (truncated by a full disk, hand-edited, …). A user
 * error: the run can be inspected or deleted; nothing else in the store is affected.
 */
export class DamagedManifestError extends UserError {
  override name = 'DamagedManifestError';
  /** e.g. `damaged manifest (Unexpected end of JSON input)` */
  readonly reason: string;

  constructor(
    readonly runId: string,
    readonly path: string,
    cause: string,
  ) {
    const reason = `damaged manifest (${cause})`;
    super(`${path}: ${reason}; the run's artifacts are untouched`);
    this.reason = reason;
  }
}

/** A run whose manifest could not be used, as listed by RunStore.scanRuns. */
export type DamagedRun = Pick<DamagedManifestError, 'runId' | 'path' | 'reason'>;

/** Why parsed JSON cannot be a run manifest (the fields listing and queries rely on), or undefined. */
function manifestProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const m = value as Partial<RunManifest>;
  if (typeof m.runId !== 'string' || typeof m.createdAt !== 'string' || !Array.isArray(m.stages)) return 'runId, createdAt or stages missing';
  return undefined;
}

/** Run ids and artifact names become path segments: keep them to a safe alphabet. */
const SAFE_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

const isSafeSegment = (value: string) => SAFE_SEGMENT.test(value) && !value.includes('..');

/** Cache and checkpoint index entries are named by a sha256 (a stage cache key). */
const INDEX_KEY = /^[0-9a-f]{64}$/;

/** Checkpoints are versions (putVersion) of this artifact beside a stage's outputs: `checkpoint-<hash>.parquet`. */
export const CHECKPOINT_ARTIFACT = 'checkpoint';

export function assertSafeSegment(kind: string, value: string): void {
  if (!isSafeSegment(value)) {
    throw new ArtifactError(`${kind} "${value}" must match ${SAFE_SEGMENT} (letters, digits, . _ -; no path separators)`);
  }
}

/**
 * The run store: one folder (local disk or a shared filesystem for a cluster) holding
 * `<runId>/manifest.json`, `<runId>/<stage>/<name>.parquet` artifacts, the stage cache index
 * (`.cache/<key>.json`) and checkpoint pointers (`.checkpoints/<key>.json`).
 * Every artifact is Parquet written atomically; its sha256 is recorded and checked on read.
 */
export class RunStore {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  /**
   * The store as a worker sees it: SCIFLOW_WORKER_STORE, when set, replaces the path the client
   * submitted (a shared filesystem is often mounted at different paths on different machines).
   */
  static forWorker(submittedRoot: string): RunStore {
    return new RunStore(process.env.SCIFLOW_WORKER_STORE ?? submittedRoot);
  }

  /** Absolute path of a store-relative URI; refuses anything that escapes the store. */
  resolveUri(uri: string): string {
    const abs = resolve(this.root, uri);
    const rel = relative(this.root, abs);
    if (isAbsolute(uri) || rel.startsWith('..') || rel.split(sep).includes('..') || rel === '') {
      throw new ArtifactError(`path "${uri}" is outside the run store ${this.root}`);
    }
    return abs;
  }

  runDir(runId: string): string {
    assertSafeSegment('run id', runId);
    return join(this.root, runId);
  }

  async put(runId: string, path: string[], table: Table): Promise<ArtifactRef> {
    return this.write(runId, path, table, false);
  }

  /**
   * Like put, named `<last segment>-<first 16 hex digits of its sha256>.parquet`: a new version
   * never replaces the file an older reference names, so a crash between writing it and moving a
   * pointer to it leaves the old reference valid (checkpoints).
   */
  async putVersion(runId: string, path: string[], table: Table): Promise<ArtifactRef> {
    return this.write(runId, path, table, true);
  }

  private async write(runId: string, path: string[], table: Table, versioned: boolean): Promise<ArtifactRef> {
    assertSafeSegment('run id', runId);
    path.forEach((p) => assertSafeSegment('artifact path segment', p));
    const bytes = (await parquet()).tableToParquet(table);
    const hash = sha256(bytes);
    const uri = [runId, ...path].join('/') + (versioned ? `-${hash.slice(0, 16)}` : '') + '.parquet';
    await writeFileAtomic(this.resolveUri(uri), bytes);
    return {
      uri,
      sha256: hash,
      rows: table.numRows,
      bytes: bytes.length,
      schema: table.schema.fields.map((f) => ({ name: f.name, type: String(f.type) })),
    };
  }

  /** Read an artifact, refusing it if its content no longer matches the recorded hash. */
  async get(ref: ArtifactRef): Promise<Table> {
    const bytes = await this.readVerified(ref);
    return (await parquet()).parquetToTable(bytes);
  }

  /** True when the artifact exists and its bytes hash to the recorded value. */
  async verify(ref: ArtifactRef): Promise<boolean> {
    return (await this.damage(ref)) === undefined;
  }

  /** Why an artifact cannot be used as recorded ('missing …', 'corrupt: …'), or undefined when it is intact. */
  async damage(ref: Pick<ArtifactRef, 'uri' | 'sha256'>): Promise<string | undefined> {
    const read = await this.readChecked(ref);
    return 'damage' in read ? read.damage : undefined;
  }

  private async readVerified(ref: ArtifactRef): Promise<Uint8Array> {
    const read = await this.readChecked(ref);
    if ('damage' in read) throw new ArtifactError(`artifact ${ref.uri} is ${read.damage}`);
    return read.bytes;
  }

  private async readChecked(ref: Pick<ArtifactRef, 'uri' | 'sha256'>): Promise<{ bytes: Uint8Array } | { damage: string }> {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(this.resolveUri(ref.uri));
    } catch (err) {
      return { damage: err instanceof ArtifactError ? `outside the run store ${this.root}` : `missing from the run store ${this.root}` };
    }
    const actual = sha256(bytes);
    if (actual !== ref.sha256) return { damage: `corrupt: sha256 ${actual.slice(0, 12)}… ≠ recorded ${ref.sha256.slice(0, 12)}…` };
    return { bytes };
  }

  /** A JSON document (checkpoint state, fan-out values) as a one-row Parquet table; trained networks are network tables (lib/nn/network-table.ts). */
  async putJson(runId: string, path: string[], value: unknown): Promise<ArtifactRef> {
    return this.put(runId, path, (await parquet()).tableFromColumns({ json: [JSON.stringify(value)] }));
  }

  /** putJson's counterpart of putVersion. */
  async putJsonVersion(runId: string, path: string[], value: unknown): Promise<ArtifactRef> {
    return this.putVersion(runId, path, (await parquet()).tableFromColumns({ json: [JSON.stringify(value)] }));
  }

  /** Delete the files `<dir>/<prefix>*.parquet` of a run, except `keep` (superseded versions of one artifact). */
  async removeVersions(runId: string, dir: string[], prefix: string, keep?: string): Promise<void> {
    const base = [runId, ...dir].join('/');
    const names = await readdir(this.resolveUri(base)).catch(() => [] as string[]);
    const stale = names.filter((n) => n.startsWith(prefix) && n.endsWith('.parquet') && `${base}/${n}` !== keep);
    await Promise.all(stale.map((n) => rm(this.resolveUri(`${base}/${n}`), { force: true })));
  }

  async getJson<T>(ref: ArtifactRef): Promise<T> {
    const table = await this.get(ref);
    return JSON.parse(String(table.getChild('json')!.get(0))) as T;
  }

  manifestPath(runId: string): string {
    return join(this.runDir(runId), 'manifest.json');
  }

  /** A run's manifest; undefined when there is no such run; a DamagedManifestError when it cannot be read or parsed. */
  async readManifest(runId: string): Promise<RunManifest | undefined> {
    const path = this.manifestPath(runId);
    let value: unknown;
    try {
      value = JSON.parse(await readFile(path, 'utf8'));
    } catch (err) {
      // ENOTDIR: a plain file at the store root is not a run.
      if (['ENOENT', 'ENOTDIR'].includes((err as NodeJS.ErrnoException).code ?? '')) return undefined;
      throw new DamagedManifestError(runId, path, (err as Error).message);
    }
    const problem = manifestProblem(value);
    if (problem) throw new DamagedManifestError(runId, path, problem);
    return value as RunManifest;
  }

  /** Atomic manifest write that never replaces a newer revision with an older one. */
  async writeManifest(manifest: RunManifest): Promise<void> {
    const current = await this.readManifest(manifest.runId).catch((err) => {
      // A damaged manifest has no revision worth keeping: the workflow's good copy replaces it.
      if (err instanceof DamagedManifestError) return undefined;
      throw err;
    });
    if (current && current.revision > manifest.revision) return;
    await writeFileAtomic(this.manifestPath(manifest.runId), JSON.stringify(manifest, null, 2) + '\n');
  }

  /** Every run with a usable manifest, oldest first, and every run whose manifest is damaged. */
  async scanRuns(): Promise<{ manifests: RunManifest[]; damaged: DamagedRun[] }> {
    let entries: string[];
    try {
      entries = await readdir(this.root);
    } catch {
      return { manifests: [], damaged: [] };
    }
    const manifests: RunManifest[] = [];
    const damaged: DamagedRun[] = [];
    // Other names (.cache, .checkpoints, a stray `old..copy`) are not runs.
    for (const entry of entries.filter(isSafeSegment).sort()) {
      try {
        const manifest = await this.readManifest(entry);
        if (manifest) manifests.push(manifest);
      } catch (err) {
        if (!(err instanceof DamagedManifestError)) throw err;
        damaged.push({ runId: err.runId, path: err.path, reason: err.reason });
      }
    }
    manifests.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    return { manifests, damaged };
  }

  /** The runs with a usable manifest, oldest first (scanRuns also reports the damaged ones). */
  async listRuns(): Promise<RunManifest[]> {
    return (await this.scanRuns()).manifests;
  }

  /** Where a branch of a large fan-out leaves its StageResult for the branch index (lib/engine/branch-index.ts). */
  private branchResultPath(runId: string, stage: string, branch: number): string {
    assertSafeSegment('stage', stage);
    return join(this.runDir(runId), stage, `b${branch}`, 'result.json');
  }

  async writeBranchResult(runId: string, stage: string, branch: number, result: StageResult): Promise<void> {
    await writeFileAtomic(this.branchResultPath(runId, stage, branch), JSON.stringify(result));
  }

  async readBranchResult(runId: string, stage: string, branch: number): Promise<StageResult> {
    return JSON.parse(await readFile(this.branchResultPath(runId, stage, branch), 'utf8')) as StageResult;
  }

  private indexPath(kind: 'cache' | 'checkpoints', key: string): string {
    if (!INDEX_KEY.test(key)) throw new ArtifactError(`bad ${kind} key ${key}`);
    return join(this.root, `.${kind}`, `${key}.json`);
  }

  /** Every entry of an index with its file (what `sciflow clean` looks through). */
  async listIndex(kind: 'cache' | 'checkpoints'): Promise<{ key: string; path: string }[]> {
    const names = await readdir(join(this.root, `.${kind}`)).catch(() => [] as string[]);
    const keys = names.filter((n) => n.endsWith('.json')).map((n) => n.slice(0, -'.json'.length));
    return keys.filter((key) => INDEX_KEY.test(key)).map((key) => ({ key, path: this.indexPath(kind, key) }));
  }

  async readIndex<T>(kind: 'cache' | 'checkpoints', key: string): Promise<T | undefined> {
    try {
      return JSON.parse(await readFile(this.indexPath(kind, key), 'utf8')) as T;
    } catch {
      return undefined;
    }
  }

  async writeIndex(kind: 'cache' | 'checkpoints', key: string, value: unknown): Promise<void> {
    await writeFileAtomic(this.indexPath(kind, key), JSON.stringify(value));
  }

  async removeIndex(kind: 'cache' | 'checkpoints', key: string): Promise<void> {
    await rm(this.indexPath(kind, key), { force: true });
  }

  async exists(uri: string): Promise<boolean> {
    return stat(this.resolveUri(uri)).then(
      () => true,
      () => false,
    );
  }
}
