import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../../lib/engine/errors.ts';

/** The copy of the HD 189733 b eclipse spectrum shipped with the pipeline (sources: data/README.md). */
export const DATA_DIR = fileURLToPath(new URL('./data/', import.meta.url));
export const DEPTHS_FILE = 'eclipse_depths.csv';

export interface FilterCurve {
  /** Wavelength (µm), increasing, and relative transmission. */
  wavelength: Float64Array;
  transmission: Float64Array;
}

export interface Passband {
  name: string;
  centreUm: number;
  loUm: number;
  hiUm: number;
  /** Top-hat bins (NICMOS, IRS spectra) versus broad photometric filters. */
  topHat: boolean;
  filter: FilterCurve;
}

export interface EclipseSpectrum {
  bands: Passband[];
  depth: Float64Array;
  error: Float64Array;
}

/** Two numeric columns (wavelength µm, transmission); `#` comments and blank lines skipped. */
function parseFilter(text: string, path: string): FilterCurve {
  const rows: number[][] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#')) return;
    const row = trimmed.split(/\s+/).map(Number);
    if (row.length < 2 || row.some((v) => !Number.isFinite(v))) throw new UserError(`${path}:${i + 1}: expected two numeric columns (wavelength, transmission): ${trimmed}`);
    rows.push(row);
  });
  if (!rows.length) throw new UserError(`${path}: no transmission rows`);
  rows.sort((a, b) => a[0]! - b[0]!);
  return { wavelength: Float64Array.from(rows, (r) => r[0]!), transmission: Float64Array.from(rows, (r) => r[1]!) };
}

/** A filter is a top hat when every nonzero transmission is the same value. */
function isTopHat(f: FilterCurve): boolean {
  const nonzero = Array.from(f.transmission).filter((t) => t > 0);
  return nonzero.every((t) => Math.abs(t - nonzero[0]!) < 1e-9 * nonzero[0]!);
}

const DEPTH_COLUMNS = ['band', 'center_um', 'lo_um', 'hi_um', 'depth', 'depth_err', 'filter_file'] as const;
type DepthColumn = (typeof DEPTH_COLUMNS)[number];

/**
 * Read `eclipse_depths.csv` and every filter curve it names. Errors are UserErrors
 * `path:line: column: what is wrong`, so a bad data folder is refused when the run is planned.
 */
export function loadEclipseSpectrum(dir = DATA_DIR): EclipseSpectrum {
  const path = join(dir, DEPTHS_FILE);
  const lines = readText(path).split(/\r?\n/);
  const cols = lines[0]!.split(',').map((c) => c.trim());
  const missing = DEPTH_COLUMNS.find((c) => !cols.includes(c));
  if (missing) throw new UserError(`${path}:1: ${missing}: missing column (the header must name ${DEPTH_COLUMNS.join(', ')})`);
  const bands: Passband[] = [];
  const depth: number[] = [];
  const error: number[] = [];
  lines.forEach((line, i) => {
    if (i === 0 || !line.trim()) return;
    const row = line.split(',');
    const where = (c: DepthColumn) => `${path}:${i + 1}: ${c}`;
    const text = (c: DepthColumn) => {
      const cell = row[cols.indexOf(c)]?.trim();
      if (!cell) throw new UserError(`${where(c)}: missing value`);
      return cell;
    };
    const number = (c: DepthColumn) => {
      const value = Number(text(c));
      if (!Number.isFinite(value)) throw new UserError(`${where(c)}: not a finite number: ${JSON.stringify(text(c))}`);
      return value;
    };
    const band = { name: text('band'), centreUm: number('center_um'), loUm: number('lo_um'), hiUm: number('hi_um') };
    depth.push(number('depth'));
    error.push(number('depth_err'));
    if (!(error.at(-1)! > 0)) throw new UserError(`${where('depth_err')}: must be positive, got ${error.at(-1)}`);
    const filterPath = join(dir, text('filter_file'));
    const filter = parseFilter(readText(filterPath, where('filter_file')), filterPath);
    bands.push({ ...band, topHat: isTopHat(filter), filter });
  });
  if (!bands.length) throw new UserError(`${path}: no bands below the header`);
  return { bands, depth: Float64Array.from(depth), error: Float64Array.from(error) };
}

/** A file's text, or a UserError naming it (and `where` it was named, for a filter file). */
function readText(path: string, where?: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new UserError(`${where ? `${where}: ` : ''}cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
}

/** Linear interpolation of a filter curve at λ (zero outside it). */
export function filterTransmission(f: FilterCurve, lambda: number): number {
  const w = f.wavelength;
  if (lambda < w[0]! || lambda > w[w.length - 1]!) return 0;
  let lo = 0;
  let hi = w.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (w[mid]! <= lambda) lo = mid;
    else hi = mid;
  }
  const t = w[hi]! === w[lo]! ? 0 : (lambda - w[lo]!) / (w[hi]! - w[lo]!);
  return f.transmission[lo]! * (1 - t) + f.transmission[hi]! * t;
}

export interface BandQuadrature {
  /** Wavenumber nodes (cm^-1) of every band, concatenated. */
  wavenumber: Float64Array;
  /** Normalised weights: a band's value is Σ weight × spectrum over its nodes. */
  weight: Float64Array;
  /** Band b owns nodes start[b] .. start[b+1]−1. */
  start: Int32Array;
}

/**
 * Band integration in wavenumber, as BART does: ∫ f(ν) T(ν) dν / ∫ T(ν) dν by the midpoint rule on
 * `nodes` equal steps across the band's nonzero range, T interpolated from the filter curve.
 */
export function bandQuadrature(bands: Passband[], topHatNodes: number, broadNodes: number): BandQuadrature {
  const nu: number[] = [];
  const weight: number[] = [];
  const start = [0];
  for (const band of bands) {
    const n = band.topHat ? topHatNodes : broadNodes;
    const nuLo = 1e4 / band.hiUm;
    const step = (1e4 / band.loUm - nuLo) / n;
    const w: number[] = [];
    for (let k = 0; k < n; k++) {
      const v = nuLo + (k + 0.5) * step;
      nu.push(v);
      w.push(filterTransmission(band.filter, 1e4 / v));
    }
    const total = w.reduce((a, b) => a + b, 0);
    if (!(total > 0)) throw new UserError(`band ${band.name}: filter has no transmission on its range`);
    weight.push(...w.map((x) => x / total));
    start.push(nu.length);
  }
  return { wavenumber: Float64Array.from(nu), weight: Float64Array.from(weight), start: Int32Array.from(start) };
}
