/** Run reports: one self-contained HTML page with server-rendered vega-lite SVG plots, PNG export. */
export { renderReport, type RenderedReport } from './render.ts';
export { writePngs } from './png.ts';
export { renderVegaLite } from './vega.ts';
export type * from './types.ts';
