import { readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * The newest file (by modification time, then name) matching a glob whose wildcards (`*`, `?`)
 * are in the file name only, e.g. `data/run-*.csv`. Node 20 has no fs.glob; this is all the
 * scheduled re-analysis needs.
 */
export function newestMatch(pattern: string): string | undefined {
  const dir = dirname(pattern);
  const re = new RegExp('^' + basename(pattern).replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$');
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return undefined;
  }
  const matches = entries
    .filter((name) => re.test(name))
    .map((name) => ({ path: join(dir, name), mtime: statSync(join(dir, name)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime || b.path.localeCompare(a.path));
  return matches[0]?.path;
}
