/**
 * Gas torques on the inspiral (Copparoni et al. 2025): the orbit shrinks as
 *
 *   da/dt = (da/dt)_GW [1 + A x^{n_r}],   x = a/(10 M),
 *
 * and the stationary-phase approximation turns that into a dephasing of TaylorF2.
 *
 * Derivation. With Ψ(f) = 2πf t(f) − φ(f) − π/4 and dφ/df = 2πf dt/df, Ψ'(f) = 2π t(f) and
 * Ψ''(f) = 2π dt/df. Along the orbit dt/df = (da/df)/(da/dt), so the torque divides the GW-driven
 * dt/df by 1 + A x^n. To first order in A (torque ≪ radiation reaction, and only the Newtonian
 * (dt/df)_N = (5/96) π^{−8/3} Mc^{−5/3} f^{−11/3} multiplies the small term):
 *
 *   δΨ''(f) = −2π A x(f)^n (dt/df)_N,   x(f) = (πMf)^{−2/3}/10 (Kepler: a/M = (πMf)^{−2/3}).
 *
 * This is c f^{p−2} with p = −(5 + 2n)/3. Integrating twice with δΨ, δΨ' → 0 as f → ∞ (terms
 * linear in f are t_c and φ_c) gives δΨ(f) = ∫_f^∞ (f' − f) δΨ''(f') df' = c f^p/(p(p − 1)), i.e.
 *
 *   δΨ(f) = −A Ψ_N(f) x(f)^n (40/9)/(p(p − 1)),   Ψ_N = (3/128)(π Mc f)^{−5/3},
 *
 * valid for n > −5/2 (the integral must converge). Limits, both tested: A = 0 gives TaylorF2;
 * n = 0 gives p(p − 1) = 40/9 and δΨ = −A Ψ_N, exactly the Newtonian phase of a chirp mass
 * Mc (1 − A)^{−3/5} — a chirp-mass rescaling, which is why n_r = 0 cannot be told from Mc.
 * The amplitude's (small) change through dt/df is neglected, as in the seed paper's phase-only model.
 */
import type { Rng } from '../../lib/random.ts';
import { newtonianPhase, totalMass, type Binary } from './waveform.ts';

export interface Torque {
  amplitude: number;
  slope: number;
}

const slopeExponent = (n: number) => -(5 + 2 * n) / 3;

function checkSlope(n: number): void {
  if (!(n > -2.5)) throw new Error(`torque slope n_r = ${n} must exceed −5/2 for the dephasing integral to converge`);
}

/** x(f) = a/(10M) on a circular Keplerian orbit at GW frequency f. */
export function separationOverTenM(f: number, b: Pick<Binary, 'chirpMass' | 'eta'>): number {
  return (Math.PI * totalMass(b) * f) ** (-2 / 3) / 10;
}

/** δΨ(f) of a constant torque (first order in A), at each frequency. */
export function torqueDephasing(f: ArrayLike<number>, b: Pick<Binary, 'chirpMass' | 'eta'>, torque: Torque): Float64Array {
  checkSlope(torque.slope);
  const p = slopeExponent(torque.slope);
  const factor = (-torque.amplitude * 40) / (9 * p * (p - 1));
  return Float64Array.from(f, (fi) => factor * newtonianPhase(fi, b.chirpMass) * separationOverTenM(fi, b) ** torque.slope);
}

/** δΨ''(f) per unit amplitude, −2π x^n (dt/df)_N. */
function unitSecondDerivative(f: number, b: Pick<Binary, 'chirpMass' | 'eta'>, n: number): number {
  const dtdf = (5 / 96) * Math.PI ** (-8 / 3) * b.chirpMass ** (-5 / 3) * f ** (-11 / 3);
  return -2 * Math.PI * separationOverTenM(f, b) ** n * dtdf;
}

/** Newtonian time to coalescence from GW frequency f, τ = (5/256) Mc (π Mc f)^{−8/3}. */
export function timeToCoalescence(f: number, chirpMass: number): number {
  return (5 / 256) * chirpMass * (Math.PI * chirpMass * f) ** (-8 / 3);
}

