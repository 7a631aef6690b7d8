/**
 * The pipeline's own report figures: the best-fit spectra of the retrievals (the guided-exact
 * headline, the surrogate preview, the full-model reference) against the data with their residuals
 * and χ², and the temperature-profile band (median, 68 % and 95 %) from posterior draws — all in the
 * folded parametrisation every retrieval samples (symmetry.ts).
 */
import type { Table } from 'apache-arrow';
import type { Json } from '../../lib/engine/types.ts';
import { SERIES_COLOURS } from '../../lib/report/palette.ts';
import type { RunArtifacts } from '../../lib/report/from-manifest.ts';
import type { PipelineFigure } from '../../lib/report/types.ts';
import { Rng } from '../../lib/random.ts';
import { fitResiduals, resampleIndices, type FitResiduals } from '../../lib/stats/index.ts';
import { numberColumn } from '../../lib/store/parquet.ts';
import { DEFAULT_RESOLUTION, PARAM_NAMES } from './constants.ts';
import { DATA_DIR } from './data.ts';
import type { ForwardModel, Resolution } from './forward.ts';
import { cachedForwardModel, cachedSpectrum, injectionRng, injectObservation } from './retrieval.ts';


/** The preview among the run's stages: the last refinement round's retrieval, else the search's. */
export function previewStage(stages: readonly { name: string }[]): string {
  return stages.map((s) => s.name).filter((n) => /^retrieve-refined(-\d+)?$/.test(n)).sort((a, b) => roundOf(a) - roundOf(b)).at(-1) ?? 'retrieve-surrogate';
}

const roundOf = (name: string) => Number(/-(\d+)$/.exec(name)?.[1] ?? 1);

/** Posterior draws for the temperature band. */
const PROFILE_DRAWS = 300;
/**
 * A retrieval's highest-ln L samples, among which the full model picks the best fit: a preview's
 * ln L is its surrogate's, so its own maximum need not be the full model's smallest χ².
 */
const BEST_FIT_CANDIDATES = 20;
/** Eclipse depths (F_planet / F_star) are shown in parts per million. */
const PPM = 1e6;

function thetaRows(table: Table): number[][] {
  const cols = PARAM_NAMES.map((p) => numberColumn(table, p));
  return Array.from({ length: table.numRows }, (_, i) => cols.map((c) => c[i]!));
}

/** The full model's smallest-χ² fit among a retrieval's best samples. */
function bestFit(model: ForwardModel, table: Table, observed: Float64Array, error: Float64Array): { depths: Float64Array; fit: FitResiduals } {
  const logL = numberColumn(table, 'logL');
  const thetas = thetaRows(table);
  const candidates = Array.from(logL.keys()).sort((a, b) => logL[b]! - logL[a]!).slice(0, BEST_FIT_CANDIDATES);
  const fits = candidates.map((i) => {
    const depths = model.depths(thetas[i]!);
    return { depths, fit: fitResiduals(observed, depths, error, PARAM_NAMES.length) };
  });
  return fits.reduce((best, f) => (f.fit.chiSquare < best.fit.chiSquare ? f : best));
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

  const fits = posteriors.map(({ label, table }) => ({ label, ...bestFit(model, table, observed, data.error) }));
  const series = fits.map((f) => `${f.label}: χ²_min ${f.fit.chiSquare.toFixed(1)} / ${f.fit.dof} dof`);
  const dataRows = data.bands.map((b, i) => ({
    wavelength: b.centreUm,
    depth: observed[i]! * PPM,
    lo: (observed[i]! - data.error[i]!) * PPM,
    hi: (observed[i]! + data.error[i]!) * PPM,
  }));
  const modelRows = fits.flatMap((f, k) => data.bands.map((b, i) => ({ wavelength: b.centreUm, depth: f.depths[i]! * PPM, residual: f.fit.residuals[i]!, series: series[k]! })));
  const x = { field: 'wavelength', type: 'quantitative' as const, title: 'wavelength (µm)', scale: { type: 'log' as const, domain: [1.3, 30] as [number, number], nice: false } };
  // One legend (colour and shape share it), on the right: its long entries in a row would widen the figure.
  const colour = { field: 'series', type: 'nominal', title: null, scale: { domain: series, range: SERIES_COLOURS }, legend: { orient: 'right' } } as const;
  const shape = { field: 'series', type: 'nominal', title: null, scale: { domain: series, range: ['circle', 'square', 'triangle-up', 'diamond'] }, legend: { orient: 'right' } } as const;
  // Models as small open markers under the data, so every error bar stays visible.
  const modelMarks = { mark: { type: 'point', filled: false, size: 26, strokeWidth: 1.2 } } as const;
  const dof = fits[0]!.fit.dof;
  const spectrum: PipelineFigure = {
    name: 'best-fit-spectrum',
    title: 'Best-fit eclipse spectrum against the data',
    caption: `Top: band-integrated eclipse depths F_planet/F_star in ppm (black, ±1σ)${synthetic ? ' (synthetic injection 0)' : ' (HD 189733 b: HST/NICMOS, Spitzer IRS/IRAC/MIPS)'}, and the full forward model (open markers) at each retrieval's best fit: the smallest χ² among its ${BEST_FIT_CANDIDATES} highest-likelihood samples. ` +
      `Bottom: residuals (data − model)/σ; the grey band is ±1. χ²_min is over ${data.bands.length} depths, ${dof} degrees of freedom (${data.bands.length} − ${PARAM_NAMES.length} free parameters): ${fits.map((f) => `${f.label} ${f.fit.chiSquare.toFixed(1)} (χ²/dof ${(f.fit.chiSquare / dof).toFixed(2)})`).join(', ')}.`,
    spec: {
      vconcat: [
        {
          width: 560,
          height: 280,
          layer: [
            // The residual panel below carries the wavelength axis's title.
            { data: { values: modelRows }, ...modelMarks, encoding: { x: { ...x, title: null }, y: { field: 'depth', type: 'quantitative', title: 'eclipse depth (ppm)' }, color: colour, shape } },
            { data: { values: dataRows }, mark: { type: 'rule', color: '#1b1b1b' }, encoding: { x, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } } },
            { data: { values: dataRows }, mark: { type: 'point', filled: true, size: 14, color: '#1b1b1b', opacity: 1 }, encoding: { x, y: { field: 'depth', type: 'quantitative' } } },
          ],
        },
        {
          width: 560,
          height: 130,
          layer: [
            { data: { values: [{ lo: -1, hi: 1 }] }, mark: { type: 'rect', color: '#eceef1' }, encoding: { y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } } },
            { data: { values: [{ zero: 0 }] }, mark: { type: 'rule', color: '#8a9099' }, encoding: { y: { field: 'zero', type: 'quantitative' } } },
            { data: { values: modelRows }, ...modelMarks, encoding: { x, y: { field: 'residual', type: 'quantitative', title: '(data − model)/σ' }, color: colour, shape } },
          ],
        },
      ],
      spacing: 6,
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
