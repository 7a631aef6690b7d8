/** What the corner and marginal plots share: parameter order, plot ranges, colours and true values. */
import type { WeightedSample } from '../../stats/index.ts';
import { plotDomain, type Domain } from '../density.ts';
import { seriesColour } from '../palette.ts';
import type { ReportPosterior } from '../types.ts';

export interface PosteriorPlotContext {
  posteriors: ReportPosterior[];
  /** Union of the posteriors' parameters in order of first appearance. */
  params: string[];
  domains: Map<string, Domain>;
  /** The first true value given for each parameter. */
  truths: Map<string, number>;
  colour: { domain: string[]; range: string[] };
}

export function posteriorPlotContext(posteriors: readonly ReportPosterior[]): PosteriorPlotContext {
  const labels = posteriors.map((p) => p.label);
  if (new Set(labels).size !== labels.length) throw new Error(`posterior labels must be unique: ${labels.join(', ')}`);
  const params = [...new Set(posteriors.flatMap((p) => p.paramNames))];
  const truths = new Map<string, number>();
  for (const p of posteriors) for (const [name, value] of Object.entries(p.truths ?? {})) if (!truths.has(name)) truths.set(name, value);
  const domains = new Map(
    params.map((name) => {
      const samples = posteriors.filter((p) => p.paramNames.includes(name)).map((p) => column(p, name));
      const truth = truths.get(name);
      return [name, plotDomain(samples, truth === undefined ? [] : [truth])];
    }),
  );
  return { posteriors: [...posteriors], params, domains, truths, colour: { domain: labels, range: labels.map((_, i) => seriesColour(i)) } };
}

export function column(posterior: ReportPosterior, name: string): WeightedSample {
  const values = posterior.samples[name];
  if (!values) throw new Error(`posterior '${posterior.label}' lists parameter '${name}' but has no samples column for it`);
  return { values, weights: posterior.weights };
}

/** The colour channel: one legend entry per posterior, or none when there is only one. */
export function colourEncoding(ctx: PosteriorPlotContext) {
  return {
    field: 'posterior',
    type: 'nominal' as const,
    scale: ctx.colour,
    legend: ctx.posteriors.length > 1 ? { title: null, orient: 'top' as const, symbolType: 'stroke', symbolStrokeWidth: 3, symbolOpacity: 1 } : null,
  };
}
