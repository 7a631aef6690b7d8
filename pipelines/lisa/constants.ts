/**
 * Every physical and instrumental constant the LISA pipelines use, with its source.
 * Units: SI unless stated; masses in solar masses enter formulas as times, G M/c³ in seconds.
 */

/** Speed of light, m/s (exact, SI). */
export const C_M_S = 299_792_458;
/** G M_sun / c³ in seconds (IAU 2015 nominal solar mass parameter GM_sun = 1.3271244e20 m³ s⁻²). */
export const T_SUN_S = 1.3271244e20 / C_M_S ** 3;
/** One megaparsec in metres (IAU 2015: 1 pc = 648000/π au, au = 149597870700 m). */
export const MPC_M = (648_000 / Math.PI) * 149_597_870_700 * 1e6;
/** Julian year in seconds. */
export const YEAR_S = 365.25 * 86_400;
/** Euler–Mascheroni constant (enters the 3PN TaylorF2 coefficient). */
export const EULER_GAMMA = 0.5772156649015329;

/** Flat ΛCDM background for D_L(z): Planck 2018 TT,TE,EE+lowE+lensing+BAO (arXiv:1807.06209, Table 2). */
export const PLANCK18 = { h0: 67.66, omegaM: 0.3111 };

/**
 * LISA 2018 reference design as in Robson, Cornish & Liu 2019 (arXiv:1803.01944, Sec. 2):
 * arm length L = 2.5 Gm, transfer frequency f* = c/(2πL) ≈ 19.09 mHz, single-link optical
 * metrology noise 1.5e-11 m/√Hz with a 2 mHz corner (Eq. 10), single test-mass acceleration noise
 * 3e-15 m s⁻²/√Hz with 0.4 mHz and 8 mHz corners (Eq. 11).
 */
export const LISA = {
  armLength: 2.5e9,
  omsAmplitude: 1.5e-11,
  omsCorner: 2e-3,
  accAmplitude: 3e-15,
  accLowCorner: 0.4e-3,
  accHighCorner: 8e-3,
} as const;

/** Galactic confusion noise fit of Robson et al. 2019, Eq. 14 and Table 1, per mission duration. */
export const CONFUSION_AMPLITUDE = 9e-45;
export const CONFUSION_FITS = {
  '0.5': { alpha: 0.133, beta: 243, kappa: 482, gamma: 917, fk: 2.58e-3 },
  '1': { alpha: 0.171, beta: 292, kappa: 1020, gamma: 1680, fk: 2.15e-3 },
  '2': { alpha: 0.165, beta: 299, kappa: 611, gamma: 1340, fk: 1.73e-3 },
  '4': { alpha: 0.138, beta: -221, kappa: 521, gamma: 1680, fk: 1.13e-3 },
} as const;
export type MissionYears = keyof typeof CONFUSION_FITS;
export const MISSION_YEARS = Object.keys(CONFUSION_FITS) as [MissionYears, ...MissionYears[]];
