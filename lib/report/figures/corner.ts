/**
 * Corner plot: 2-D credible contours (68 %, 95 %) over a faint scatter below the diagonal, 1-D
 * marginal densities on it, true values as cross-hairs; several posteriors overlaid by colour.
 */
import type { TopLevelSpec } from 'vega-lite';
import { credibleContours, density1d, scatterIndices } from '../density.ts';
import { TRUTH_COLOUR } from '../palette.ts';
import { colourEncoding, column, type PosteriorPlotContext } from './posterior-data.ts';

/** Width the panels of a many-parameter corner plot share: with axes it fits the report's column on a 1280 px screen (≈ 1200 px). */
const CORNER_WIDTH = 1100;
/** Scatter points across the whole corner plot, shared out between panels and posteriors. */
const SCATTER_BUDGET = 3000;

export function cornerSpec(ctx: PosteriorPlotContext, maxParams = 10): TopLevelSpec {
  const params = ctx.params.slice(0, maxParams);
  const d = params.length;
  // Panels of 175 px up to six parameters, then as many as fit (122 px at nine, 110 at ten).
  const cell = Math.min(d <= 2 ? 220 : 175, Math.floor(CORNER_WIDTH / d));
  const panels = (d * (d - 1)) / 2;
  const perPosterior = Math.max(60, Math.min(500, Math.floor(SCATTER_BUDGET / Math.max(1, panels) / ctx.posteriors.length)));
  // One subsample per posterior (same rows in every panel, so panels show the same draws).
  const subsamples = ctx.posteriors.map((p, k) => scatterIndices(p.samples[p.paramNames[0]].length, p.weights, perPosterior, 1000 + k));
  const colour = colourEncoding(ctx);
  const scale = (name: string) => ({ domain: ctx.domains.get(name)!, nice: false, zero: false });
  const xAxis = (row: number, name: string) =>
    row === d - 1 ? { title: name, labelFlush: true, tickCount: 4 } : { title: null, labels: false, tickCount: 4 };
  const yAxis = (col: number, name: string) => (col === 0 ? { title: name, labelFlush: true, tickCount: 4 } : { title: null, labels: false, tickCount: 4 });

  const panel = (row: number, col: number): Record<string, unknown> => {
    const base = { width: cell, height: cell };
    if (col > row) return { ...base, data: { values: [] }, mark: 'point', view: { stroke: null } };
    const xName = params[col];
    const yName = params[row];
    const truthX = ctx.truths.get(xName);
    const truthY = ctx.truths.get(yName);
    const holders = ctx.posteriors.filter((p) => p.paramNames.includes(xName) && p.paramNames.includes(yName));
    if (row === col) {
      const curves = holders.flatMap((p) => {
        const { x, y } = density1d(column(p, xName), ctx.domains.get(xName)!, 121);
        return x.map((xi, i) => ({ posterior: p.label, x: xi, density: y[i] }));
      });
      return {
        ...base,
        layer: [
          {
            data: { values: curves },
            mark: { type: 'line', strokeWidth: 1.8 },
            encoding: {
              x: { field: 'x', type: 'quantitative', scale: scale(xName), axis: xAxis(row, xName) },
              y: { field: 'density', type: 'quantitative', axis: null, scale: { zero: true } },
              color: colour,
            },
          },
          ...truthRules(truthX, undefined),
        ],
      };
    }
    const points = holders.flatMap((p) => {
      const k = ctx.posteriors.indexOf(p);
      const xs = p.samples[xName];
      const ys = p.samples[yName];
      return Array.from(subsamples[k], (i) => ({ posterior: p.label, x: xs[i], y: ys[i] }));
    });
    const lines = holders.flatMap((p) =>
      credibleContours(p.samples[xName], p.samples[yName], p.weights, ctx.domains.get(xName)!, ctx.domains.get(yName)!).flatMap((line, l) =>
        line.x.map((x, i) => ({ posterior: p.label, line: `${p.label}#${l}`, mass: `${Math.round(line.mass * 100)}%`, i, x, y: line.y[i] })),
      ),
    );
    const x = { field: 'x', type: 'quantitative', scale: scale(xName), axis: xAxis(row, xName) };
    const y = { field: 'y', type: 'quantitative', scale: scale(yName), axis: yAxis(col, yName) };
    return {
      ...base,
      layer: [
        { data: { values: points }, mark: { type: 'circle', size: 5, opacity: 0.16 }, encoding: { x, y, color: colour } },
        {
          data: { values: lines },
          mark: { type: 'line' },
          encoding: {
            x,
            y,
            color: colour,
            detail: { field: 'line' },
            order: { field: 'i' },
            strokeWidth: { field: 'mass', type: 'ordinal', scale: { domain: ['68%', '95%'], range: [2, 1.1] }, legend: null },
          },
        },
        ...truthRules(truthX, truthY),
      ],
    };
  };

  return {
    concat: params.flatMap((_, row) => params.map((__, col) => panel(row, col))),
    columns: d,
    spacing: 6,
    resolve: { scale: { x: 'independent', y: 'independent' } },
  } as unknown as TopLevelSpec;
}

/** Dashed cross-hair rules at the true values. */
function truthRules(x: number | undefined, y: number | undefined): Record<string, unknown>[] {
  const rules: Record<string, unknown>[] = [];
  const mark = { type: 'rule', color: TRUTH_COLOUR, strokeDash: [4, 3], strokeWidth: 1.2 };
  if (x !== undefined) rules.push({ data: { values: [{ truth: x }] }, mark, encoding: { x: { field: 'truth', type: 'quantitative' } } });
  if (y !== undefined) rules.push({ data: { values: [{ truth: y }] }, mark, encoding: { y: { field: 'truth', type: 'quantitative' } } });
  return rules;
}
