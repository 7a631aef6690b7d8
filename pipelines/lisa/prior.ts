import type { Prior } from '../../lib/nn/posterior-sampler.ts';
import type { Rng } from '../../lib/random.ts';

/** Independent uniform priors on [lower_k, upper_k]: the unit-cube transform is affine. */
export function boxPrior(lower: readonly number[], upper: readonly number[]): Prior & { fromUnitCube(u: readonly number[]): number[] } {
  const width = upper.map((u, k) => u - lower[k]!);
  if (width.some((w) => !(w > 0))) throw new Error('box prior needs lower < upper in every dimension');
  const logVolume = width.reduce((s, w) => s + Math.log(w), 0);
  return {
    dim: lower.length,
    fromUnitCube: (u) => u.map((v, k) => lower[k]! + v * width[k]!),
    sample: (rng: Rng) => width.map((w, k) => lower[k]! + w * rng.uniform()),
    logDensity: (theta) => (theta.every((t, k) => t >= lower[k]! && t <= upper[k]!) ? -logVolume : -Infinity),
  };
}
