import { readFile } from 'node:fs/promises';
import { UserError } from '../../lib/engine/errors.ts';

/** Observations from a CSV file with a header naming columns `t` and `y`. */
export async function readObservationsCsv(path: string): Promise<{ t: Float64Array; y: Float64Array }> {
  const lines = (await readFile(path, 'utf8')).split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = lines[0]?.split(',').map((h) => h.trim()) ?? [];
  const ti = header.indexOf('t');
  const yi = header.indexOf('y');
  if (ti < 0 || yi < 0) throw new UserError(`${path}:1: expected a header with columns t and y`);
  const t: number[] = [];
  const y: number[] = [];
  lines.slice(1).forEach((line, i) => {
    const cells = line.split(',');
    const tv = Number(cells[ti]);
    const yv = Number(cells[yi]);
    if (!Number.isFinite(tv) || !Number.isFinite(yv)) throw new UserError(`${path}:${i + 2}: t and y must be numbers`);
    t.push(tv);
    y.push(yv);
  });
  return { t: Float64Array.from(t), y: Float64Array.from(y) };
}
