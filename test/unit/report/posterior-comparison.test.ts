/**
 * The report's posterior and comparison sections as a reader meets them: the headline pair leads,
 * the other sets wait in a collapsed <details>, a set with too few effective draws is named instead
 * of drawn, and each comparison opens with its verdict in words, the speed-up and the ln L error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../lib/random.ts';
import { renderReport, type ReportInput, type ReportPosterior, type ReportStage } from '../../../lib/report/index.ts';
import { posteriorSets } from '../../../lib/report/posterior-sets.ts';
import { agreementVerdict } from '../../../lib/stats/agreement.ts';
import type { ComparisonRow } from '../../../lib/stats/index.ts';

/** Draws of N(shift, 1) in x and y; `effective` of them carry the weight when given (Kish ESS ≈ effective). */
function posterior(label: string, shift: number, seed: number, effective?: number): ReportPosterior {
  const rng = Rng.fromSeed(seed);
  const n = 2000;
  const draw = () => Float64Array.from({ length: n }, () => shift + rng.normal());
  return {
    label,
    paramNames: ['x', 'y'],
    samples: { x: draw(), y: draw() },
    ...(effective !== undefined && { weights: Float64Array.from({ length: n }, (_, i) => (i < effective ? 1 : 1e-9)) }),
  };
}

const stage = (name: string, seconds: number, dependsOn: string[], summary?: Record<string, unknown>): ReportStage => ({
  name, activity: 'nestedSampling', status: 'completed', cached: false, attempts: 1, dependsOn, durationMs: seconds * 1000, ...(summary && { summary: [summary] }),
});

const rows = (bc: Record<string, number>, floor?: number): ComparisonRow[] =>
  Object.entries(bc).flatMap(([parameter, value]) => [
    { parameter, metric: 'bhattacharyya' as const, value },
    ...(floor === undefined ? [] : [{ parameter, metric: 'bhattacharyya_floor' as const, value: floor }]),
  ]);

function input(): ReportInput {
  return {
    run: { runId: 'r', pipeline: 'retrieval', status: 'completed', createdAt: '2025-01-01T00:00:00.000Z' },
    stages: [
      // The reference merges two runs that feed nothing else: their time is its cost.
      stage('full-run-1', 200, []),
      stage('full-run-2', 200, []),
      stage('full', 1, ['full-run-1', 'full-run-2'], { ncall: 200_000 }),
      // A surrogate two retrievals read is nobody's cost.
      stage('surrogate', 30, []),
      stage('guided', 60, ['surrogate'], { full_calls: 50_000 }),
      stage('refined', 5, ['surrogate']),
      stage('preview-surrogate', 20, ['guided']),
      stage('preview', 2, ['preview-surrogate']),
      stage('surrogate-error', 3, ['full', 'preview-surrogate'], { deltaLogLQ05: -3.03, deltaLogLQ50: -0.245, deltaLogLQ95: 1.66, deltaLogLMean: -1.15, deltaLogLSd: 9.15 }),
      stage('thin', 1, ['full']),
    ],
    provenance: { config: null, configHash: 'h', codeVersion: 'v', computeBackend: 'cpu', host: 'h', nodeVersion: 'v20' },
    posteriors: [posterior('preview', 0.3, 1), posterior('guided', 0, 2), posterior('full', 0, 3), posterior('thin', 0, 4, 2)],
    headline: ['guided'],
    comparisons: [
      { reference: 'full', other: 'guided', rows: rows({ x: 0.991, y: 0.995 }) },
      { reference: 'full', other: 'preview', rows: rows({ x: 0.97, y: 0.62 }, 0.9) },
    ],
  };
}

test('verdict in words: reproduces at BC ≥ 0.98; a failure at sample sizes that cannot resolve 0.98 says so', () => {
  const figures = { reference: 'full', other: 'surrogate', minBC: 0.993, worst: 'T_iso', meanBC: 0.997 };
  assert.equal(agreementVerdict({ ...figures, parameters: 9 }), 'surrogate reproduces full: min BC 0.993 (T_iso), mean 0.997 over 9 parameters');
  assert.equal(agreementVerdict({ ...figures, minBC: 0.62 }), 'surrogate does NOT reproduce full: min BC 0.620 (T_iso), mean 0.997');
  const unresolved = /one distribution against itself reads down to 0\.705 at these sample sizes: too few effective draws to resolve 0\.98/;
  assert.match(agreementVerdict({ ...figures, minBC: 0.73, floor: 0.705 }), unresolved);
  // Far below the floor it is a real disagreement, whatever the resolution.
  assert.doesNotMatch(agreementVerdict({ ...figures, minBC: 0.054, floor: 0.58 }), /reads down to/);
});

