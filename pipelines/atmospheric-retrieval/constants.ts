/**
 * Every constant of the atmospheric-retrieval forward model, in one place, cgs units.
 *
 * Sources: CODATA 2018 / IAU 2015 for physical and astronomical constants; the HD 189733 b system
 * and priors of the BART retrievals (Harrington et al. 2022, PSJ 3, 80; Blecic et al. 2022, PSJ 3,
 * 82; Cubillos et al. 2022, PSJ 3, 81) as used by Himes et al. 2022 (PSJ 3, 91), see data/README.md.
 * The opacity band model is a documented MODEL CHOICE (no line lists can be downloaded): band
 * centres are the molecules' known vibrational band origins (Herzberg 1945; NIST WebBook), band
 * strengths are rounded band-integrated intensities at 296 K of the order of HITRAN band sums
 * (Gordon et al. 2022) — they are not a line-by-line validation, treat them as model parameters.
 */

/** Physical constants (CODATA 2018, exact where defined). */
export const PHYS = {
  h: 6.62607015e-27, // erg s
  c: 2.99792458e10, // cm/s
  k: 1.380649e-16, // erg/K
  amu: 1.6605390666e-24, // g
  /** Second radiation constant hc/k, cm K. */
  c2: 1.438776877,
  eulerGamma: 0.5772156649015329,
} as const;

/** Astronomical units (IAU 2015 nominal values). */
export const ASTRO = { rSun: 6.957e10, rJup: 7.1492e9, au: 1.495978707e13 } as const;

/** HD 189733 b as in the BART retrievals (data/README.md). */
export const SYSTEM = {
  starRadius: 0.756 * ASTRO.rSun,
  starTemperature: 5000, // K, the retrievals' value (blackbody star)
  internalTemperature: 100, // K
  semiMajorAxis: 0.031 * ASTRO.au,
  gravity: 2189.69, // cm s^-2
  radiusRatio: 0.15462, // Rp/Rs
} as const;

/** Retrieved parameters, in the order of every θ vector, with their uniform priors. */
export const PARAMETERS = [
  { name: 'log_kappa', label: 'log κ_IR [cm²/g]', low: -4.99, high: 0.99 },
  { name: 'log_gamma1', label: 'log γ1', low: -1.99, high: 1.99 },
  { name: 'log_gamma2', label: 'log γ2', low: -1.29, high: 1.29 },
  { name: 'alpha', label: 'α', low: 0.001, high: 0.999 },
  { name: 'beta', label: 'β', low: 0.72, high: 1.29 },
  { name: 'log_H2O', label: 'log H2O scale', low: -4.99, high: 5.49 },
  { name: 'log_CO2', label: 'log CO2 scale', low: -4.99, high: 5.49 },
  { name: 'log_CO', label: 'log CO scale', low: -4.99, high: 5.49 },
  { name: 'log_CH4', label: 'log CH4 scale', low: -4.99, high: 5.49 },
] as const;
export const PARAM_NAMES = PARAMETERS.map((p) => p.name);
export type Theta = readonly number[];

/** BART's best fit on the real data (Harrington et al. retrieval log; data/README.md). */
export const BART_BEST_FIT: Theta = [-1.02, -1.7, -0.08, 0.064, 1.073, 4.77, 4.2, 5.35, -2.57];

/** Mixing ratio of each absorber = BASE_MIXING_RATIO × 10^scale, uniform with altitude (BART). */
export const BASE_MIXING_RATIO = 1e-6;

export const MOLECULES = ['H2O', 'CO2', 'CO', 'CH4'] as const;
export type Molecule = (typeof MOLECULES)[number];

/**
 * Molecular masses (amu) and an effective rotational constant B (cm^-1; for H2O the geometric
 * mean of A, B, C). B sets the width of each band's rotational envelope (see opacity.ts).
 */
