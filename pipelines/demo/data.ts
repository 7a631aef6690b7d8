import { readFile } from 'node:fs/promises';
import { UserError } from '../../lib/engine/errors.ts';

/** Fewest observations the demo fits: three free parameters need well over three points. */
export const MIN_OBSERVATIONS = 10;

/**
 * Observations from a CSV file with a header naming columns `t` and `y` (others are ignored):
 * every row has both, finite, times non-negative and non-decreasing (the integrator walks forward
 * from t = 0), and there are at least MIN_OBSERVATIONS rows. Errors are UserErrors
 * `path:line: column: what is wrong`, so a bad file is refused when the run is planned.
 */
export async function readObservationsCsv(path: string): Promise<{ t: Float64Array; y: Float64Array }> {
  const lines = (await readFile(path, 'utf8')).split(/\r?\n/);
  const header = lines[0]?.split(',').map((h) => h.trim()) ?? [];
  const column = { t: header.indexOf('t'), y: header.indexOf('y') };
  for (const name of ['t', 'y'] as const) {
    if (column[name] < 0) throw new UserError(`${path}:1: ${name}: missing column (the header must name t and y; it has: ${header.join(', ')})`);
  }
  const t: number[] = [];
  const y: number[] = [];
  let lastLine = 1;
  lines.forEach((line, i) => {
    if (i === 0 || line.trim() === '') return;
    lastLine = i + 1;
    const cells = line.split(',');
    const cell = (name: 't' | 'y') => parseCell(cells[column[name]], `${path}:${lastLine}: ${name}`);
    const [tv, yv] = [cell('t'), cell('y')];
    if (tv < 0) throw new UserError(`${path}:${lastLine}: t: times start at 0, got ${tv}`);
    const previous = t.at(-1);
    if (previous !== undefined && tv < previous) throw new UserError(`${path}:${lastLine}: t: times must not decrease (${tv} after ${previous})`);
    t.push(tv);
    y.push(yv);
  });
  if (t.length < MIN_OBSERVATIONS) throw new UserError(`${path}:${lastLine}: y: ${t.length} observations; the fit needs at least ${MIN_OBSERVATIONS}`);
  return { t: Float64Array.from(t), y: Float64Array.from(y) };
}

/** A finite number, or a UserError at `where` (Number('') is 0, so a blank cell is caught first). */
function parseCell(text: string | undefined, where: string): number {
  if (text === undefined || text.trim() === '') throw new UserError(`${where}: missing value`);
  const value = Number(text);
  if (!Number.isFinite(value)) throw new UserError(`${where}: not a finite number: ${JSON.stringify(text.trim())}`);
  return value;
}
