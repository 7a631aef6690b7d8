/**
 * A finished nested-sampling run's path through the prior volume, recovered from what every nested
 * stage stores (its points in ascending ln L with their log-weights), for dynesty-style diagnostics:
 * ln L against ln X, and how the evidence converged.
 *
 * The weights are evidence.ts's trapezoid rule, wᵢ = ½ (Lᵢ₋₁ + Lᵢ)(Xᵢ₋₁ − Xᵢ) with L₀ = 0, X₀ = 1,
 * so each shell's volume follows from its weight, ln(Xᵢ₋₁ − Xᵢ) = ln wᵢ + ln 2 − ln(Lᵢ₋₁ + Lᵢ),
 * and ln Xᵢ = ln Xᵢ₋₁ + ln(1 − e^{ln(Xᵢ₋₁ − Xᵢ) − ln Xᵢ₋₁}) — in logs, so no volume underflows.
 * This holds for single runs and merged ones (merge.ts) alike, whatever their live-point counts.
 * Where Lᵢ₋₁ = Lᵢ = 0 a weight is 0 and carries no volume; such points come before any finite
 * likelihood, all dead points, and each shrank the volume by e^{−1/N}, N the run's live points.
 */
import { logAddExp } from '../logmath.ts';

export interface NestedRunTrace {
  /** ln X: the prior volume inside each point's likelihood contour. */
  logVolume: Float64Array;
  /** ln Z accumulated up to and including each point. */
  logZ: Float64Array;
  /**
   * ln(Zᵢ + L_max·Xᵢ), L_max the run's largest likelihood: the most the evidence could still
   * become after point i. It meets logZ when the remaining volume no longer matters (dynesty's dlogz
   * is their difference).
   */
  logZUpper: Float64Array;
}

/** The trace of a run's points (ascending ln L, log-weights as stored) with `nlive` live points (Σ over merged runs). */
export function nestedRunTrace(logL: ArrayLike<number>, logWeight: ArrayLike<number>, nlive: number): NestedRunTrace {
  const n = logL.length;
  if (logWeight.length !== n) throw new Error(`logL has ${n} points, logWeight ${logWeight.length}`);
  const logVolume = new Float64Array(n);
  const logZ = new Float64Array(n);
  const logZUpper = new Float64Array(n);
  const maxLogL = n ? logL[n - 1]! : -Infinity;
  let volume = 0;
  let evidence = -Infinity;
  let previousLogL = -Infinity;
  for (let i = 0; i < n; i++) {
    if (logL[i]! < previousLogL) throw new Error(`point ${i}: ln L ${logL[i]} below the previous ${previousLogL}; a nested run's points come in ascending ln L`);
    const pairLogL = logAddExp(previousLogL, logL[i]!);
    if (pairLogL === -Infinity) volume -= 1 / nlive;
    else volume += Math.log1p(-Math.min(1, Math.exp(logWeight[i]! + Math.LN2 - pairLogL - volume)));
    evidence = logAddExp(evidence, logWeight[i]!);
    logVolume[i] = volume;
    logZ[i] = evidence;
    logZUpper[i] = logAddExp(evidence, maxLogL + volume);
    previousLogL = logL[i]!;
  }
  return { logVolume, logZ, logZUpper };
}
