/**
 * The report's sampler diagnostics (lib/report/diagnostics-section.ts, figures/diagnostics.ts) and
 * the posterior table's ESS and pull columns, from a small synthetic input.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evenlySpacedIndices } from '../../../lib/report/figures/diagnostics.ts';
import { renderReport, type ReportChainTraces } from '../../../lib/report/index.ts';
import { mergeNestedRuns, nestedRunTrace } from '../../../lib/sampling/index.ts';

test('thinning keeps the first and last of evenly spaced points, and short series whole', () => {
  const thinned = evenlySpacedIndices(1000, 500);
  assert.equal(thinned.length, 500);
  assert.deepEqual([thinned[0], thinned[1], thinned.at(-1)], [0, 2, 999]);
  assert.deepEqual(evenlySpacedIndices(4, 500), [0, 1, 2, 3]);
});

test('diagnostics section: nested run against prior volume, traces of the first 4 runs, ESS draws/τ, pull (mean − truth)/sd', async () => {
  const logL = Array.from({ length: 60 }, (_, i) => -1000 * Math.exp(-i / 5));
  const run = mergeNestedRuns([{ theta: logL.map(() => [0]), logL, nlive: 10, niter: 50 }]);
  const steps = Float64Array.from({ length: 1200 }, (_, i) => i);
  const traces: ReportChainTraces = {
    label: 'chains',
    paramNames: ['x'],
    runs: [0, 1, 2, 3, 4].map((k) => ({ label: `chains[${k}]`, step: steps, values: { x: steps.map((s) => Math.sin(s / 50 + k)) } })),
  };
  const { html, figures } = await renderReport({
    run: { runId: 'r3', pipeline: 'demo', status: 'completed', createdAt: '2025-01-01T00:00:00.000Z' },
    stages: [],
    provenance: { config: null, configHash: 'h', codeVersion: 'v', computeBackend: 'cpu', host: 'h', nodeVersion: 'v20' },
    // Mean 2, sd √0.8, the truth half an sd below: the pull is +0.5.
    posteriors: [{ label: 'summary', paramNames: ['x'], samples: { x: [1, 3, 1, 3, 2, 2] }, truths: { x: 2 - 0.5 * Math.sqrt(0.8) }, ess: { x: 1.6 } }],
    nestedRuns: [{ label: 'nested', logL: run.logL, ...nestedRunTrace(run.logL, run.logWeight, run.nlive) }],
    chainTraces: [traces],
  });
  const sections = [...html.matchAll(/<section id="([^"]+)">/g)].map((m) => m[1]);
  assert.ok(sections.indexOf('diagnostics') > sections.indexOf('posterior'), sections.join());
  const names = figures.map((f) => f.name);
  assert.deepEqual(names.slice(names.indexOf('nested-runs')), ['nested-runs', 'mcmc-trace-1']);
  // The stage's ESS (draws/τ) replaces the draw count; the pull is positive for a mean above the truth.
  assert.match(html, /<th>\(mean − truth\)\/sd<\/th><th>ESS<\/th>/);
  assert.match(html, /<td class="num">0\.5<\/td><td class="num">2<\/td><\/tr>/);
  assert.ok(html.includes('one walker of the first 4 of 5 runs'));
  // Four trace lines of 500 vertices each; two panels of the nested run (ln L, and ln Z with its bound).
  const trace = figures.find((f) => f.name === 'mcmc-trace-1')!.svg;
  const lines = [...trace.matchAll(/<path[^>]*d="M([^"]+)"/g)].map((m) => m[1]!.split('L').length).filter((n) => n > 100);
  assert.deepEqual(lines, [500, 500, 500, 500]);
  const nested = figures.find((f) => f.name === 'nested-runs')!.svg;
  assert.equal([...nested.matchAll(/<path[^>]*d="M([^"]+)"/g)].filter((m) => m[1]!.split('L').length === 60).length, 3);
});