export const MOLECULE_DATA: Record<Molecule | 'H2' | 'He', { mass: number; rotB: number }> = {
  H2O: { mass: 18.015, rotB: 15.5 },
  CO2: { mass: 44.009, rotB: 0.39 },
  CO: { mass: 28.01, rotB: 1.93 },
  CH4: { mass: 16.043, rotB: 5.24 },
  H2: { mass: 2.016, rotB: 60.85 },
  He: { mass: 4.0026, rotB: 0 },
};

/** He/H2 number ratio of a solar-composition envelope (Asplund et al. 2009: He/H = 0.085). */
export const HE_TO_H2 = 0.17;

/**
 * Vibrational/rotational absorption bands: band origin (cm^-1), band-integrated intensity S₀ at
 * T_ref = 296 K (cm/molecule) and lower-state energy E_low (cm^-1; 0 for bands from the ground
 * state, the vibrational level for hot bands). S(T) = S₀ exp(−c2 E_low (1/T − 1/T_ref)).
 * Centre `null`: the pure-rotation band, centred where the rotational envelope peaks (opacity.ts).
 */
export interface Band {
  molecule: Molecule;
  centre: number | null;
  strength: number;
  lowerEnergy: number;
  note: string;
}

export const BANDS: readonly Band[] = [
  { molecule: 'H2O', centre: null, strength: 5.0e-17, lowerEnergy: 0, note: 'pure rotation' },
  { molecule: 'H2O', centre: 1594.7, strength: 1.05e-17, lowerEnergy: 0, note: 'ν2 (6.3 µm)' },
  { molecule: 'H2O', centre: 1556.9, strength: 1.0e-20, lowerEnergy: 1594.7, note: '2ν2−ν2 hot band' },
  { molecule: 'H2O', centre: 3151.6, strength: 7.5e-20, lowerEnergy: 0, note: '2ν2 (3.2 µm)' },
  { molecule: 'H2O', centre: 3700, strength: 7.5e-18, lowerEnergy: 0, note: 'ν1, ν3 (2.7 µm)' },
  { molecule: 'H2O', centre: 3640, strength: 8.0e-21, lowerEnergy: 1594.7, note: 'ν2+ν3−ν2 hot band' },
  { molecule: 'H2O', centre: 5331.3, strength: 8.5e-19, lowerEnergy: 0, note: 'ν2+ν3 (1.9 µm)' },
  { molecule: 'H2O', centre: 7249.8, strength: 7.0e-19, lowerEnergy: 0, note: 'ν1+ν3 (1.4 µm)' },
  { molecule: 'CO2', centre: 667.4, strength: 8.0e-18, lowerEnergy: 0, note: 'ν2 (15 µm)' },
  { molecule: 'CO2', centre: 961.0, strength: 1.5e-22, lowerEnergy: 1388.2, note: '10.4 µm laser band (hot)' },
  { molecule: 'CO2', centre: 1063.7, strength: 1.0e-22, lowerEnergy: 1285.4, note: '9.4 µm laser band (hot)' },
  { molecule: 'CO2', centre: 2349.1, strength: 9.5e-17, lowerEnergy: 0, note: 'ν3 (4.3 µm)' },
  { molecule: 'CO2', centre: 3660, strength: 1.5e-18, lowerEnergy: 0, note: 'ν1+ν3, 2ν2+ν3 (2.7 µm)' },
  { molecule: 'CO2', centre: 5000, strength: 1.2e-19, lowerEnergy: 0, note: '2ν1+ν3 group (2.0 µm)' },
  { molecule: 'CO2', centre: 6300, strength: 2.0e-21, lowerEnergy: 0, note: '3ν1+ν3 group (1.6 µm)' },
  { molecule: 'CO', centre: 2143.3, strength: 9.8e-18, lowerEnergy: 0, note: 'fundamental (4.7 µm)' },
  { molecule: 'CO', centre: 2116.6, strength: 6.0e-22, lowerEnergy: 2143.3, note: '2−1 hot band' },
  { molecule: 'CO', centre: 4260.1, strength: 7.3e-20, lowerEnergy: 0, note: 'first overtone (2.3 µm)' },
  { molecule: 'CO', centre: 6350.4, strength: 6.5e-22, lowerEnergy: 0, note: 'second overtone (1.6 µm)' },
  { molecule: 'CH4', centre: 1306.0, strength: 5.7e-18, lowerEnergy: 0, note: 'ν4 (7.7 µm)' },
  { molecule: 'CH4', centre: 3019.5, strength: 1.1e-17, lowerEnergy: 0, note: 'ν3 (3.3 µm)' },
  { molecule: 'CH4', centre: 4216.0, strength: 4.0e-19, lowerEnergy: 0, note: 'ν3+ν4 (2.4 µm)' },
  { molecule: 'CH4', centre: 4546.0, strength: 1.0e-19, lowerEnergy: 0, note: 'ν2+ν3 (2.2 µm)' },
  { molecule: 'CH4', centre: 6005.0, strength: 1.2e-19, lowerEnergy: 0, note: '2ν3 (1.7 µm)' },
];

