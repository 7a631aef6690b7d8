/**
 * LISA sky-averaged sensitivity S_n(f) of Robson, Cornish & Liu 2019 (arXiv:1803.01944).
 */
import { C_M_S, CONFUSION_AMPLITUDE, CONFUSION_FITS, LISA, type MissionYears } from './constants.ts';

/** Transfer frequency f* = c/(2πL) (Robson et al., below Eq. 3). */
export const F_STAR = C_M_S / (2 * Math.PI * LISA.armLength);

/** Single-link optical metrology noise P_OMS(f), m²/Hz (Eq. 10). */
export function omsNoise(f: number): number {
  return LISA.omsAmplitude ** 2 * (1 + (LISA.omsCorner / f) ** 4);
}

/** Single test-mass acceleration noise P_acc(f), m² s⁻⁴/Hz (Eq. 11). */
export function accelerationNoise(f: number): number {
  return LISA.accAmplitude ** 2 * (1 + (LISA.accLowCorner / f) ** 2) * (1 + (f / LISA.accHighCorner) ** 4);
}

/** Noise in the Michelson-style TDI channel, P_n(f) (Eq. 2). */
export function instrumentNoise(f: number): number {
  const L2 = LISA.armLength ** 2;
  return omsNoise(f) / L2 + (2 * (1 + Math.cos(f / F_STAR) ** 2) * accelerationNoise(f)) / ((2 * Math.PI * f) ** 4 * L2);
}

/** Sky- and polarisation-averaged transfer function, analytic fit R(f) ≈ (3/10)/(1 + 0.6 (f/f*)²) (Eq. 9). */
export function transferFunction(f: number): number {
  return 0.3 / (1 + 0.6 * (f / F_STAR) ** 2);
}

/** Galactic confusion noise S_c(f) after `years` of observation (Eq. 14, Table 1). */
export function confusionNoise(f: number, years: MissionYears): number {
  const { alpha, beta, kappa, gamma, fk } = CONFUSION_FITS[years];
  return CONFUSION_AMPLITUDE * f ** (-7 / 3) * Math.exp(-(f ** alpha) + beta * f * Math.sin(kappa * f)) * (1 + Math.tanh(gamma * (fk - f)));
}

/** S_n(f) = P_n(f)/R(f) + S_c(f), 1/Hz (Eq. 1); `years` = null leaves out the confusion noise. */
export function sensitivity(f: number, years: MissionYears | null): number {
  return instrumentNoise(f) / transferFunction(f) + (years ? confusionNoise(f, years) : 0);
}
