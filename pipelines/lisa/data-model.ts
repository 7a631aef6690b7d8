/**
 * The frequency-domain data model: a log-spaced grid of frequency bins, Gaussian noise coloured by
 * S_n, the noise-weighted inner product, the Whittle log-likelihood and the SNR.
 *
 * Why a coarse grid is exact enough: bin k stands for a band of effective width Δf_k = f_k Δln f
 * around f_k, and the inner product (a|b) = 4 Re Σ_k a_k conj(b_k) Δf_k/S_k is the midpoint rule, in
 * ln f, for 4 Re ∫ a conj(b)/S_n df. |h̃|² and |∂h̃/∂θ|² = |∂Ψ/∂θ|²|h̃|² are smooth in f, so the optimal
 * SNR and the Fisher matrix — the width and correlations of the posterior — match the continuum
 * integrals (tested to < 1 % with a few hundred bins). Noise in bin k has Re, Im ~ N(0, S_k/(4Δf_k))
 * each, so (n|n) is χ² with 2 per bin and ln L = −½(d − h|d − h) is the Whittle likelihood of these
 * data (Whittle 1957; Cutler & Flanagan 1994, Eq. 2.3). What the grid does not reproduce is the
 * likelihood's far-from-peak oscillations between widely separated templates; priors a few σ wide
 * (as in the seed paper) never reach them.
 */
import type { MissionYears } from './constants.ts';
import type { Rng } from '../../lib/random.ts';
import { sensitivity } from './sensitivity.ts';
import type { Signal } from './waveform.ts';

export interface FrequencyGrid {
  f: Float64Array;
  /** Effective bin widths f_k Δln f, Hz. */
  df: Float64Array;
  psd: Float64Array;
  /** Inner-product weights 4 Δf_k / S_k. */
  weight: Float64Array;
}

export function logFrequencyGrid(fMin: number, fMax: number, bins: number, missionYears: MissionYears | null): FrequencyGrid {
  if (!(fMin > 0 && fMax > fMin && bins >= 1)) throw new Error(`bad frequency grid [${fMin}, ${fMax}] with ${bins} bins`);
  const dlnf = Math.log(fMax / fMin) / bins;
  const f = Float64Array.from({ length: bins }, (_, k) => fMin * Math.exp((k + 0.5) * dlnf));
  const df = f.map((x) => x * dlnf);
  const psd = f.map((x) => sensitivity(x, missionYears));
  const weight = df.map((w, k) => (4 * w) / psd[k]!);
  return { f, df, psd, weight };
}

/** (a|b) = 4 Re Σ a_k conj(b_k) Δf_k / S_k. */
export function innerProduct(grid: FrequencyGrid, a: Signal, b: Signal): number {
  let s = 0;
  for (let k = 0; k < grid.f.length; k++) s += grid.weight[k]! * (a.re[k]! * b.re[k]! + a.im[k]! * b.im[k]!);
  return s;
}

export function snr(grid: FrequencyGrid, h: Signal): number {
  return Math.sqrt(innerProduct(grid, h, h));
}

/** One noise realisation: Re and Im of bin k independent N(0, S_k/(4Δf_k)). */
export function drawNoise(grid: FrequencyGrid, rng: Rng): Signal {
  const n = grid.f.length;
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const sd = Math.sqrt(grid.psd[k]! / (4 * grid.df[k]!));
    re[k] = sd * rng.normal();
    im[k] = sd * rng.normal();
  }
  return { re, im };
}

export function addSignals(a: Signal, b: Signal): Signal {
  return { re: a.re.map((x, k) => x + b.re[k]!), im: a.im.map((x, k) => x + b.im[k]!) };
}

/** Whittle log-likelihood ln L = −½ (d − h | d − h) (the data-only normalisation is dropped). */
export function whittleLogLikelihood(grid: FrequencyGrid, data: Signal, h: Signal): number {
  let s = 0;
  for (let k = 0; k < grid.f.length; k++) {
    const dr = data.re[k]! - h.re[k]!;
    const di = data.im[k]! - h.im[k]!;
    s += grid.weight[k]! * (dr * dr + di * di);
  }
  return -0.5 * s;
}
