/**
 * Scores of a probabilistic forecast N(μ, σ²) against the truth, and the instability warning
 * built on it.
 */

/** Φ(x) via erfc (Numerical Recipes' Chebyshev fit, |error| < 1.2e-7). */
export function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * z);
  const erfc =
    t *
    Math.exp(
      -z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? 1 - erfc / 2 : erfc / 2;
}

/** z of the central 90 % interval of a Gaussian. */
export const Z90 = 1.6448536269514722;

export interface ForecastScores {
  rmse: number;
  /** Mean Gaussian negative log-likelihood per forecast [nats], target in bar. */
  nll: number;
  /** Fraction of truths inside μ ± 1.645σ. */
  coverage90: number;
  rows: number;
}

export function scoreForecasts(truth: ArrayLike<number>, mean: ArrayLike<number>, variance: ArrayLike<number>): ForecastScores {
  let sq = 0;
  let nll = 0;
  let inside = 0;
  const n = truth.length;
  for (let i = 0; i < n; i++) {
    const r = truth[i]! - mean[i]!;
    const v = variance[i]!;
    sq += r * r;
    nll += 0.5 * (Math.log(2 * Math.PI * v) + (r * r) / v);
    if (Math.abs(r) <= Z90 * Math.sqrt(v)) inside++;
  }
  return { rmse: Math.sqrt(sq / n), nll: nll / n, coverage90: inside / n, rows: n };
}

export interface WarningRule {
  /** Instability threshold on the envelope [bar]. */
  threshold: number;
  /** Alarm when P(A(t + horizon) > threshold) reaches this … */
  probability: number;
  /** … at this many consecutive forecast origins. */
  persistence: number;
}

/** Time of the first alarm (NaN if none): the origin at which the persistence requirement is met. */
export function firstAlarm(t: ArrayLike<number>, mean: ArrayLike<number>, variance: ArrayLike<number>, rule: WarningRule): number {
  let streak = 0;
  for (let i = 0; i < t.length; i++) {
    const exceed = 1 - normalCdf((rule.threshold - mean[i]!) / Math.sqrt(variance[i]!));
    streak = exceed >= rule.probability ? streak + 1 : 0;
    if (streak >= rule.persistence) return t[i]!;
  }
  return NaN;
}

export interface RunWarning {
  crossing: number;
  alarm: number;
  /** crossing − alarm [s] (NaN without a crossing or an alarm before it). */
  lead: number;
  /** An unstable run warned within [minLead, maxLead] before the crossing. */
  hit: boolean;
  /** A stable run with an alarm, or an unstable one warned more than maxLead ahead. */
  falseAlarm: boolean;
}

export function judgeWarning(crossing: number, alarm: number, minLead: number, maxLead: number): RunWarning {
  if (Number.isNaN(crossing)) return { crossing, alarm, lead: NaN, hit: false, falseAlarm: !Number.isNaN(alarm) };
  const lead = !Number.isNaN(alarm) && alarm <= crossing ? crossing - alarm : NaN;
  return { crossing, alarm, lead, hit: lead >= minLead && lead <= maxLead, falseAlarm: lead > maxLead };
}