export const BAND_REFERENCE_TEMPERATURE = 296; // K, HITRAN's reference

/**
 * Band envelope: a Gaussian of 1/e half-width w(T) = √(8 B kT/hc) (the P–R branch-maximum
 * separation of a rigid rotor) plus this fraction of the strength in a Lorentzian of the same
 * half-width, standing in for the unresolved far line wings (model choice).
 */
export const LORENTZ_WING_FRACTION = 0.02;

/**
 * Collision-induced absorption, smooth Gaussian components k(ν, T) = k₀ exp(−((ν − ν₀)/w(T))²)
 * with w(T) = w₀ √(T/300 K), in cm^5 molecule^-2 (1 cm^-1 amagat^-2 = 1.385e-39 cm^5). Peak values
 * are of the order of the HITRAN CIA tables (Richard et al. 2012; Abel et al. 2011, 2012;
 * Borysow 2002): MODEL CHOICE, a continuum, not a fit to those tables.
 */
export const CIA = {
  'H2-H2': [
    { centre: 450, width: 250, peak: 3e-45, note: 'roto-translational S(0), S(1)' },
    { centre: 4160, width: 300, peak: 1.4e-45, note: 'fundamental (2.4 µm)' },
    { centre: 8100, width: 450, peak: 2e-47, note: 'first overtone (1.2 µm)' },
  ],
  'H2-He': [
    { centre: 300, width: 400, peak: 1.5e-45, note: 'translational' },
    { centre: 4160, width: 350, peak: 4e-46, note: 'fundamental (2.4 µm)' },
  ],
} as const;

/** Temperature grid of the precomputed opacity tables (K); outside it the end values hold. */
export const OPACITY_TEMPERATURES = { min: 100, max: 4000, step: 50 } as const;

/** Default resolution: layers, angles, wavenumber nodes per band. */
export const DEFAULT_RESOLUTION = {
  layers: 50,
  topPressureBar: 1e-6,
  bottomPressureBar: 100,
  /** Gauss–Legendre nodes in μ = cos θ on [0, 1]. */
  angles: 2,
  /** Wavenumber nodes across a top-hat spectral bin (NICMOS, IRS) and a broad filter (IRAC, MIPS). */
  topHatNodes: 3,
  broadNodes: 16,
} as const;

/**
 * A coarse radiative-transfer grid for the guided retrieval's far field (retrieval.ts: guideLikelihood),
 * ≈ 15× cheaper than DEFAULT_RESOLUTION. Measured on a full-model run's points on the real data: it
 * underestimates ln L by at most 0.8 / 1.8 / 2.9 nats within 5 / 20 / 100 nats of the peak (and
 * overestimates by ~4–7), where a posterior-trained network underestimates by tens to thousands.
 */
export const GUIDE_RESOLUTION = { ...DEFAULT_RESOLUTION, layers: 20, angles: 2, topHatNodes: 1, broadNodes: 6 } as const;