test('posterior sets: the headline and its reference lead, the rest wait, thin sets are not drawn', () => {
  const sets = posteriorSets(input());
  assert.deepEqual(sets.lead.map((p) => p.label), ['guided', 'full']);
  assert.deepEqual(sets.others.map((p) => p.label), ['preview']);
  assert.deepEqual(sets.undrawn.map((u) => u.posterior.label), ['thin']);
  assert.ok(Math.abs(sets.undrawn[0]!.ess - 2) < 0.01, `Kish ESS ${sets.undrawn[0]!.ess}`);
  // Without a headline the first comparison's two sides lead; without comparisons every set does.
  assert.deepEqual(posteriorSets({ ...input(), headline: undefined }).lead.map((p) => p.label), ['guided', 'full']);
  assert.deepEqual(posteriorSets({ ...input(), headline: undefined, comparisons: undefined }).lead.map((p) => p.label), ['preview', 'guided', 'full']);
  // A fan-out's sets are labelled stage[branch]: its first branch stands for the stage.
  const branches = [posterior('guided[0]', 0, 2), posterior('guided[1]', 0, 5), posterior('full[0]', 0, 3)];
  assert.deepEqual(posteriorSets({ ...input(), posteriors: branches }).lead.map((p) => p.label), ['guided[0]', 'full[0]']);
});

test('the report leads with the headline pair, warns about the thin set, and opens each comparison with its verdict and costs', async () => {
  const { html, figures } = await renderReport(input());
  const svg = (name: string) => figures.find((f) => f.name === name)!.svg;
  assert.deepEqual(figures.map((f) => f.name).filter((n) => !n.startsWith('stage')), ['corner', 'marginals', 'corner-all', 'marginals-all', 'comparison-1', 'comparison-2']);
  assert.match(html, /<p class="warn" id="posterior-not-drawn">Not drawn: <b>thin<\/b> \(Kish ESS 2\) — fewer than 50 effective draws/);
  for (const name of ['corner', 'marginals', 'corner-all', 'marginals-all']) assert.ok(!svg(name).includes('>thin<'), `${name}: the thin set is not drawn`);
  assert.ok(svg('corner').includes('>guided<') && svg('corner').includes('>full<') && !svg('corner').includes('>preview<'));
  assert.ok(svg('corner-all').includes('>preview<'));
  assert.match(html, /<details id="posterior-all"><summary>All 3 drawable posterior sets overlaid \(preview added\)/);
  // The table still lists the thin set, without a colour swatch since nothing is drawn in its colour.
  assert.equal(html.match(/<td>thin<\/td><td>[xy]<\/td>/g)?.length, 2);
  assert.equal(html.match(/<td><span class="swatch"[^>]*><\/span>guided<\/td><td>[xy]<\/td>/g)?.length, 2);

  assert.match(html, /<p class="verdict good" id="verdict-1">guided reproduces full: min BC 0\.991 \(x\), mean 0\.993 over 2 parameters<\/p>/);
  assert.match(html, /<p class="verdict bad" id="verdict-2">preview does NOT reproduce full: min BC 0\.620 \(y\), mean 0\.795 over 2 parameters<\/p>/);
  // 401 s (two runs and their merge) against 60 s; 200 000 exact calls against 50 000.
  assert.match(html, /<span>speed-up in stage time<\/span><b>6\.68×<\/b><small>1 min 00 s against 6 min 41 s<\/small>/);
  assert.match(html, /<span>exact-likelihood calls<\/span><b>4× fewer<\/b><small>50,000 against 200,000<\/small>/);
  assert.match(html, /\(guided against full-run-1 \+ full-run-2 \+ full\); upstream stages both read/);
  // The ln L error of the surrogate the preview samples, beside the preview's comparison only.
  const [guidedPart, previewPart] = html.split('id="verdict-2"');
  assert.doesNotMatch(guidedPart!, /surrogate-error\)/);
  assert.match(previewPart!, /<span>ln L − ln L̃ of preview-surrogate on full&#39;s draws \(surrogate-error\)<\/span><b>median −0\.245 nats<\/b><small>5–95 %: −3\.03 … 1\.66; mean −1\.15 ± 9\.15<\/small>/);
});
