/**
 * The posterior section's figures (posterior-sets.ts decides what goes where): a warning naming
 * each set too thin to draw, the corner plot and marginals of the leading sets, and the same two
 * figures for every drawable set inside a collapsed <details> (no scripts: the page is static).
 */
import { escapeHtml, formatNumber } from './format.ts';
import { cornerSpec } from './figures/corner.ts';
import { marginalsSpec } from './figures/marginals.ts';
import { posteriorPlotContext } from './figures/posterior-data.ts';
import { swatch } from './html.ts';
import { seriesColour } from './palette.ts';
import { MIN_DRAWN_ESS, type PosteriorSets } from './posterior-sets.ts';
import type { Plot } from './render.ts';
import type { ReportPosterior } from './types.ts';

/** Parameters beyond this many are left out of the corner plot (its panels grow as d²). */
const CORNER_MAX_PARAMS = 10;

export async function posteriorFigures(sets: PosteriorSets, plot: Plot): Promise<string[]> {
  const parts: string[] = [];
  if (sets.undrawn.length) {
    const named = sets.undrawn.map(({ posterior, ess }) => `<b>${escapeHtml(posterior.label)}</b> (Kish ESS ${formatNumber(ess, 2)})`).join(', ');
    parts.push(`<p class="warn" id="posterior-not-drawn">Not drawn: ${named} — fewer than ${MIN_DRAWN_ESS} effective draws give no density to draw; the table lists their summaries.</p>`);
  }
  if (sets.lead.length) parts.push(...(await figures(sets.lead, plot, '')));
  if (sets.others.length) {
    const all = [...sets.lead, ...sets.others];
    parts.push(`<details id="posterior-all"><summary>All ${all.length} drawable posterior sets overlaid (${sets.others.map((p) => escapeHtml(p.label)).join(', ')} added)</summary>`);
    parts.push(...(await figures(all, plot, '-all')), '</details>');
  }
  return parts;
}

async function figures(posteriors: ReportPosterior[], plot: Plot, suffix: string): Promise<string[]> {
  const ctx = posteriorPlotContext(posteriors);
  const legend = ctx.posteriors.map((p, k) => `${swatch(seriesColour(k))}${escapeHtml(p.label)}`).join('&emsp;');
  const parts = [`<p class="note">${ctx.posteriors.length > 1 ? 'Overlaid' : 'Posterior'}: ${legend}. Dashed black lines mark true parameter values where known.</p>`];
  if (ctx.params.length >= 2) {
    const shown = Math.min(ctx.params.length, CORNER_MAX_PARAMS);
    const omitted = ctx.params.length > shown ? ` Only the first ${shown} of ${ctx.params.length} parameters are shown.` : '';
    parts.push(
      await plot(`corner${suffix}`, 'Corner plot', cornerSpec(ctx, CORNER_MAX_PARAMS),
        `Corner plot: 1-D marginal densities on the diagonal; below it, 2-D contours enclosing 68 % (thick) and 95 % (thin) of the posterior over a subsample of draws.${omitted}`),
    );
  }
  parts.push(
    await plot(`marginals${suffix}`, 'Marginal posteriors', marginalsSpec(ctx),
      'Marginal posteriors with central credible intervals below each curve: 68 % (thick bar), 95 % (thin bar) and the median (dot).'),
  );
  return parts;
}
