/**
 * Integrated autocorrelation time τ = 1 + 2 Σ_{t≥1} ρ(t), estimated as in emcee (Goodman & Weare
 * 2010; Sokal 1997): the autocorrelation function ρ is computed by FFT for each walker and
 * averaged over walkers, and the sum is cut at the smallest window M with M ≥ c·τ(M), which
 * balances the bias of truncating against the noise of summing many noisy lags. The estimate is
 * trusted when the chain is longer than `tol`·τ.
 */

/** In-place iterative radix-2 FFT (length a power of two); `inverse` omits the 1/n factor. */
function fft(re: Float64Array, im: Float64Array, inverse: boolean): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j], re[i]];
      [im[i], im[j]] = [im[j], im[i]];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const angle = ((inverse ? 2 : -2) * Math.PI) / len;
    const wr = Math.cos(angle);
    const wi = Math.sin(angle);
    for (let start = 0; start < n; start += len) {
      let cr = 1;
      let ci = 0;
      for (let k = 0; k < len / 2; k++) {
        const a = start + k;
        const b = a + len / 2;
        const tr = re[b] * cr - im[b] * ci;
        const ti = re[b] * ci + im[b] * cr;
        re[b] = re[a] - tr;
        im[b] = im[a] - ti;
        re[a] += tr;
        im[a] += ti;
        const next = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = next;
      }
    }
  }
}

/** Normalised autocorrelation function ρ(0..n−1) of a series (ρ(0) = 1), via zero-padded FFT. */
export function autocorrelation(series: ArrayLike<number>): Float64Array {
  const n = series.length;
  let size = 1;
  while (size < 2 * n) size <<= 1;
  const re = new Float64Array(size);
  const im = new Float64Array(size);
  let mean = 0;
  for (let i = 0; i < n; i++) mean += series[i];
  mean /= n;
  for (let i = 0; i < n; i++) re[i] = series[i] - mean;
  fft(re, im, false);
  for (let i = 0; i < size; i++) {
    re[i] = re[i] * re[i] + im[i] * im[i];
    im[i] = 0;
  }
  fft(re, im, true);
  const acf = new Float64Array(n);
  const zero = re[0];
  for (let t = 0; t < n; t++) acf[t] = zero > 0 ? re[t] / zero : t === 0 ? 1 : 0;
  return acf;
}

export interface AutocorrTime {
  /** τ per parameter, in steps. */
  tau: number[];
  /** The summation window M chosen per parameter. */
  window: number[];
  /**
   * Effective sample size per parameter: steps × walkers / τ (the draw count overstates it τ-fold).
   * τ below 1 (a short, noisy chain's estimate) counts as 1: a chain never has more effective
   * draws than draws.
   */
  ess: number[];
  /** Whether the chain is longer than tol·τ for every parameter. */
  reliable: boolean;
}

/**
 * τ for each parameter of an ensemble chain laid out as chain[step][walker][parameter] (one walker
 * is a plain chain).
 */
export function integratedAutocorrTime(chain: number[][][], options: { c?: number; tol?: number } = {}): AutocorrTime {
  const c = options.c ?? 5;
  const tol = options.tol ?? 50;
  const steps = chain.length;
  if (steps < 2) throw new Error('need at least two steps to estimate an autocorrelation time');
  const walkers = chain[0].length;
  const dims = chain[0][0].length;
  const tau: number[] = [];
  const window: number[] = [];
  const series = new Float64Array(steps);
  for (let k = 0; k < dims; k++) {
    const mean = new Float64Array(steps);
    for (let w = 0; w < walkers; w++) {
      for (let s = 0; s < steps; s++) series[s] = chain[s][w][k];
      const acf = autocorrelation(series);
      for (let s = 0; s < steps; s++) mean[s] += acf[s] / walkers;
    }
    let cumulative = 0;
    let chosen = steps - 1;
    let tauAt = NaN;
    for (let m = 0; m < steps; m++) {
      cumulative += mean[m];
      const taus = 2 * cumulative - 1;
      tauAt = taus;
      if (m >= c * taus) {
        chosen = m;
        break;
      }
    }
    tau.push(tauAt);
    window.push(chosen);
  }
  return { tau, window, ess: tau.map((t) => (steps * walkers) / Math.max(1, t)), reliable: tau.every((t) => steps > tol * t) };
}

/** emcee's rule of thumb: discard 2·max τ steps as burn-in and keep every ⌈min τ / 2⌉-th step. */
export function burnInAndThin(tau: number[]): { discard: number; thin: number } {
  return { discard: Math.ceil(2 * Math.max(...tau)), thin: Math.max(1, Math.ceil(Math.min(...tau) / 2)) };
}
