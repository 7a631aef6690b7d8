import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../../lib/engine/errors.ts';

/** The copies of the published data shipped with the pipeline (see data/README.md for sources). */
export const DATA_DIR = fileURLToPath(new URL('./data/', import.meta.url));
export const DATA_FILES = {
  chronometers: 'HDiagramCompilacion-data_31.txt',
  pantheon: 'binned_pantheon.txt',
  pantheonCov: 'binned_cov_pantheon.txt',
} as const;

export interface Chronometers {
  z: Float64Array;
  /** H(z) in km/s/Mpc and its 1σ error. */
  H: Float64Array;
  sigma: Float64Array;
}

export interface BinnedSupernovae {
  zcmb: Float64Array;
  zhel: Float64Array;
  /** Apparent B-band magnitude and its statistical error. */
  mb: Float64Array;
  dmb: Float64Array;
  /** Systematic covariance of mb, n × n row-major. */
  covSys: Float64Array;
}

export interface CosmologyData {
  chronometers: Chronometers;
  supernovae: BinnedSupernovae;
}

/**
 * Non-empty, non-comment lines split on whitespace or commas, each field parsed as a number;
 * `problem` names what else is wrong with a row (too few columns, say). Errors are UserErrors
 * `file:line: …`, so a bad data file is refused when the run is planned.
 */
function numericRows(text: string, file: string, problem: (row: number[]) => string | undefined = () => undefined): number[][] {
  const rows: number[][] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#')) return;
    const fields = trimmed.split(/[\s,]+/).map(Number);
    if (fields.some((v) => !Number.isFinite(v))) throw new UserError(`${file}:${i + 1}: not a row of numbers: ${trimmed}`);
    const wrong = problem(fields);
    if (wrong) throw new UserError(`${file}:${i + 1}: ${wrong}: ${trimmed}`);
    rows.push(fields);
  });
  if (!rows.length) throw new UserError(`${file}: no data rows`);
  return rows;
}

/** Cosmic chronometers: comment header, then `z H error` per line. */
export function parseChronometers(text: string, file = 'chronometers'): Chronometers {
  const rows = numericRows(text, file, (r) => (r.length < 3 ? 'expected columns z, H, error' : r[2]! > 0 ? undefined : 'error: must be positive'));
  const col = (k: number) => Float64Array.from(rows, (r) => r[k]!);
  return { z: col(0), H: col(1), sigma: col(2) };
}

/**
 * Binned Pantheon: a `#name zcmb zhel dz mb dmb …` header names the columns (looked up by name,
 * not position), then one row per bin; the covariance file is a header line, then n² values.
 */
export function parseSupernovae(text: string, covText: string, file = 'pantheon'): BinnedSupernovae {
  const header = text.split(/\r?\n/).find((l) => l.trim().startsWith('#'));
  if (!header) throw new UserError(`${file}: no '#name zcmb …' header line`);
  const names = header.trim().replace(/^#\s*/, '').split(/\s+/);
  const used = ['zcmb', 'zhel', 'mb', 'dmb'] as const;
  const index = Object.fromEntries(used.map((name) => [name, names.indexOf(name)])) as Record<(typeof used)[number], number>;
  const absent = used.find((name) => index[name] < 0);
  if (absent) throw new UserError(`${file}: no column ${absent} in header (${names.join(' ')})`);
  const width = Math.max(...Object.values(index)) + 1;
  const rows = numericRows(text, file, (r) => (r.length < width ? `expected at least ${width} columns (${names.slice(0, width).join(' ')})` : undefined));
  const col = (name: (typeof used)[number]) => Float64Array.from(rows, (r) => r[index[name]]!);
  const covSys = Float64Array.from(numericRows(covText, `${file} covariance`).flat());
  const n = rows.length;
  if (covSys.length !== n * n) throw new UserError(`${file}: covariance has ${covSys.length} values, expected ${n}² = ${n * n}`);
  return { zcmb: col('zcmb'), zhel: col('zhel'), mb: col('mb'), dmb: col('dmb'), covSys };
}

/** The three data files of a folder, parsed and checked (errors name the file and line). */
export function loadCosmologyData(dir = DATA_DIR): CosmologyData {
  const read = (name: string) => {
    try {
      return readFileSync(join(dir, name), 'utf8');
    } catch (err) {
      throw new UserError(`cannot read ${join(dir, name)} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
  };
  return {
    chronometers: parseChronometers(read(DATA_FILES.chronometers), join(dir, DATA_FILES.chronometers)),
    supernovae: parseSupernovae(read(DATA_FILES.pantheon), read(DATA_FILES.pantheonCov), join(dir, DATA_FILES.pantheon)),
  };
}
