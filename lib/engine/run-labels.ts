/**
 * A user's labels for a run: `--tag key=value` (repeatable) and `--note "…"`, stored in its
 * manifest and queryable (`sciflow query "SELECT run_id FROM runs WHERE tags->>'owner' = 'ana'"`).
 * They travel in the run request, so they stay short.
 */
import { UserError } from './errors.ts';
import type { RunTags } from './types.ts';

/** Tag keys are plain words, so a query names them without quoting. */
const TAG_KEY = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;
const MAX_TAG_VALUE = 256;
const MAX_NOTE = 2000;

export function parseTags(flags: readonly string[]): RunTags {
  const tags = new Map<string, string>();
  for (const flag of flags) {
    const split = flag.indexOf('=');
    if (split <= 0) throw new UserError(`--tag ${flag}: expected key=value`);
    const [key, value] = [flag.slice(0, split), flag.slice(split + 1)];
    if (!TAG_KEY.test(key)) throw new UserError(`--tag ${flag}: the key must be letters, digits, _ . - (at most 64, not starting with . or -)`);
    if (value.length > MAX_TAG_VALUE) throw new UserError(`--tag ${key}: the value is longer than ${MAX_TAG_VALUE} characters`);
    if (tags.has(key)) throw new UserError(`--tag ${key}: given twice`);
    tags.set(key, value);
  }
  // fromEntries defines own properties: a key such as __proto__ stays a plain key.
  return Object.fromEntries(tags);
}

export function checkNote(note: string): string {
  if (note.length > MAX_NOTE) throw new UserError(`--note: longer than ${MAX_NOTE} characters`);
  return note;
}
