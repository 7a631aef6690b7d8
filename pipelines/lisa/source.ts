/**
 * The injected source, its frequency grid and the parameter vectors the samplers see.
 *
 * Sampled parameters (detector frame): chirp_mass (M_sun, redshifted), mass_ratio q = m2/m1 ≤ 1,
 * distance (D_L in Gpc), tc (s, relative to the injected coalescence epoch), phic (rad); the
 * gas-torque study adds torque_amplitude A and torque_slope n_r.
 */
import { z } from 'zod';
import { C_M_S, MISSION_YEARS, MPC_M, T_SUN_S, YEAR_S } from './constants.ts';
import { logFrequencyGrid, type FrequencyGrid } from './data-model.ts';
import { timeToCoalescence } from './gas-torque.ts';
import { detectorFrame, etaFromQ, iscoFrequency, luminosityDistanceSeconds, taylorF2, type Binary, type Signal } from './waveform.ts';

export const BINARY_PARAMS = ['chirp_mass', 'mass_ratio', 'distance', 'tc', 'phic'] as const;
export const TORQUE_PARAMS = ['torque_amplitude', 'torque_slope'] as const;

const GPC_S = (1e3 * MPC_M) / C_M_S;

export const sourceSchema = z
  .object({
    totalMass: z.number().positive().describe('Source-frame total mass, M_sun.'),
    massRatio: z.number().positive().max(1).describe('q = m2/m1 ∈ (0, 1].'),
    redshift: z.number().positive().describe('Cosmological redshift; D_L from flat ΛCDM (Planck 2018).'),
    phase: z.number().default(1).describe('Injected coalescence phase, rad (t_c is the reference epoch, 0).'),
    observationYears: z.number().positive().max(100).default(1).describe('Years of inspiral before coalescence in the data: sets the lowest frequency.'),
    frequencyBins: z.number().int().min(16).max(100_000).default(256).describe('Log-spaced frequency bins between that frequency and the ISCO.'),
    missionYears: z.enum(MISSION_YEARS).default('4').describe('Mission duration setting the galactic confusion noise (Robson et al. 2019, Table 1).'),
  })
  .strict();
export type SourceConfig = z.infer<typeof sourceSchema>;

/** The injected binary as the sampled parameter vector (chirp_mass, mass_ratio, distance, tc, phic). */
export function injectedBinary(source: SourceConfig): number[] {
  const { chirpMass } = detectorFrame(source.totalMass, source.massRatio, source.redshift);
  return [chirpMass / T_SUN_S, source.massRatio, luminosityDistanceSeconds(source.redshift) / GPC_S, 0, source.phase];
}

export function binaryFromParams(theta: readonly number[]): Binary {
  return { chirpMass: theta[0]! * T_SUN_S, eta: etaFromQ(theta[1]!), distance: theta[2]! * GPC_S, tc: theta[3]!, phic: theta[4]! };
}

/** From the frequency `observationYears` before coalescence up to the injection's ISCO. */
export function sourceGrid(source: SourceConfig): FrequencyGrid {
  const b = binaryFromParams(injectedBinary(source));
  const fIsco = iscoFrequency(b);
  // Invert the Newtonian τ(f) for the starting frequency.
  const fStart = fIsco * (timeToCoalescence(fIsco, b.chirpMass) / (source.observationYears * YEAR_S)) ** (3 / 8);
  return logFrequencyGrid(fStart, fIsco, source.frequencyBins, source.missionYears);
}

export function binarySignal(grid: FrequencyGrid, theta: readonly number[], dephasing?: ArrayLike<number>): Signal {
  return taylorF2(grid.f, binaryFromParams(theta), dephasing);
}
