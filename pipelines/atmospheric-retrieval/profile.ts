/**
 * The five-parameter temperature profile of Line et al. 2013 (ApJ 775, 137), the Guillot 2010
 * two-stream solution with two visible channels, as in BART:
 *
 *   T⁴(τ) = ¾ T_int⁴ (⅔ + τ) + ¾ T_irr⁴ (1 − α) ξ(γ₁, τ) + ¾ T_irr⁴ α ξ(γ₂, τ)
 *   ξ(γ, τ) = ⅔ + 2/(3γ) [1 + (γτ/2 − 1) e^{−γτ}] + (2γ/3)(1 − τ²/2) E₂(γτ)
 *
 * with the infrared optical depth τ = κ_IR P / g and T_irr = β √(R_s / 2a) T_s.
 */
import { PHYS, SYSTEM } from './constants.ts';

/**
 * Exponential integral E₁(x), x > 0: its power series for x ≤ 1 and the continued fraction
 * (modified Lentz) above, both to ~1e-15 relative (Numerical Recipes §6.3).
 */
export function expintE1(x: number): number {
  if (x <= 0) return Infinity;
  if (x <= 1) {
    let sum = 0;
    let term = 1;
    for (let k = 1; k < 60; k++) {
      term *= -x / k;
      const add = -term / k;
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return -PHYS.eulerGamma - Math.log(x) + sum;
  }
  if (x > 700) return 0;
  const tiny = 1e-300;
  let b = x + 1;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 200; i++) {
    const a = -i * i;
    b += 2;
    d = 1 / (a * d + b);
    c = b + a / c;
    const delta = c * d;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return h * Math.exp(-x);
}

/** E₂(x) = e^{−x} − x E₁(x), with E₂(0) = 1. */
export function expintE2(x: number): number {
  if (x <= 0) return 1;
  if (x > 700) return 0;
  return Math.exp(-x) - x * expintE1(x);
}

export interface ProfileParameters {
  logKappa: number;
  logGamma1: number;
  logGamma2: number;
  alpha: number;
  beta: number;
}

/** Irradiation temperature of the planet's dayside for a given β. */
export function irradiationTemperature(beta: number): number {
  return beta * Math.sqrt(SYSTEM.starRadius / (2 * SYSTEM.semiMajorAxis)) * SYSTEM.starTemperature;
}

function xi(gamma: number, tau: number): number {
  const gt = gamma * tau;
  return 2 / 3 + (2 / (3 * gamma)) * (1 + (gt / 2 - 1) * Math.exp(-gt)) + ((2 * gamma) / 3) * (1 - (tau * tau) / 2) * expintE2(gt);
}

/** Floor on T (K): the analytic profile is not guaranteed positive for every prior corner. */
export const MIN_TEMPERATURE = 10;

/** T (K) at each pressure (dyn cm^-2), written into `out`. */
export function lineTemperatureProfile(p: ProfileParameters, pressures: Float64Array, out: Float64Array<ArrayBuffer> = new Float64Array(pressures.length)): Float64Array<ArrayBuffer> {
  const kappa = 10 ** p.logKappa;
  const g1 = 10 ** p.logGamma1;
  const g2 = 10 ** p.logGamma2;
  const tirr4 = irradiationTemperature(p.beta) ** 4;
  const tint4 = SYSTEM.internalTemperature ** 4;
  for (let i = 0; i < pressures.length; i++) {
    const tau = (kappa * pressures[i]) / SYSTEM.gravity;
    const t4 = 0.75 * tint4 * (2 / 3 + tau) + 0.75 * tirr4 * ((1 - p.alpha) * xi(g1, tau) + p.alpha * xi(g2, tau));
    out[i] = Math.max(MIN_TEMPERATURE, Math.sqrt(Math.sqrt(Math.max(0, t4))));
  }
  return out;
}
