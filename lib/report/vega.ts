/**
 * Server-side rendering of vega-lite specs to standalone SVG strings: compile to vega, run a
 * headless View (renderer 'none' — no canvas, no DOM), serialise with toSVG().
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export const FONT = 'Helvetica, Arial, "Liberation Sans", "DejaVu Sans", sans-serif';

/** One look for every figure: the report's font, quiet axes, white background. */
const CONFIG = {
  font: FONT,
  // The reports are static pictures; per-mark ARIA labels would triple the size of scatter plots.
  aria: false,
  background: 'white',
  padding: 8,
  view: { stroke: '#d0d4da' },
  axis: { labelLimit: 320, labelFontSize: 10, titleFontSize: 11, titleFontWeight: 'normal' as const, gridColor: '#eceef1', domainColor: '#8a9099', tickColor: '#8a9099' },
  legend: { labelLimit: 420, labelFontSize: 11, titleFontSize: 11, orient: 'top' as const, symbolStrokeWidth: 2 },
  title: { fontSize: 12, fontWeight: 'normal' as const, anchor: 'start' as const },
  header: { labelFontSize: 11 },
};

/**
 * Renders a vega-lite spec to SVG. Element ids (clip paths, gradients) get the figure name as a
 * prefix: vega numbers them from a process-wide counter that restarts, and several SVGs inlined in
 * one page must not share an id.
 */
export async function renderVegaLite(spec: TopLevelSpec, name: string): Promise<string> {
  const withConfig = { ...spec, config: { ...CONFIG, ...(spec.config ?? {}) } } as TopLevelSpec;
  const view = new vega.View(vega.parse(compile(withConfig).spec), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    return roundTranslations(prefixIds(svg, name));
  } finally {
    view.finalize();
  }
}

function prefixIds(svg: string, prefix: string): string {
  const safe = prefix.replace(/[^A-Za-z0-9_-]/g, '_');
  return svg
    .replace(/\bid="([^"]+)"/g, (_, id: string) => `id="${safe}-${id}"`)
    .replace(/url\(#([^)]+)\)/g, (_, id: string) => `url(#${safe}-${id})`);
}

/** vega writes symbol positions with full double precision; 1/100 px is plenty. */
function roundTranslations(svg: string): string {
  const round = (v: string) => String(Math.round(Number(v) * 100) / 100);
  return svg.replace(/translate\((-?[\d.]+(?:e-?\d+)?),(-?[\d.]+(?:e-?\d+)?)\)/g, (_, x: string, y: string) => `translate(${round(x)},${round(y)})`);
}
