/**
 * Simulation-based calibration (Talts et al. 2018). For trials θ* ~ prior, x ~ p(x|θ*), and L
 * posterior draws θ₁…θ_L ~ q(θ|x), the rank r = #{θ_l < θ*} is uniform on {0, …, L} for every
 * parameter exactly when q is the true posterior (averaged over the prior predictive). Too narrow
 * posteriors give a ∪-shaped rank histogram, biased ones a slope, too wide ones a ∩ shape.
 */
import { ksPValue, ksStatisticUniform } from './ks.ts';

/** One calibration trial: the true parameters and the method's equal-weight posterior draws. */
export interface SbcTrial {
  truth: Record<string, number>;
  draws: Record<string, ArrayLike<number>>;
}

export interface SbcParameterResult {
  parameter: string;
  /** One rank per trial, each in 0 … maxRank. */
  ranks: number[];
  /** L, the number of posterior draws per trial. */
  maxRank: number;
  /** Counts of ranks in `histogram.length` consecutive groups of the L + 1 possible ranks. */
  histogram: number[];
  /** Count each group would hold under perfect calibration (groups can differ by one rank in width). */
  expected: number[];
  ksStatistic: number;
  /** KS p-value of the normalised ranks (r + ½)/(L + 1) against U(0, 1); small = miscalibrated. */
  ksPValue: number;
}

/** Ranks, rank histogram and KS test per parameter; every trial must have the same number of draws. */
export function simulationBasedCalibration(
  trials: readonly SbcTrial[],
  paramNames: readonly string[],
  options: { bins?: number } = {},
): SbcParameterResult[] {
  if (trials.length === 0) throw new Error('SBC needs at least one trial');
  return paramNames.map((parameter) => {
    const maxRank = trials[0].draws[parameter]?.length ?? 0;
    if (maxRank === 0) throw new Error(`SBC trial 0 has no draws of '${parameter}'`);
    const ranks = trials.map((trial, t) => {
      const draws = trial.draws[parameter];
      if (draws?.length !== maxRank) throw new Error(`SBC trial ${t} has ${draws?.length ?? 0} draws of '${parameter}', expected ${maxRank}`);
      const truth = trial.truth[parameter];
      let rank = 0;
      for (let l = 0; l < maxRank; l++) if (draws[l] < truth) rank++;
      return rank;
    });
    const bins = options.bins ?? defaultBinCount(trials.length, maxRank + 1);
    const groupOf = (r: number) => Math.floor((r * bins) / (maxRank + 1));
    const histogram = new Array<number>(bins).fill(0);
    const expected = new Array<number>(bins).fill(0);
    for (const r of ranks) histogram[groupOf(r)]++;
    for (let r = 0; r <= maxRank; r++) expected[groupOf(r)] += trials.length / (maxRank + 1);
    // Centring each discrete rank in its cell keeps D free of a 1/(L+1) discreteness offset.
    const d = ksStatisticUniform(ranks.map((r) => (r + 0.5) / (maxRank + 1)));
    return { parameter, ranks, maxRank, histogram, expected, ksStatistic: d, ksPValue: ksPValue(d, ranks.length) };
  });
}

/**
 * About 20 trials per bin and at most 20 bins, preferring a divisor of the L + 1 ranks so that every
 * bin spans the same number of ranks and the expected histogram is flat.
 */
function defaultBinCount(trials: number, rankCount: number): number {
  const target = Math.min(rankCount, Math.max(2, Math.min(20, Math.floor(trials / 20))));
  for (let b = target; b >= Math.ceil(target / 2); b--) if (rankCount % b === 0) return b;
  return target;
}
