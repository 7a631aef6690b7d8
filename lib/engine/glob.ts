import { readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * The newest file (by modification time, then name) matching a glob whose wildcards (`*`, `?`)
 * are in the file name only, e.g. `data/run-*.csv`. Node 20 has no fs.glob; this is all the
 * scheduled re-analysis needs.
 */
export function newestMatch(pattern: string): string | undefined {
  const matches = matchingFiles(pattern)
    .map((path) => ({ path, mtime: statSync(path).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime || b.path.localeCompare(a.path));
  return matches[0]?.path;
}

/** Every file matching the glob (same rules as newestMatch), sorted by name; [] if the folder is missing. */
export function matchingFiles(pattern: string): string[] {
  const dir = dirname(pattern);
  const re = new RegExp('^' + basename(pattern).replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$');
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.filter((name) => re.test(name)).sort().map((name) => join(dir, name));
}