/**
 * The torque amplitude along the inspiral, A(t) = Ā (1 + σ ξ(t)), with ξ a unit-variance
 * Ornstein–Uhlenbeck process of correlation time τ (exact transitions
 * ξ' = ρ ξ + √(1 − ρ²) N(0,1), ρ = e^{−Δt/τ}; stationary start), sampled at the times the binary
 * reaches each frequency of the increasing grid `f`.
 */
export function ornsteinUhlenbeckAmplitude(
  f: ArrayLike<number>,
  chirpMass: number,
  mean: number,
  variability: number,
  correlationTime: number,
  rng: Rng,
): Float64Array {
  const out = new Float64Array(f.length);
  let xi = rng.normal();
  let previous = -timeToCoalescence(f[0]!, chirpMass);
  for (let i = 0; i < f.length; i++) {
    const t = -timeToCoalescence(f[i]!, chirpMass);
    const rho = Math.exp(-(t - previous) / correlationTime);
    if (i > 0) xi = rho * xi + Math.sqrt(1 - rho * rho) * rng.normal();
    previous = t;
    out[i] = mean * (1 + variability * xi);
  }
  return out;
}

/**
 * δΨ(f) for a torque amplitude that varies along the inspiral, by quadrature of
 * δΨ(f) = ∫_f^∞ (f' − f) A(f') u(f') df' (u = δΨ''/A): the trapezoid rule on the fine increasing
 * grid `fine` (ending at f_end) with `amplitude` given there, plus the analytic tail beyond f_end
 * with the amplitude frozen at its last value. The same convention as the constant-torque template
 * (δΨ, δΨ' → 0 at high f), so a constant A reproduces torqueDephasing and t_c, φ_c keep their
 * meaning. Returns δΨ at the points of `fine`.
 */
export function variableTorqueDephasing(
  fine: Float64Array,
  amplitude: Float64Array,
  b: Pick<Binary, 'chirpMass' | 'eta'>,
  slope: number,
): Float64Array {
  checkSlope(slope);
  const n = fine.length;
  const g = Float64Array.from(fine, (f, i) => amplitude[i]! * unitSecondDerivative(f, b, slope));
  // J0(f) = ∫_f^{f_end} g, J1(f) = ∫_f^{f_end} f' g, accumulated downwards.
  const j0 = new Float64Array(n);
  const j1 = new Float64Array(n);
  for (let i = n - 2; i >= 0; i--) {
    const h = fine[i + 1]! - fine[i]!;
    j0[i] = j0[i + 1]! + (0.5 * h * (g[i]! + g[i + 1]!));
    j1[i] = j1[i + 1]! + (0.5 * h * (fine[i]! * g[i]! + fine[i + 1]! * g[i + 1]!));
  }
  // Tail: with g = c f^{p−2}, ∫_{fe}^∞ g = −c fe^{p−1}/(p−1) and ∫_{fe}^∞ (f'−fe) g = c fe^p/(p(p−1)).
  const fe = fine[n - 1]!;
  const p = slopeExponent(slope);
  const c = g[n - 1]! / fe ** (p - 2);
  const tailSlope = (-c * fe ** (p - 1)) / (p - 1);
  const tailValue = (c * fe ** p) / (p * (p - 1));
  return Float64Array.from(fine, (f, i) => j1[i]! - f * j0[i]! + tailValue + (fe - f) * tailSlope);
}

/** Linear interpolation in ln f of values on an increasing grid (clamped at the ends). */
export function interpolateLog(fine: Float64Array, values: Float64Array, at: ArrayLike<number>): Float64Array {
  const out = new Float64Array(at.length);
  let j = 0;
  for (let i = 0; i < at.length; i++) {
    const f = at[i]!;
    while (j < fine.length - 2 && fine[j + 1]! < f) j++;
    const t = Math.min(1, Math.max(0, Math.log(f / fine[j]!) / Math.log(fine[j + 1]! / fine[j]!)));
    out[i] = values[j]! + t * (values[j + 1]! - values[j]!);
  }
  return out;
}
