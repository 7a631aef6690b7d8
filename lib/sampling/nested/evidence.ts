/**
 * Evidence integration over the dead points (Skilling 2006), as in dynesty's static sampler.
 *
 * After i iterations with N live points the enclosed prior volume is estimated as Xᵢ = e^{−i/N}.
 * Each dead point gets the trapezoid weight  wᵢ = ½ (Lᵢ₋₁ + Lᵢ)(Xᵢ₋₁ − Xᵢ),  Z = Σ wᵢ, and the
 * information H = ∫ P ln(P/π) = Σ (wᵢ/Z) ln Lᵢ − ln Z is updated alongside, since the statistical
 * uncertainty of ln Z is √(H/N) (the spread of ln Xᵢ after the ~N·H iterations it takes to reach the
 * posterior bulk). All quantities are logarithms.
 */
import { logAddExp } from '../logmath.ts';

export interface EvidenceState {
  logZ: number;
  /** Information H in nats. */
  h: number;
  /** ln X of the last dead point (0 before the first). */
  logVolume: number;
  /** ln L of the last dead point (−∞ before the first). */
  logL: number;
}

export const emptyEvidence = (): EvidenceState => ({ logZ: -Infinity, h: 0, logVolume: 0, logL: -Infinity });

/**
 * Adds one dead point with ln L = `logL` and new enclosed volume ln X = `logVolume` (below the
 * previous one). Mutates `state`; returns the point's log-weight ln wᵢ.
 */
export function addDeadPoint(state: EvidenceState, logL: number, logVolume: number): number {
  // ln(½ (Xᵢ₋₁ − Xᵢ)), computed without cancellation.
  const logDVolume = state.logVolume + Math.log(-Math.expm1(logVolume - state.logVolume)) - Math.LN2;
  const logWeight = logAddExp(logL, state.logL) + logDVolume;
  const logZNew = logAddExp(state.logZ, logWeight);
  if (logZNew > -Infinity) {
    const dVolume = Math.exp(logDVolume);
    const prev = state.logL > -Infinity ? Math.exp(state.logL - logZNew) * state.logL : 0;
    const curr = logL > -Infinity ? Math.exp(logL - logZNew) * logL : 0;
    const carried = state.logZ > -Infinity ? Math.exp(state.logZ - logZNew) * (state.h + state.logZ) : 0;
    state.h = dVolume * (prev + curr) + carried - logZNew;
  }
  state.logZ = logZNew;
  state.logVolume = logVolume;
  state.logL = logL;
  return logWeight;
}

/**
 * ln of the largest evidence still to come, ln(Z + L_max·X) − ln Z: the stopping statistic
 * ("dlogz") of dynesty and MultiNest.
 */
export function remainingLogEvidence(state: EvidenceState, maxLiveLogL: number): number {
  if (state.logZ === -Infinity) return Infinity;
  return logAddExp(state.logZ, maxLiveLogL + state.logVolume) - state.logZ;
}

/**
 * The final N live points, sorted by ln L ascending, fill the remaining volume X evenly:
 * the k-th (1-based) gets ln X + ln(1 − k/(N+1)).
 */
export function liveLogVolumes(logVolume: number, nlive: number): Float64Array {
  const out = new Float64Array(nlive);
  for (let k = 0; k < nlive; k++) out[k] = logVolume + Math.log1p(-(k + 1) / (nlive + 1));
  return out;
}
