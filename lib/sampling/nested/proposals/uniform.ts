/**
 * Uniform proposals: independent draws from the bound (the union of ellipsoids ∩ unit cube).
 * Exact as long as the bound contains the whole contour {L > L*}; the enlargement factor is the
 * margin for that. Efficient in low dimension, where the bound is tight.
 */
import type { Candidate } from '../candidates.ts';
import type { ProposalContext } from './context.ts';

/** Draws `count` points uniformly from the bound and evaluates them as one batch. */
export function proposeUniform(ctx: ProposalContext, count: number): Promise<Candidate[]> {
  const us: Float64Array[] = [];
  for (let i = 0; i < count; i++) us.push(ctx.bound.sampleInto(ctx.rng, new Float64Array(ctx.ndim)));
  return ctx.evaluate(us);
}
