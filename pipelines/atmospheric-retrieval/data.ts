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

function parseFilter(text: string, file: string): FilterCurve {
  const rows = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split(/\s+/).map(Number));
  if (rows.some((r) => r.length < 2 || r.some((v) => !Number.isFinite(v)))) throw new UserError(`${file}: expected two numeric columns`);
  rows.sort((a, b) => a[0]! - b[0]!);
  return { wavelength: Float64Array.from(rows, (r) => r[0]!), transmission: Float64Array.from(rows, (r) => r[1]!) };
}

/** A filter is a top hat when every nonzero transmission is the same value. */
function isTopHat(f: FilterCurve): boolean {
  const nonzero = Array.from(f.transmission).filter((t) => t > 0);
  return nonzero.every((t) => Math.abs(t - nonzero[0]!) < 1e-9 * nonzero[0]!);
}

/** Read `eclipse_depths.csv` and every filter curve it names. */
export function loadEclipseSpectrum(dir = DATA_DIR): EclipseSpectrum {
  const path = join(dir, DEPTHS_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new UserError(`cannot read eclipse depths ${path}`);
  }
  const [header, ...lines] = text.split(/\r?\n/).filter((l) => l.trim());
  const cols = header!.split(',').map((c) => c.trim());
  const need = ['band', 'center_um', 'lo_um', 'hi_um', 'depth', 'depth_err', 'filter_file'];
  const missing = need.filter((c) => !cols.includes(c));
  if (missing.length) throw new UserError(`${path}: missing column(s) ${missing.join(', ')}`);
  const at = (row: string[], c: string) => row[cols.indexOf(c)]!.trim();
  const bands: Passband[] = [];
  const depth: number[] = [];
  const error: number[] = [];
  for (const line of lines) {
    const row = line.split(',');
    const filter = parseFilter(readFileSync(join(dir, at(row, 'filter_file')), 'utf8'), at(row, 'filter_file'));
    bands.push({ name: at(row, 'band'), centreUm: +at(row, 'center_um'), loUm: +at(row, 'lo_um'), hiUm: +at(row, 'hi_um'), topHat: isTopHat(filter), filter });
    depth.push(+at(row, 'depth'));
    error.push(+at(row, 'depth_err'));
  }
  if (depth.some((d) => !Number.isFinite(d)) || error.some((e) => !(e > 0))) throw new UserError(`${path}: depths must be numbers and errors positive`);
  return { bands, depth: Float64Array.from(depth), error: Float64Array.from(error) };
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
