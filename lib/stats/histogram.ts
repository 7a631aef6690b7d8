/**
 * Weighted histograms on bins shared by two sample sets, the common ground for the binned
 * Bhattacharyya coefficient and Jensen–Shannon divergence.
 */
import { kishEss, normalizedWeights, weightedQuantiles, type WeightedSample } from './weighted.ts';

/**
 * Bin count from the effective sample size by Rice's rule B = 2·ESS^{1/3}, kept within [10, 200].
 * Fewer bins bias BC towards 1 (coarse bins hide differences); more bins bias it down by about
 * B/(4·ESS) through the counting noise in each bin, so B grows slower than ESS.
 */
export function histogramBinCount(ess: number): number {
  return Math.min(200, Math.max(10, Math.round(2 * Math.cbrt(ess))));
}

/**
 * Equal-width bin edges spanning both samples' central 99.9 % (tails beyond fall into the edge bins,
 * so a few outliers cannot stretch the bins); the count follows the smaller effective sample size.
 */
export function sharedBinEdges(a: WeightedSample, b: WeightedSample, bins?: number): Float64Array {
  const [aLo, aHi] = weightedQuantiles(a, [0.0005, 0.9995]);
  const [bLo, bHi] = weightedQuantiles(b, [0.0005, 0.9995]);
  let lo = Math.min(aLo, bLo);
  let hi = Math.max(aHi, bHi);
  if (!(hi > lo)) {
    // Degenerate (constant) samples: one unit-wide bin around the value keeps the maths defined.
    lo -= 0.5;
    hi += 0.5;
  }
  const count = bins ?? histogramBinCount(Math.min(essOf(a), essOf(b)));
  const edges = new Float64Array(count + 1);
  for (let k = 0; k <= count; k++) edges[k] = lo + ((hi - lo) * k) / count;
  return edges;
}

/** Probability mass per bin (sums to 1); values outside the edges count in the first/last bin. */
export function weightedHistogram(sample: WeightedSample, edges: ArrayLike<number>): Float64Array {
  const bins = edges.length - 1;
  const lo = edges[0];
  const width = (edges[bins] - lo) / bins;
  const w = normalizedWeights(sample.values.length, sample.weights);
  const mass = new Float64Array(bins);
  for (let i = 0; i < sample.values.length; i++) {
    const k = Math.floor((sample.values[i] - lo) / width);
    mass[k < 0 ? 0 : k >= bins ? bins - 1 : k] += w[i];
  }
  return mass;
}

function essOf(sample: WeightedSample): number {
  return kishEss(sample.weights, sample.values.length);
}
