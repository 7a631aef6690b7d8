/**
 * 1-D marginal posteriors, one panel per parameter: the density of each posterior and, below the
 * axis baseline, its central credible intervals as whiskers (68 % thick, 95 % thin, median dot),
 * which stay readable when several posteriors overlap; the true value as a black rule.
 */
import type { TopLevelSpec } from 'vega-lite';
import { summarize } from '../../stats/index.ts';
import { density1d } from '../density.ts';
import { TRUTH_COLOUR } from '../palette.ts';
import { colourEncoding, column, type PosteriorPlotContext } from './posterior-data.ts';

export function marginalsSpec(ctx: PosteriorPlotContext): TopLevelSpec {
  const colour = colourEncoding(ctx);
  const panels = ctx.params.map((name) => {
    const holders = ctx.posteriors.filter((p) => p.paramNames.includes(name));
    const domain = ctx.domains.get(name)!;
    const curves = holders.flatMap((p) => {
      const { x, y } = density1d(column(p, name), domain);
      return x.map((xi, i) => ({ posterior: p.label, x: xi, density: y[i] }));
    });
    // Whisker rows sit below zero density, one row per posterior.
    const peak = Math.max(...curves.map((c) => c.density));
    const rowHeight = 0.1 * peak;
    const intervals = holders.map((p, k) => {
      const s = summarize(column(p, name));
      return { posterior: p.label, lo68: s.ci68[0], hi68: s.ci68[1], lo95: s.ci95[0], hi95: s.ci95[1], median: s.median, row: -(k + 0.7) * rowHeight };
    });
    const x = { type: 'quantitative', scale: { domain, nice: false, zero: false }, title: name, axis: { tickCount: 5 } };
    const y = { type: 'quantitative', scale: { domain: [-(holders.length + 0.3) * rowHeight, 1.05 * peak], nice: false }, axis: null };
    const truth = ctx.truths.get(name);
    return {
      width: 230,
      height: 110 + 10 * holders.length,
      layer: [
        {
          data: { values: curves },
          mark: { type: 'line', strokeWidth: 1.8 },
          encoding: { x: { ...x, field: 'x' }, y: { ...y, field: 'density' }, color: colour },
        },
        {
          data: { values: [{ zero: 0 }] },
          mark: { type: 'rule', color: '#b8bec6' },
          encoding: { y: { field: 'zero', type: 'quantitative' } },
        },
        whisker(intervals, 'lo95', 'hi95', 1.4, colour),
        whisker(intervals, 'lo68', 'hi68', 4, colour),
        {
          data: { values: intervals },
          mark: { type: 'point', filled: true, size: 36, stroke: 'white', strokeWidth: 1, opacity: 1 },
          encoding: { x: { field: 'median', type: 'quantitative' }, y: { field: 'row', type: 'quantitative' }, color: colour },
        },
        ...(truth === undefined
          ? []
          : [{ data: { values: [{ truth }] }, mark: { type: 'rule', color: TRUTH_COLOUR, strokeWidth: 1.4, strokeDash: [4, 3] }, encoding: { x: { field: 'truth', type: 'quantitative' } } }]),
      ],
    };
  });
  return {
    concat: panels,
    columns: Math.min(3, panels.length),
    spacing: { row: 14, column: 18 },
    resolve: { scale: { x: 'independent', y: 'independent' } },
  } as unknown as TopLevelSpec;
}

function whisker(rows: Record<string, unknown>[], lo: string, hi: string, strokeWidth: number, colour: Record<string, unknown>) {
  return {
    data: { values: rows },
    mark: { type: 'rule', strokeWidth, strokeCap: 'butt' },
    encoding: { x: { field: lo, type: 'quantitative' }, x2: { field: hi }, y: { field: 'row', type: 'quantitative' }, color: colour },
  };
}
