/**
 * The resolution of the sample-based Bhattacharyya coefficients: what they read for two samples
 * of the SAME distribution at the compared samples' effective sizes. Histogram BC is biased low by
 * ≈ B/(4·ESS) per sample (counting noise in B bins) and KDE BC by the kernels' own noise, so a BC
 * of 0.99 may be "identical" at a few hundred effective draws. A measured BC at the floor means the
 * two posteriors are indistinguishable at these sample sizes; the floor → 1 as the ESS grows.
 *
 * Estimated by resampling: two independent multinomial draws from the reference's weighted sample
 * (sizes round(ESS_ref) and round(ESS_other)), compared with the same estimators and bin count,
 * averaged over `repeats` pairs.
 */
import type { Rng } from '../random.ts';
import { bhattacharyya, bhattacharyyaKde } from './divergence.ts';
import { normalizedWeights, type WeightedSample } from './weighted.ts';

export interface BhattacharyyaFloor {
  histogram: number;
  kde: number;
}

export interface FloorOptions {
  /** Histogram bins, as the comparison used (default: from the smaller ESS, see histogramBinCount). */
  bins?: number;
  /** Resampled pairs averaged (default 16). */
  repeats?: number;
}

export function bhattacharyyaFloor(reference: WeightedSample, essA: number, essB: number, rng: Rng, options: FloorOptions = {}): BhattacharyyaFloor {
  const draw = iidDrawer(reference);
  const sizes = [essA, essB].map((e) => Math.max(2, Math.round(e)));
  const repeats = options.repeats ?? 16;
  let histogram = 0;
  let kde = 0;
  for (let r = 0; r < repeats; r++) {
    const [a, b] = sizes.map((n) => ({ values: draw(n, rng) }));
    histogram += bhattacharyya(a!, b!, options.bins);
    kde += bhattacharyyaKde(a!, b!);
  }
  return { histogram: histogram / repeats, kde: kde / repeats };
}

/**
 * Independent draws with probability ∝ wᵢ (inverse CDF with binary search). Not systematic
 * resampling: its low variance would hide exactly the counting noise the floor is made of.
 */
function iidDrawer(sample: WeightedSample): (n: number, rng: Rng) => Float64Array {
  const w = normalizedWeights(sample.values.length, sample.weights);
  const cdf = new Float64Array(w.length);
  let total = 0;
  w.forEach((x, i) => (cdf[i] = total += x));
  return (n, rng) => {
    const out = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      const u = rng.uniform() * total;
      let lo = 0;
      let hi = cdf.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cdf[mid] < u) lo = mid + 1;
        else hi = mid;
      }
      out[k] = sample.values[lo];
    }
    return out;
  };
}
