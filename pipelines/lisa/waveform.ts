/**
 * Frequency-domain inspiral: TaylorF2 phase to 3.5PN for non-spinning binaries with the sky-,
 * polarisation- and inclination-averaged amplitude, cut at the Schwarzschild ISCO.
 *
 * Geometric units throughout: masses and distances as times (G M/c³, D/c in seconds).
 */
import { EULER_GAMMA, MPC_M, C_M_S, PLANCK18, T_SUN_S } from './constants.ts';
import { DistanceGrid, luminosityDistances, C_KM_S } from '../../lib/cosmology/distances.ts';

/** Detector-frame (redshifted) binary parameters, in seconds. */
export interface Binary {
  /** Redshifted chirp mass G Mc (1+z)/c³. */
  chirpMass: number;
  /** Symmetric mass ratio η = m1 m2/M² ∈ (0, 1/4]. */
  eta: number;
  /** Luminosity distance D_L/c. */
  distance: number;
  /** Coalescence time (relative to the reference epoch) and phase. */
  tc: number;
  phic: number;
}

export const etaFromQ = (q: number): number => q / (1 + q) ** 2;
export const totalMass = (b: Pick<Binary, 'chirpMass' | 'eta'>): number => b.chirpMass * b.eta ** -0.6;

/** GW frequency at the Schwarzschild ISCO, f = 1/(6^{3/2} π M) (the template's upper cut). */
export function iscoFrequency(b: Pick<Binary, 'chirpMass' | 'eta'>): number {
  return 1 / (6 ** 1.5 * Math.PI * totalMass(b));
}

/** Luminosity distance in seconds at redshift z, flat ΛCDM (Planck 2018; pipelines/cosmology quadrature). */
export function luminosityDistanceSeconds(z: number, cosmology = PLANCK18): number {
  const dlOverDh = luminosityDistances(new DistanceGrid([z]), { omegaM: cosmology.omegaM }, [z])![0]!;
  return (dlOverDh * (C_KM_S / cosmology.h0) * MPC_M) / C_M_S;
}

/** Source-frame total mass (M_sun), mass ratio q ≤ 1 and redshift → detector-frame chirp mass and η. */
export function detectorFrame(totalMassSun: number, q: number, z: number): { chirpMass: number; eta: number } {
  const eta = etaFromQ(q);
  return { chirpMass: totalMassSun * (1 + z) * eta ** 0.6 * T_SUN_S, eta };
}

/**
 * PN coefficients ψ_k of TaylorF2, Ψ(f) = 2πf t_c − φ_c − π/4 + 3/(128 η v⁵) Σ ψ_k v^k with
 * v = (πMf)^{1/3} (Buonanno, Iyer, Ochsner, Pan & Sathyaprakash 2009, arXiv:0907.0700, Eq. 3.18;
 * ψ5 with the (1 + 3 ln(v/v_isco)) convention of LALSuite, ψ6 with its ln(4v) term). The k = 6
 * log and k = 5 log terms are evaluated separately below.
 */
function pnCoefficients(eta: number): number[] {
  const pi = Math.PI;
  return [
    1,
    0,
    3715 / 756 + (55 / 9) * eta,
    -16 * pi,
    15293365 / 508032 + (27145 / 504) * eta + (3085 / 72) * eta * eta,
    pi * (38645 / 756 - (65 / 9) * eta),
    11583231236531 / 4694215680 - (640 / 3) * pi * pi - (6848 / 21) * EULER_GAMMA +
      (-15737765635 / 3048192 + (2255 / 12) * pi * pi) * eta + (76055 / 1728) * eta * eta - (127825 / 1296) * eta ** 3,
    pi * (77096675 / 254016 + (378515 / 1512) * eta - (74045 / 756) * eta * eta),
  ];
}

const V_ISCO = 1 / Math.sqrt(6);

/**
 * The PN part of the TaylorF2 phase, 3/(128 η v⁵) Σ_{k ≤ order} ψ_k v^k, at each frequency
 * (`pnOrder` counts half-PN steps: 7 = 3.5PN, 0 = Newtonian).
 */
export function taylorF2PnPhase(f: ArrayLike<number>, b: Pick<Binary, 'chirpMass' | 'eta'>, pnOrder = 7): Float64Array {
  const m = totalMass(b);
  const psi = pnCoefficients(b.eta);
  const out = new Float64Array(f.length);
  const prefactor = 3 / (128 * b.eta);
  for (let i = 0; i < f.length; i++) {
    const v = Math.cbrt(Math.PI * m * f[i]!);
    let sum = 0;
    let vk = 1;
    for (let k = 0; k <= pnOrder; k++) {
      let c = psi[k]!;
      if (k === 5) c *= 1 + 3 * Math.log(v / V_ISCO);
      if (k === 6) c -= (6848 / 21) * Math.log(4 * v);
      sum += c * vk;
      vk *= v;
    }
    out[i] = (prefactor * sum) / v ** 5;
  }
  return out;
}

/** Newtonian phase Ψ_N(f) = 3/128 (π Mc f)^{−5/3} (the ψ0 term). */
export function newtonianPhase(f: number, chirpMass: number): number {
  return (3 / 128) * (Math.PI * chirpMass * f) ** (-5 / 3);
}

/**
 * Sky-, polarisation- and inclination-averaged amplitude for the sky-averaged sensitivity of
 * Robson et al. 2019: with S_n holding the sky/polarisation average (R(f)), the inclination
 * average ⟨((1+cos²ι)/2)² + cos²ι⟩ = 4/5 multiplies |A₀|², A₀ = √(5/24) π^{−2/3} Mc^{5/6} f^{−7/6}/D_L,
 * so SNR² = (16/5) ∫ |A₀|²/S_n df (their Sec. 5). Hence |h̃| = √(4/5) A₀ = π^{−2/3} Mc^{5/6} f^{−7/6}/(√6 D_L).
 */
export function averagedAmplitude(f: number, b: Pick<Binary, 'chirpMass' | 'distance'>): number {
  return (Math.PI ** (-2 / 3) * b.chirpMass ** (5 / 6) * f ** (-7 / 6)) / (Math.sqrt(6) * b.distance);
}

/** A frequency-domain signal on a grid: real and imaginary parts. */
export interface Signal {
  re: Float64Array;
  im: Float64Array;
}

/**
 * h̃(f) = A(f) exp(−iΨ(f)) with Ψ = 2πf t_c − φ_c − π/4 + Ψ_PN(f) + δΨ(f), zero above the ISCO.
 * `dephasing` (optional, same length as f) is an extra phase term such as the gas torque's.
 */
export function taylorF2(f: ArrayLike<number>, b: Binary, dephasing?: ArrayLike<number>, pnOrder = 7): Signal {
  const psi = taylorF2PnPhase(f, b, pnOrder);
  const fIsco = iscoFrequency(b);
  const re = new Float64Array(f.length);
  const im = new Float64Array(f.length);
  for (let i = 0; i < f.length; i++) {
    const fi = f[i]!;
    if (fi > fIsco) continue;
    const phase = 2 * Math.PI * fi * b.tc - b.phic - Math.PI / 4 + psi[i]! + (dephasing ? dephasing[i]! : 0);
    const amp = averagedAmplitude(fi, b);
    re[i] = amp * Math.cos(phase);
    im[i] = -amp * Math.sin(phase);
  }
  return { re, im };
}
