import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
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
