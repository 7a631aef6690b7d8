import type { Cosmology } from '../../lib/cosmology/distances.ts';

/**
 * The dark-energy models this pipeline compares. Every parameter has a uniform prior on the box
 * below (h = H0 / 100 km/s/Mpc); the boxes are wide compared with these data's constraints, as in
 * SimpleMC's defaults, so the Bayes factors mostly reflect the extra parameters' prior volume.
 *  - Ωm ∈ [0.05, 0.5], h ∈ [0.4, 1.0]
 *  - wCDM: w ∈ [−2, 0]
 *  - CPL w0waCDM: w0 ∈ [−2, 0], wa ∈ [−2, 2]
 *  - non-flat ΛCDM: Ωk ∈ [−0.3, 0.3]
 */
export interface CosmologyModel {
  name: string;
  label: string;
  paramNames: string[];
  prior: [number, number][];
  /** The parameter vector as h and a cosmology. */
  cosmology(theta: ArrayLike<number>): { h: number; cosmology: Cosmology };
}

const OMEGA_M: [number, number] = [0.05, 0.5];
const H: [number, number] = [0.4, 1.0];

export const MODELS = {
  lcdm: {
    name: 'lcdm',
    label: 'flat ΛCDM',
    paramNames: ['omega_m', 'h'],
    prior: [OMEGA_M, H],
    cosmology: (t) => ({ h: t[1]!, cosmology: { omegaM: t[0]! } }),
  },
  wcdm: {
    name: 'wcdm',
    label: 'flat wCDM',
    paramNames: ['omega_m', 'h', 'w'],
    prior: [OMEGA_M, H, [-2, 0]],
    cosmology: (t) => ({ h: t[1]!, cosmology: { omegaM: t[0]!, w0: t[2]! } }),
  },
  cpl: {
    name: 'cpl',
    label: 'flat w0waCDM (CPL)',
    paramNames: ['omega_m', 'h', 'w0', 'wa'],
    prior: [OMEGA_M, H, [-2, 0], [-2, 2]],
    cosmology: (t) => ({ h: t[1]!, cosmology: { omegaM: t[0]!, w0: t[2]!, wa: t[3]! } }),
  },
  oklcdm: {
    name: 'oklcdm',
    label: 'non-flat ΛCDM',
    paramNames: ['omega_m', 'h', 'omega_k'],
    prior: [OMEGA_M, H, [-0.3, 0.3]],
    cosmology: (t) => ({ h: t[1]!, cosmology: { omegaM: t[0]!, omegaK: t[2]! } }),
  },
} satisfies Record<string, CosmologyModel>;

export type ModelName = keyof typeof MODELS;
export const MODEL_NAMES = Object.keys(MODELS) as [ModelName, ...ModelName[]];

/** Unit cube → the model's uniform prior box. */
export function priorTransform(model: CosmologyModel, u: number[]): number[] {
  return u.map((x, d) => model.prior[d]![0] + x * (model.prior[d]![1] - model.prior[d]![0]));
}
