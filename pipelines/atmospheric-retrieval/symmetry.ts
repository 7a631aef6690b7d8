/**
 * The exact mirror symmetry of the Line et al. 2013 profile and its canonical fold.
 *
 * T⁴ holds (1 − α) ξ(γ₁, τ) + α ξ(γ₂, τ): swapping the two visible channels, (γ₁, γ₂, α) →
 * (γ₂, γ₁, 1 − α), leaves the profile — and so the spectrum and the likelihood — unchanged. With
 * uniform priors (BART's) the mirror also has the same prior density whenever it lies inside the
 * prior box; α's range [0.001, 0.999] is symmetric about ½ and log γ₂'s range lies inside log γ₁'s,
 * so the mirror is inside exactly when |log γ₁| fits log γ₂'s narrower range.
 *
 * Canonical copy: the one with α ≥ ½, i.e. the minor channel (weight 1 − α ≤ ½) in γ₁, the slot
 * with the wider prior. The minor channel's γ is the poorly constrained one, so in this copy the
 * posterior keeps its whole extent, while its mirror is cut at log γ₂'s bounds; folding the other
 * way would tear the posterior into two disconnected pieces at |log γ₁| = 1.29 (README).
 *
 * `fold` maps the whole prior onto the canonical domain D = {α ≥ ½ or mirror outside the prior};
 * the posterior pushed through it does not depend on which copy a sampler found, and
 * `foldedPriorTransform` samples D directly with the pushed-forward prior (every retrieval uses
 * it: a sampler sees one copy, never two).
 */
import { PARAMETERS } from './constants.ts';

const GAMMA1 = PARAMETERS.findIndex((p) => p.name === 'log_gamma1');
const GAMMA2 = PARAMETERS.findIndex((p) => p.name === 'log_gamma2');
const ALPHA = PARAMETERS.findIndex((p) => p.name === 'alpha');

/** (γ₁, γ₂, α) → (γ₂, γ₁, 1 − α); every other parameter unchanged. */
export function mirror(theta: readonly number[]): number[] {
  const out = [...theta];
  out[GAMMA1] = theta[GAMMA2]!;
  out[GAMMA2] = theta[GAMMA1]!;
  out[ALPHA] = 1 - theta[ALPHA]!;
  return out;
}

export function insidePrior(theta: readonly number[]): boolean {
  return PARAMETERS.every((p, i) => theta[i]! >= p.low && theta[i]! <= p.high);
}

/** Whether θ's mirror lies inside the prior box (θ itself assumed inside). */
export function hasMirror(theta: readonly number[]): boolean {
  const g2 = PARAMETERS[GAMMA2]!;
  return theta[GAMMA1]! >= g2.low && theta[GAMMA1]! <= g2.high;
}

/** The canonical copy of θ: its mirror when α < ½ and the mirror is inside the prior, else θ. */
export function fold(theta: readonly number[]): number[] {
  return theta[ALPHA]! < 0.5 && hasMirror(theta) ? mirror(theta) : [...theta];
}

/**
 * Unit cube → the folded prior on D: uniform box for every parameter, except that where the mirror
 * exists both copies land on α ≥ ½, so α is uniform on [½, α_max] there with twice the density.
 * Pushes the uniform measure forward exactly as `fold` pushes the box prior (same evidence).
 */
export function foldedPriorTransform(u: readonly number[]): number[] {
  const theta = PARAMETERS.map((p, i) => p.low + (p.high - p.low) * u[i]!);
  if (hasMirror(theta)) theta[ALPHA] = 0.5 + (PARAMETERS[ALPHA]!.high - 0.5) * u[ALPHA]!;
  return theta;
}

const LOG_BOX_DENSITY = -PARAMETERS.reduce((s, p) => s + Math.log(p.high - p.low), 0);

/**
 * ln of the folded prior's density at θ (what foldedPriorTransform samples): the box's uniform
 * density, twice it where the mirror exists (both copies land on α ≥ ½), 0 (−∞) outside D.
 */
export function foldedLogPrior(theta: readonly number[]): number {
  if (!insidePrior(theta)) return -Infinity;
  if (!hasMirror(theta)) return LOG_BOX_DENSITY;
  return theta[ALPHA]! >= 0.5 ? LOG_BOX_DENSITY + Math.LN2 : -Infinity;
}

/** Prior fraction whose mirror is inside the prior (log γ₂'s range over log γ₁'s). */
export const MIRRORED_PRIOR_FRACTION = (PARAMETERS[GAMMA2]!.high - PARAMETERS[GAMMA2]!.low) / (PARAMETERS[GAMMA1]!.high - PARAMETERS[GAMMA1]!.low);
