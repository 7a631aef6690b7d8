import { readFile, readdir, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Table } from 'apache-arrow';
import type { ArtifactRef, RunManifest } from '../engine/types.ts';
import { writeFileAtomic } from './atomic.ts';
import { sha256 } from './hash.ts';
import { parquetToTable, tableFromColumns, tableToParquet } from './parquet.ts';

export class ArtifactError extends Error {
  override name = 'ArtifactError';
}

/** Run ids and artifact names become path segments: keep them to a safe alphabet. */
const SAFE_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function assertSafeSegment(kind: string, value: string): void {
  if (!SAFE_SEGMENT.test(value) || value.includes('..')) {
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
    assertSafeSegment('run id', runId);
    path.forEach((p) => assertSafeSegment('artifact path segment', p));
    const bytes = tableToParquet(table);
    const uri = [runId, ...path].join('/') + '.parquet';
    await writeFileAtomic(this.resolveUri(uri), bytes);
    return {
      uri,
      sha256: sha256(bytes),
      rows: table.numRows,
      bytes: bytes.length,
      schema: table.schema.fields.map((f) => ({ name: f.name, type: String(f.type) })),
    };
  }

  /** Read an artifact, refusing it if its content no longer matches the recorded hash. */
  async get(ref: ArtifactRef): Promise<Table> {
    const bytes = await this.readVerified(ref);
    return parquetToTable(bytes);
  }

  /** True when the artifact exists and its bytes hash to the recorded value. */
  async verify(ref: ArtifactRef): Promise<boolean> {
    try {
      await this.readVerified(ref);
      return true;
    } catch {
      return false;
    }
  }

  private async readVerified(ref: ArtifactRef): Promise<Uint8Array> {
    const path = this.resolveUri(ref.uri);
    let bytes: Uint8Array;
    try {
      bytes = await readFile(path);
    } catch {
      throw new ArtifactError(`artifact ${ref.uri} is missing from the run store ${this.root}`);
    }
    const actual = sha256(bytes);
    if (actual !== ref.sha256) {
      throw new ArtifactError(`artifact ${ref.uri} is corrupt: sha256 ${actual.slice(0, 12)}… ≠ recorded ${ref.sha256.slice(0, 12)}…`);
    }
    return bytes;
  }

  /** A JSON document (checkpoint state, model weights) as a one-row Parquet table. */
  async putJson(runId: string, path: string[], value: unknown): Promise<ArtifactRef> {
    return this.put(runId, path, tableFromColumns({ json: [JSON.stringify(value)] }));
  }

  async getJson<T>(ref: ArtifactRef): Promise<T> {
    const table = await this.get(ref);
    return JSON.parse(String(table.getChild('json')!.get(0))) as T;
  }

  async readManifest(runId: string): Promise<RunManifest | undefined> {
    try {
      return JSON.parse(await readFile(join(this.runDir(runId), 'manifest.json'), 'utf8')) as RunManifest;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  /** Atomic manifest write that never replaces a newer revision with an older one. */
  async writeManifest(manifest: RunManifest): Promise<void> {
    const current = await this.readManifest(manifest.runId);
    if (current && current.revision > manifest.revision) return;
    await writeFileAtomic(join(this.runDir(manifest.runId), 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  }

  async listRuns(): Promise<RunManifest[]> {
    let entries: string[];
    try {
      entries = await readdir(this.root);
    } catch {
      return [];
    }
    const manifests: RunManifest[] = [];
    for (const entry of entries) {
      if (!SAFE_SEGMENT.test(entry)) continue;
      const manifest = await this.readManifest(entry).catch(() => undefined);
      if (manifest) manifests.push(manifest);
    }
    return manifests.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  private indexPath(kind: 'cache' | 'checkpoints', key: string): string {
    if (!/^[0-9a-f]{64}$/.test(key)) throw new ArtifactError(`bad ${kind} key ${key}`);
    return join(this.root, `.${kind}`, `${key}.json`);
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

  async exists(uri: string): Promise<boolean> {
    return stat(this.resolveUri(uri)).then(
      () => true,
      () => false,
    );
  }
}
