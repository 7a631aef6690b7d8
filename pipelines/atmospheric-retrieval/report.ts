/**
 * The pipeline's own report figures: the best-fit spectra of the retrievals (the guided-exact
 * headline, the surrogate preview, the full-model reference) against the data, and the
 * temperature-profile band (median, 68 % and 95 %) from posterior draws — all in the folded
 * parametrisation every retrieval samples (symmetry.ts).
 */
import type { Table } from 'apache-arrow';
import type { Json } from '../../lib/engine/types.ts';
import { SERIES_COLOURS } from '../../lib/report/palette.ts';
import type { RunArtifacts } from '../../lib/report/from-manifest.ts';
import type { PipelineFigure } from '../../lib/report/types.ts';
import { Rng } from '../../lib/random.ts';
import { resampleIndices } from '../../lib/stats/index.ts';
import { numberColumn } from '../../lib/store/parquet.ts';
import { DEFAULT_RESOLUTION, PARAM_NAMES } from './constants.ts';
import { DATA_DIR } from './data.ts';
import type { Resolution } from './forward.ts';
import { cachedForwardModel, cachedSpectrum, injectionRng, injectObservation } from './retrieval.ts';


/** The preview among the run's stages: the last refinement round's retrieval, else the search's. */
export function previewStage(stages: readonly { name: string }[]): string {
  return stages.map((s) => s.name).filter((n) => /^retrieve-refined(-\d+)?$/.test(n)).sort((a, b) => roundOf(a) - roundOf(b)).at(-1) ?? 'retrieve-surrogate';
}

const roundOf = (name: string) => Number(/-(\d+)$/.exec(name)?.[1] ?? 1);

/** Posterior draws for the temperature band. */
const PROFILE_DRAWS = 300;

function thetaRows(table: Table): number[][] {
  const cols = PARAM_NAMES.map((p) => numberColumn(table, p));
  return Array.from({ length: table.numRows }, (_, i) => cols.map((c) => c[i]!));
}

function quantileOfSorted(sorted: Float64Array, p: number): number {
  const x = p * (sorted.length - 1);
  const i = Math.floor(x);
  return sorted[i]! + (sorted[Math.min(i + 1, sorted.length - 1)]! - sorted[i]!) * (x - i);
}

