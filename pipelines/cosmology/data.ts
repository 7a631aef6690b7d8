import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

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

/** Non-empty, non-comment lines split on whitespace or commas, each field parsed as a number. */
function numericRows(text: string, file: string): number[][] {
  const rows: number[][] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#')) return;
    const fields = trimmed.split(/[\s,]+/).map(Number);
    if (fields.some((v) => !Number.isFinite(v))) throw new Error(`${file}:${i + 1}: not a row of numbers: ${trimmed}`);
    rows.push(fields);
  });
  return rows;
}

/** Cosmic chronometers: comment header, then `z H error` per line. */
export function parseChronometers(text: string, file = 'chronometers'): Chronometers {
  const rows = numericRows(text, file);
  if (rows.some((r) => r.length < 3)) throw new Error(`${file}: expected columns z, H, error`);
  const col = (k: number) => Float64Array.from(rows, (r) => r[k]!);
  return { z: col(0), H: col(1), sigma: col(2) };
}

/**
 * Binned Pantheon: a `#name zcmb zhel dz mb dmb …` header names the columns (looked up by name,
 * not position), then one row per bin; the covariance file is a header line, then n² values.
 */
export function parseSupernovae(text: string, covText: string, file = 'pantheon'): BinnedSupernovae {
  const header = text.split(/\r?\n/).find((l) => l.trim().startsWith('#'));
  if (!header) throw new Error(`${file}: no '#name zcmb …' header line`);
  const names = header.trim().replace(/^#\s*/, '').split(/\s+/);
  const rows = numericRows(text, file);
  const col = (name: string) => {
    const k = names.indexOf(name);
    if (k < 0) throw new Error(`${file}: no column ${name} in header (${names.join(' ')})`);
    return Float64Array.from(rows, (r) => r[k]!);
  };
  const covSys = Float64Array.from(numericRows(covText, `${file} covariance`).flat());
  const n = rows.length;
  if (covSys.length !== n * n) throw new Error(`${file}: covariance has ${covSys.length} values, expected ${n}² = ${n * n}`);
  return { zcmb: col('zcmb'), zhel: col('zhel'), mb: col('mb'), dmb: col('dmb'), covSys };
}

export function loadCosmologyData(dir = DATA_DIR): CosmologyData {
  const read = (name: string) => readFileSync(join(dir, name), 'utf8');
  return {
    chronometers: parseChronometers(read(DATA_FILES.chronometers), DATA_FILES.chronometers),
    supernovae: parseSupernovae(read(DATA_FILES.pantheon), read(DATA_FILES.pantheonCov), DATA_FILES.pantheon),
  };
}
