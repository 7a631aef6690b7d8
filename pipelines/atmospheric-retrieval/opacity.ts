/**
 * Band-model opacity (constants.ts has the table and its status as a model choice): molecular
 * cross-sections σ_m(ν, T) in cm² per molecule and collision-induced coefficients k(ν, T) in
 * cm^5 per molecule pair, tabulated once on the model's wavenumber nodes and a temperature grid,
 * then interpolated linearly in T per layer at run time (how line-by-line codes use opacity grids).
 */
import { BAND_REFERENCE_TEMPERATURE, BANDS, CIA, LORENTZ_WING_FRACTION, MOLECULES, MOLECULE_DATA, OPACITY_TEMPERATURES, PHYS, type Band } from './constants.ts';

/** 1/e half-width (cm^-1) of a band's rotational envelope: √(8 B kT/hc). */
export function bandWidth(rotB: number, temperature: number): number {
  return Math.sqrt((8 * rotB * temperature) / PHYS.c2);
}

/** Band-integrated strength (cm/molecule) at T: Boltzmann factor of the lower state relative to T_ref. */
export function bandStrength(band: Band, temperature: number): number {
  return band.strength * Math.exp(-PHYS.c2 * band.lowerEnergy * (1 / temperature - 1 / BAND_REFERENCE_TEMPERATURE));
}

/** Where the pure-rotation envelope peaks: 2√(B kT/hc), the transition from the most populated J. */
export function rotationBandCentre(rotB: number, temperature: number): number {
  return 2 * Math.sqrt((rotB * temperature) / PHYS.c2);
}

/**
 * σ(ν, T) of one molecule: Σ over its bands of S(T) φ(ν − ν₀) with φ a unit-area mixture of a
 * Gaussian and (a small fraction of) a Lorentzian of half-width w(T). Both integrate to one over ν.
 */
export function crossSection(molecule: (typeof MOLECULES)[number], nu: number, temperature: number): number {
  const { rotB } = MOLECULE_DATA[molecule];
  const w = bandWidth(rotB, temperature);
  let sigma = 0;
  for (const band of BANDS) {
    if (band.molecule !== molecule) continue;
    const centre = band.centre ?? rotationBandCentre(rotB, temperature);
    const x = (nu - centre) / w;
    const gauss = Math.exp(-x * x) / (w * Math.sqrt(Math.PI));
    const lorentz = 1 / (Math.PI * w * (1 + x * x));
    sigma += bandStrength(band, temperature) * ((1 - LORENTZ_WING_FRACTION) * gauss + LORENTZ_WING_FRACTION * lorentz);
  }
  return sigma;
}

/** Collision-induced absorption coefficient (cm^5) of a pair at (ν, T). */
export function ciaCoefficient(pair: keyof typeof CIA, nu: number, temperature: number): number {
  let k = 0;
  for (const c of CIA[pair]) {
    const x = (nu - c.centre) / (c.width * Math.sqrt(temperature / 300));
    k += c.peak * Math.exp(-x * x);
  }
  return k;
}

/** Precomputed σ and k on the wavenumber nodes × temperature grid, laid out [T][ν][species]. */
export interface OpacityTables {
  temperatures: Float64Array;
  nWavenumbers: number;
  /** Per (T, ν): σ of H2O, CO2, CO, CH4 (in MOLECULES order), then k(H2–H2), k(H2–He). */
  values: Float64Array;
}

export const SPECIES_PER_NODE = MOLECULES.length + 2;

export function buildOpacityTables(wavenumbers: Float64Array): OpacityTables {
  const { min, max, step } = OPACITY_TEMPERATURES;
  const nT = Math.round((max - min) / step) + 1;
  const temperatures = Float64Array.from({ length: nT }, (_, i) => min + i * step);
  const nNu = wavenumbers.length;
  const values = new Float64Array(nT * nNu * SPECIES_PER_NODE);
  for (let t = 0; t < nT; t++) {
    for (let j = 0; j < nNu; j++) {
      const base = (t * nNu + j) * SPECIES_PER_NODE;
      MOLECULES.forEach((m, i) => (values[base + i] = crossSection(m, wavenumbers[j]!, temperatures[t]!)));
      values[base + MOLECULES.length] = ciaCoefficient('H2-H2', wavenumbers[j]!, temperatures[t]!);
      values[base + MOLECULES.length + 1] = ciaCoefficient('H2-He', wavenumbers[j]!, temperatures[t]!);
    }
  }
  return { temperatures, nWavenumbers: nNu, values };
}
