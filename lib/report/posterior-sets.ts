/**
 * Which posterior sets the report draws, and where: the headline pair leads (the pipeline's
 * headline stages and the references they are compared with; else the first comparison's two
 * sides; else every set), the other sets are drawn on request, and a set with too few effective
 * draws is never drawn as a density.
 */
import { kishEss } from '../stats/weighted.ts';
import type { ReportInput, ReportPosterior } from './types.ts';

/**
 * Below this Kish effective sample size a weighted set is listed, not drawn: a density from a few
 * dozen effective draws is a few spikes (ESS 1.7 is one point), and the domain it stretches
 * flattens every set drawn beside it.
 */
export const MIN_DRAWN_ESS = 50;

export interface PosteriorSets {
  /** Drawn first. */
  lead: ReportPosterior[];
  /** Drawn, with the lead, in a figure the reader opens. */
  others: ReportPosterior[];
  /** Listed with their Kish ESS instead of drawn. */
  undrawn: { posterior: ReportPosterior; ess: number }[];
}

export function posteriorSets({ posteriors = [], headline = [], comparisons = [] }: Pick<ReportInput, 'posteriors' | 'headline' | 'comparisons'>): PosteriorSets {
  const ess = (p: ReportPosterior) => kishEss(p.weights, p.samples[p.paramNames[0]!]?.length ?? 0);
  const drawn = posteriors.filter((p) => ess(p) >= MIN_DRAWN_ESS);
  const undrawn = posteriors.filter((p) => !drawn.includes(p)).map((posterior) => ({ posterior, ess: ess(posterior) }));
  const leading = headline.length
    ? [...headline, ...comparisons.filter((c) => headline.includes(c.other)).map((c) => c.reference)]
    : comparisons.slice(0, 1).flatMap((c) => [c.reference, c.other]);
  // A stage's label is its name, or name[branch] for a fan-out: the first branch stands for it.
  const isLeading = (p: ReportPosterior) => !leading.length || leading.some((name) => p.label === name || p.label === `${name}[0]`);
  const lead = drawn.filter(isLeading);
  // With no drawable lead, what can be drawn leads.
  return lead.length ? { lead, others: drawn.filter((p) => !lead.includes(p)), undrawn } : { lead: drawn, others: [], undrawn };
}