export async function atmosphericFigures(run: RunArtifacts): Promise<PipelineFigure[]> {
  const config = run.manifest.config as { [key: string]: Json };
  const dir = String(config.dataDir ?? DATA_DIR);
  const model = cachedForwardModel(dir, { ...DEFAULT_RESOLUTION, ...(config.resolution as Partial<Resolution>) });
  const data = cachedSpectrum(dir);
  const synthetic = config.mode === 'synthetic';
  const merged = run.manifest.stages.some((s) => s.name === 'merge-full' && s.status === 'completed');
  const retrievals = [
    { stage: 'retrieve-guided', label: 'guided exact' },
    { stage: previewStage(run.manifest.stages), label: 'surrogate preview' },
    merged ? { stage: 'merge-full', label: `full model (${String(config.referenceRuns)} runs merged)` } : { stage: 'retrieve-full', label: 'full model' },
  ];
  const posteriors: { label: string; table: Table }[] = [];
  for (const r of retrievals) {
    if (run.manifest.stages.some((s) => s.name === r.stage && s.status === 'completed')) posteriors.push({ label: r.label, table: await run.load(r.stage, 'posterior_samples', 0) });
  }
  if (!posteriors.length) return [];
  // Synthetic runs: the figure shows injection 0, regenerated exactly as its retrieval saw it.
  const observed = synthetic
    ? injectObservation(model, data.error, injectionRng(Number(config.seed), 0)).depth
    : data.depth;

  const points: { [key: string]: Json }[] = data.bands.map((b, i) => ({
    wavelength: b.centreUm,
    depth: observed[i]! * 1e3,
    lo: (observed[i]! - data.error[i]!) * 1e3,
    hi: (observed[i]! + data.error[i]!) * 1e3,
    series: 'data',
  }));
  for (const { label, table } of posteriors) {
    const logL = numberColumn(table, 'logL');
    let best = 0;
    for (let i = 1; i < logL.length; i++) if (logL[i]! > logL[best]!) best = i;
    const depths = model.depths(thetaRows(table)[best]!);
    data.bands.forEach((b, i) => points.push({ wavelength: b.centreUm, depth: depths[i]! * 1e3, series: `best fit (${label})` }));
  }
  const x = { field: 'wavelength', type: 'quantitative' as const, title: 'wavelength (µm)', scale: { type: 'log' as const, domain: [1.3, 30] as [number, number], nice: false } };
  const series = ['data', ...posteriors.map((p) => `best fit (${p.label})`)];
  const colour = { field: 'series', type: 'nominal', title: null, scale: { domain: series, range: ['#1b1b1b', ...SERIES_COLOURS] } } as const;
  const spectrum: PipelineFigure = {
    name: 'best-fit-spectrum',
    title: 'Best-fit eclipse spectrum against the data',
    caption: `Band-integrated eclipse depths (×10³) with 1σ errors${synthetic ? ' (synthetic injection 0)' : ' (HD 189733 b: HST/NICMOS, Spitzer IRS/IRAC/MIPS)'}, and the full forward model at each retrieval's maximum-likelihood sample.`,
    spec: {
      width: 560,
      height: 300,
      data: { values: points },
      layer: [
        { transform: [{ filter: "datum.series === 'data'" }], mark: { type: 'rule' }, encoding: { x, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' }, color: colour } },
        { transform: [{ filter: "datum.series === 'data'" }], mark: { type: 'point', filled: true, size: 18 }, encoding: { x, y: { field: 'depth', type: 'quantitative', title: 'eclipse depth (×10³)' }, color: colour } },
        { transform: [{ filter: "datum.series !== 'data'" }], mark: { type: 'point', shape: 'diamond', size: 22, opacity: 0.8 }, encoding: { x, y: { field: 'depth', type: 'quantitative' }, color: colour } },
      ],
    },
  };

  const rows: { [key: string]: Json }[] = [];
  const rng = Rng.fromSeed(Number(config.seed));
  const nLevels = model.pressures.length;
  for (const { label, table } of posteriors) {
    const thetas = thetaRows(table);
    const draws = resampleIndices(thetas.length, numberColumn(table, 'weight'), PROFILE_DRAWS, rng);
    const T = Array.from({ length: nLevels }, () => new Float64Array(draws.length));
    const buffer = new Float64Array(nLevels);
    draws.forEach((d, k) => model.temperatures(thetas[d]!, buffer).forEach((t, l) => (T[l]![k] = t)));
    T.forEach((values, l) => {
      values.sort();
      const q = (p: number) => quantileOfSorted(values, p);
      rows.push({ pressure: model.pressures[l]! / 1e6, median: q(0.5), lo68: q(0.16), hi68: q(0.84), lo95: q(0.025), hi95: q(0.975), series: label });
    });
  }
  const y = { field: 'pressure', type: 'quantitative', title: 'pressure (bar)', scale: { type: 'log', reverse: true, nice: false } } as const;
  const c = { field: 'series', type: 'nominal', title: null, scale: { domain: posteriors.map((p) => p.label), range: SERIES_COLOURS } } as const;
  const profile: PipelineFigure = {
    name: 'temperature-profile',
    title: 'Temperature profile: posterior band',
    caption: `Median (line), 68 % and 95 % bands of the Line et al. (2013) profile over ${PROFILE_DRAWS} posterior draws per retrieval.`,
    spec: {
      width: 360,
      height: 360,
      data: { values: rows },
      layer: [
        { mark: { type: 'area', opacity: 0.15, orient: 'horizontal' }, encoding: { y, x: { field: 'lo95', type: 'quantitative', title: 'temperature (K)' }, x2: { field: 'hi95' }, color: c } },
        { mark: { type: 'area', opacity: 0.3, orient: 'horizontal' }, encoding: { y, x: { field: 'lo68', type: 'quantitative' }, x2: { field: 'hi68' }, color: c } },
        { mark: { type: 'line', orient: 'horizontal' }, encoding: { y, x: { field: 'median', type: 'quantitative' }, color: c, order: { field: 'pressure' } } },
      ],
    },
  };
  return [spectrum, profile];
}
