/**
 * One-dimensional agreement between two weighted posteriors p (reference) and q (other).
 *
 * Closed forms for Gaussians N(μ₁,σ₁²), N(μ₂,σ₂²), used by the tests:
 *   BC = √(2σ₁σ₂/(σ₁²+σ₂²)) · exp(−(μ₁−μ₂)² / (4(σ₁²+σ₂²)))
 * e.g. 0.9950 for a 0.2σ shift, 0.9692 for 0.5σ, 0.9918 for a width ratio of 1.2.
 */
import { gridFor, kdeOnGrid, silvermanBandwidth } from './kde.ts';
import { sharedBinEdges, weightedHistogram } from './histogram.ts';
import { credibleInterval, type WeightedSample } from './weighted.ts';

/** Two samples' masses on shared histogram bins. */
export interface SharedHistograms {
  edges: Float64Array;
  p: Float64Array;
  q: Float64Array;
}

export function sharedHistograms(a: WeightedSample, b: WeightedSample, bins?: number): SharedHistograms {
  const edges = sharedBinEdges(a, b, bins);
  return { edges, p: weightedHistogram(a, edges), q: weightedHistogram(b, edges) };
}

/**
 * Bhattacharyya coefficient BC = Σₖ √(pₖ qₖ) on shared bins: 1 for identical, 0 for disjoint
 * distributions. Counting noise biases it low by ≈ B/(4·ESS) for B bins (see histogramBinCount).
 */
export function bhattacharyya(a: WeightedSample, b: WeightedSample, bins?: number): number {
  return bhattacharyyaOf(sharedHistograms(a, b, bins));
}

export function bhattacharyyaOf({ p, q }: SharedHistograms): number {
  let bc = 0;
  for (let k = 0; k < p.length; k++) bc += Math.sqrt(p[k] * q[k]);
  return Math.min(1, bc);
}

/**
 * BC = ∫ √(p̂ q̂) dx between Gaussian KDEs (Silverman bandwidth each) on a shared grid. Smoother than
 * the histogram at small ESS; each KDE is its density convolved with N(0, h²), so for Gaussians the
 * expectation is the closed form above with σ² → σ² + h².
 */
export function bhattacharyyaKde(a: WeightedSample, b: WeightedSample): number {
  const ha = silvermanBandwidth(a);
  const hb = silvermanBandwidth(b);
  const grid = gridFor([a, b], [ha, hb]);
  const p = kdeOnGrid(a, grid, ha);
  const q = kdeOnGrid(b, grid, hb);
  let bc = 0;
  for (let j = 0; j < grid.size; j++) bc += Math.sqrt(p[j] * q[j]);
  return Math.min(1, bc * grid.step);
}

/**
 * Jensen–Shannon divergence in bits, JSD = ½ KL(p‖m) + ½ KL(q‖m) with m = (p+q)/2, on shared bins:
 * 0 for identical and 1 for disjoint distributions. Counting noise biases it high by ≈ B/(4·ESS·ln 2).
 */
export function jensenShannon(a: WeightedSample, b: WeightedSample, bins?: number): number {
  return jensenShannonOf(sharedHistograms(a, b, bins));
}

export function jensenShannonOf({ p, q }: SharedHistograms): number {
  let jsd = 0;
  for (let k = 0; k < p.length; k++) {
    const m = (p[k] + q[k]) / 2;
    if (p[k] > 0) jsd += 0.5 * p[k] * Math.log2(p[k] / m);
    if (q[k] > 0) jsd += 0.5 * q[k] * Math.log2(q[k] / m);
  }
  return Math.max(0, jsd);
}

/**
 * Overlap of the two central credible intervals holding `mass`, as intersection over union
 * |I_p ∩ I_q| / |I_p ∪ I_q|: 1 for identical intervals, 0 when they do not touch. For unit Gaussians
 * shifted by d: (2z − d)/(2z + d) with z the (1+mass)/2 normal quantile.
 */
export function intervalOverlap(a: WeightedSample, b: WeightedSample, mass: number): number {
  const [aLo, aHi] = credibleInterval(a, mass);
  const [bLo, bHi] = credibleInterval(b, mass);
  const union = Math.max(aHi, bHi) - Math.min(aLo, bLo);
  if (!(union > 0)) return 1;
  return Math.max(0, Math.min(aHi, bHi) - Math.max(aLo, bLo)) / union;
}
