import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderReport, writePngs, type RenderedReport } from '../../../lib/report/index.ts';
import { comparisonReportInput, demoReportInput } from './fixtures.ts';

let demo: RenderedReport;
let comparison: RenderedReport;

before(async () => {
  demo = await renderReport(demoReportInput());
  comparison = await renderReport(comparisonReportInput());
});

const sectionIds = (html: string) => [...html.matchAll(/<section id="([^"]+)">/g)].map((m) => m[1]);
const count = (text: string, pattern: RegExp) => (text.match(pattern) ?? []).length;

/** The SVG of figure `name` as inlined in the page. */
function inlinedSvg(html: string, name: string): string {
  const start = html.indexOf(`data-figure="${name}"`);
  assert.ok(start >= 0, `no [data-figure="${name}"]`);
  const open = html.indexOf('<svg', start);
  return html.slice(open, html.indexOf('</svg>', open) + 6);
}

test('demo report: sections for the data it has, figures with marks', () => {
  assert.deepEqual(sectionIds(demo.html), ['stages', 'posterior', 'tables', 'provenance']);
  assert.deepEqual(demo.figures.map((f) => f.name), ['stage-graph', 'stage-timeline', 'corner', 'marginals']);
  for (const f of demo.figures) assert.equal(inlinedSvg(demo.html, f.name), f.svg, `${f.name} is inlined verbatim`);

  const svg = Object.fromEntries(demo.figures.map((f) => [f.name, f.svg]));
  // Stage graph: 6 boxes, 4 + 4 edges, one text line set per box.
  assert.equal(count(svg['stage-graph'], /fill-opacity="0.14"/g), 6);
  assert.ok(svg['stage-graph'].includes('>chains[3]<') && svg['stage-graph'].includes('2 attempts'));
  // Corner plot of 3 parameters: 3 scatter panels of 500 draws, contours and 3 diagonal curves.
  assert.equal(count(svg.corner, /<path transform="translate\([^)]*\)" d="M[\d.]+,0A/g), 1500);
  assert.ok(count(svg.corner, /<g class="mark-line/g) >= 6);
  // Marginals: one curve per parameter, 68 % and 95 % whiskers, the truth rule.
  assert.ok(svg.marginals.includes('stroke="#1b1b1b"'));
  for (const name of ['omega', 'gamma', 'amplitude']) assert.ok(svg.marginals.includes(`>${name}<`), name);
  // Tables: the posterior summary and the extra table.
  assert.ok(demo.html.includes('<td>omega</td>') && demo.html.includes('Chain diagnostics'));
  assert.ok(demo.html.includes('R̂'));
});

test('comparison report: every section, flagged disagreement, evidence difference, escaped labels', () => {
  assert.deepEqual(sectionIds(comparison.html), ['stages', 'posterior', 'evidence', 'training', 'comparison', 'calibration', 'tables', 'provenance']);
  assert.deepEqual(comparison.figures.map((f) => f.name), [
    'stage-graph', 'stage-timeline', 'corner', 'marginals', 'evidence', 'training', 'comparison-1', 'calibration-1',
  ]);
  const { html } = comparison;
  // log_kappa_IR is shifted by 0.8σ: BC = exp(−0.64/8) = 0.923 < 0.95 is flagged in the table and the summary.
  const kappaRow = html.slice(html.lastIndexOf('<td>log_kappa_IR</td>'));
  assert.match(kappaRow.slice(0, 200), /<td class="num bad">0\.9[12]\d*<\/td>/);
  assert.match(html, /<div class="bad"><span>min BC \(log_kappa_IR\)<\/span>/);
  // Δ ln Z = −512.94 − (−512.31), error √(0.21² + 0.19²) = 0.2832.
  assert.ok(html.includes('<td class="num">−0.63</td>') && html.includes('<td class="num">0.2832</td>'));
  // Read on Trotta's scale, and in units of its error.
  assert.ok(html.includes('<td>inconclusive (2.2σ)</td>'));
  // The failed stage's message, the miscalibrated parameter's p-value and the best validation epoch.
  assert.ok(html.includes('<ul class="errors"><li><b>forecast</b> (3 attempts): NaN likelihood at the start'));
  assert.match(html, /<td>R_p<\/td><td class="num">400<\/td><td class="num">99<\/td><td class="num">[\d.]+<\/td><td class="num bad">/);
  // The label '<fast>' is text everywhere, never markup.
  assert.ok(!html.includes('<fast>'));
  assert.ok(html.includes('(surrogate) &lt;fast&gt;'));
});

test('reports are self-contained, valid enough to nest SVGs, and deterministic', async () => {
  for (const { html } of [demo, comparison]) {
    assert.ok(html.startsWith('<!doctype html>'));
    assert.ok(!/<script|<link|<img|<iframe|@import|url\(http/i.test(html), 'no scripts or external resources');
    // The only absolute URLs are the SVG and XLink namespace names.
    const urls = new Set(html.match(/https?:\/\/[^"'\s)]+/g));
    assert.deepEqual([...urls].sort(), ['http://www.w3.org/1999/xlink', 'http://www.w3.org/2000/svg']);
    // Element ids (clip paths) are unique across all inlined figures.
    const ids = [...html.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]);
    assert.equal(new Set(ids).size, ids.length, 'duplicate element ids');
    assert.equal(count(html, /<svg/g), count(html, /<\/svg>/g));
  }
  assert.equal((await renderReport(demoReportInput())).html, demo.html);
});

test('writePngs rasterises every figure at twice its size', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sciflow-png-'));
  try {
    const figures = demo.figures.filter((f) => f.name.startsWith('stage'));
    const paths = await writePngs(figures, dir);
    assert.deepEqual(paths, figures.map((f) => join(dir, `${f.name}.png`)));
    for (const [k, path] of paths.entries()) {
      const png = await readFile(path);
      assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      const svgWidth = Number(/<svg[^>]* width="(\d+(?:\.\d+)?)"/.exec(figures[k].svg)![1]);
      assert.ok(Math.abs(png.readUInt32BE(16) - 2 * svgWidth) <= 1, 'IHDR width');
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('minimal and edge-case inputs render: no stages, one parameter, no validation loss, negative losses', async () => {
  const { html, figures } = await renderReport({
    run: { runId: 'r1', pipeline: 'p', status: 'running', createdAt: '2025-01-01T00:00:00.000Z' },
    stages: [],
    provenance: { config: null, configHash: 'h', codeVersion: 'v', computeBackend: 'cpu', host: 'h', nodeVersion: 'v20' },
    // Enough draws to be drawn (posterior-sets.ts), one of them with zero weight.
    posteriors: [{ label: 'only', paramNames: ['x'], samples: { x: Array.from({ length: 60 }, (_, i) => 1 + (i % 9) / 4) }, weights: Array.from({ length: 60 }, (_, i) => (i === 1 ? 0 : 1)) }],
    evidences: [{ label: 'only', logZ: -3, logZerr: 0.1 }],
    trainingCurves: [{ label: 'nll', epoch: [1, 2, 3], loss: [-1, -2, -2.5] }],
  });
  assert.deepEqual(sectionIds(html), ['stages', 'posterior', 'evidence', 'training', 'provenance']);
  assert.ok(html.includes('This run has no stages recorded.'));
  // One parameter: marginals but no corner plot; no timeline or stage graph without stages.
  assert.deepEqual(figures.map((f) => f.name), ['marginals', 'evidence', 'training']);
  assert.ok(html.includes('<span>finished <b>–</b></span>'));
});

test("a pipeline's own figures get their section, captions and SVG marks", async () => {
  const { html, figures } = await renderReport({
    run: { runId: 'r2', pipeline: 'retrieval', status: 'completed', createdAt: '2025-01-01T00:00:00.000Z' },
    stages: [],
    provenance: { config: null, configHash: 'h', codeVersion: 'v', computeBackend: 'cpu', host: 'h', nodeVersion: 'v20' },
    pipelineFigures: [
      {
        name: 'spectrum',
        title: 'Best-fit spectrum',
        caption: 'Eclipse depth against wavelength.',
        spec: { data: { values: [{ x: 1, y: 2 }, { x: 2, y: 3 }] }, mark: 'line', encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } } },
      },
    ],
  });
  assert.deepEqual(sectionIds(html), ['stages', 'pipeline', 'provenance']);
  assert.deepEqual(figures.map((f) => f.name), ['pipeline-spectrum']);
  assert.ok(html.includes('Eclipse depth against wavelength.'));
  assert.match(figures[0]!.svg, /<path[^>]+d="M/);
});
