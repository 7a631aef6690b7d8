import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';

const packageJson = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

export const PACKAGE_VERSION: string = packageJson.version;

let cached: string | undefined;

/** `<package version>+<git commit>[-dirty]` when run from a checkout; the package version otherwise. */
export async function codeVersion(): Promise<string> {
  if (cached) return cached;
  const cwd = new URL('../..', import.meta.url).pathname;
  try {
    const run = promisify(execFile);
    const { stdout: head } = await run('git', ['rev-parse', '--short=12', 'HEAD'], { cwd });
    const { stdout: dirty } = await run('git', ['status', '--porcelain', '--untracked-files=no'], { cwd });
    cached = `${PACKAGE_VERSION}+${head.trim()}${dirty.trim() ? '-dirty' : ''}`;
  } catch {
    cached = PACKAGE_VERSION;
  }
  return cached;
}

const ROOT = new URL('../..', import.meta.url).pathname;
/** Presentation code cannot change a stage's numbers, so it does not invalidate the cache. */
const NOT_NUMERICS = ['lib/report/', 'lib/query/'];
const fingerprints = new Map<string, string>();

function sourceFiles(dir: string): string[] {
  // A pipeline registered from elsewhere (a user's package, a test) has no folder here.
  if (!existsSync(join(ROOT, dir))) return [];
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(ts|json|csv|txt|dat)$/.test(e.name))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)))
    .filter((p) => !NOT_NUMERICS.some((prefix) => p.startsWith(prefix)))
    .sort();
}

/**
 * A hash of every source file a pipeline's stages can execute — activities/, lib/ and the
 * pipeline's own folder — folded into each stage's code version, so editing the code that computes
 * a result invalidates its cache entries (as Nextflow's -resume hashes the task script).
 */
export function sourceFingerprint(pipeline: string): string {
  let fp = fingerprints.get(pipeline);
  if (!fp) {
    const files = [...sourceFiles('activities'), ...sourceFiles('lib'), ...sourceFiles(join('pipelines', pipeline))];
    const hash = createHash('sha256');
    for (const f of files) hash.update(f).update('\0').update(readFileSync(join(ROOT, f))).update('\0');
    fp = hash.digest('hex').slice(0, 16);
    fingerprints.set(pipeline, fp);
  }
  return fp;
}
