import { test } from 'node:test';
import assert from 'node:assert/strict';
import { edgeCrossings, isotonic, layoutStages, type LayoutNode, type LayoutSizes, type StageLayout } from '../../../lib/report/figures/stage-layout.ts';
import { STAGE_GRAPH_MAX_WIDTH, stageGraphLayout, stageGraphSpec } from '../../../lib/report/figures/stages.ts';
import type { ReportStage } from '../../../lib/report/index.ts';
import { renderVegaLite } from '../../../lib/report/vega.ts';
import { atmosphericStages, comparisonReportInput } from './fixtures.ts';

const bare = (name: string, dependsOn: string[] = []): ReportStage => ({ name, activity: 'x', status: 'completed', cached: false, attempts: 1, dependsOn });
const SIZES: LayoutSizes = { box: 200, waypoint: 16, gap: 22, maxExtent: 1100 };
/** The report's column on a 1280 px screen: the page's 32 px margins off the viewport. */
const REPORT_COLUMN = 1280 - 2 * 32;

const layerOf = (layout: StageLayout) => new Map(layout.nodes.map((n) => [n.id, n.layer]));

/** Every drawn segment joins adjacent layers, and no two slots of a layer overlap or leave [0, extent]. */
function assertDrawable(layout: StageLayout, gap: number) {
  const layer = layerOf(layout);
  for (const path of layout.edges) {
    path.slice(1).forEach((id, k) => assert.equal(layer.get(id), layer.get(path[k]!)! + 1, `${path.join(' → ')}: adjacent layers only`));
  }
  for (const k of new Set(layer.values())) {
    const sorted = layout.nodes.filter((n) => n.layer === k).sort((a, b) => a.order - b.order);
    sorted.forEach((n: LayoutNode, i) => {
      assert.ok(n.across >= -1e-9 && n.across + n.size <= layout.extent + 1e-9, `${n.id} within the drawing`);
      if (i > 0) assert.ok(n.across >= sorted[i - 1]!.across + sorted[i - 1]!.size + gap - 1e-9, `${n.id} clear of ${sorted[i - 1]!.id}`);
    });
  }
}

test('layers follow the longest dependency path; long edges get waypoints', () => {
  const { nodes, edges } = stageGraphLayout(comparisonReportInput().stages);
  const layer = Object.fromEntries(nodes.filter((n) => n.stage).map((n) => [n.id, n.layer]));
  assert.deepEqual(layer, {
    'simulate-spectra': 0,
    'train-surrogate': 1,
    'nested-sampling-full-physics': 1,
    'nested-sampling-surrogate': 2,
    compare: 3,
    forecast: 4,
    report: 5,
  });
  // full physics (layer 1) → compare (layer 3) passes one waypoint; compare → report one more.
  const long = edges.filter((path) => path.length > 2);
  assert.deepEqual(long.map((p) => [p[0], p[p.length - 1], p.length]), [
    ['nested-sampling-full-physics', 'compare', 3],
    ['compare', 'report', 3],
  ]);
  const slots = nodes.map((n) => `${n.layer}:${n.order}`);
  assert.equal(new Set(slots).size, slots.length);
});

test('barycentre ordering keeps a chain on the row of its parent', () => {
  const { nodes } = layoutStages([bare('a'), bare('b'), bare('a1', ['a']), bare('b1', ['b'])], SIZES);
  const at = Object.fromEntries(nodes.map((n) => [n.id, n]));
  assert.equal(at.a1!.order, at.a!.order);
  assert.equal(at.b1!.order, at.b!.order);
  // Placement lines a chain up straight.
  assert.equal(at.a1!.across, at.a!.across);
});

test('a dependency cycle is reported, unknown dependencies are ignored', () => {
  assert.throws(() => layoutStages([bare('a', ['b']), bare('b', ['a'])], SIZES), /cycle through/);
  const { nodes, edges } = layoutStages([bare('a', ['not-a-stage'])], SIZES);
  assert.equal(nodes.length, 1);
  assert.equal(edges.length, 0);
});

test('the 14-stage atmospheric graph: top-down, no crossings, adjacent-layer segments, a reference run beside what it is compared with', () => {
  const layout = stageGraphLayout(atmosphericStages());
  assert.equal(layout.direction, 'top-down', 'ten layers side by side would not fit the page');
  assertDrawable(layout, 22);
  assert.equal(edgeCrossings(layout.nodes), 0);
  assert.ok(layout.extent <= STAGE_GRAPH_MAX_WIDTH);
  const layer = layerOf(layout);
  // retrieve-full reads nothing and feeds three stages: it sits just above the first of them, not at the top.
  assert.equal(layer.get('retrieve-full'), layer.get('compare-guided')! - 1);
  assert.equal(layer.get('retrieve-full'), layer.get('retrieve-guided'));
  // Its two long edges share one trunk of waypoints.
  const waypoints = layout.nodes.filter((n) => !n.stage);
  assert.deepEqual(waypoints.map((n) => n.id).sort(), ['refine-training-set@4', 'retrieve-full@6', 'retrieve-full@7', 'retrieve-full@8']);
});

test('the 14-stage graph renders every name in full, its smallest text ≥ 11 px at the report column width', async () => {
  const stages = atmosphericStages();
  const svg = await renderVegaLite(stageGraphSpec(stages), 'stage-graph');
  const width = Number(/<svg[^>]* width="([\d.]+)"/.exec(svg)![1]);
  const sizes = [...svg.matchAll(/font-size="([\d.]+)px"/g)].map((m) => Number(m[1]));
  assert.ok(sizes.length >= 3 * stages.length);
  const shown = Math.min(...sizes) * Math.min(1, REPORT_COLUMN / width);
  assert.ok(shown >= 11, `smallest text ${shown.toFixed(1)} px (SVG ${width} px wide)`);
  for (const s of stages) assert.ok(svg.includes(`>${s.name}</text>`), `${s.name} in full`);
});

test('a layer too wide for the page wraps onto the next layers, first-listed stages first', () => {
  const targets = Array.from({ length: 12 }, (_, i) => bare(`target-${i}`, ['source']));
  const layout = layoutStages([bare('source'), ...targets, bare('sink', targets.map((t) => t.name))], SIZES);
  assertDrawable(layout, SIZES.gap);
  assert.ok(layout.extent <= SIZES.maxExtent, `extent ${layout.extent}`);
  const layer = layerOf(layout);
  const targetLayers = targets.map((t) => layer.get(t.name)!);
  assert.ok(new Set(targetLayers).size >= 3, `12 boxes of 200 px need three rows: ${targetLayers}`);
  assert.deepEqual(targetLayers, [...targetLayers].sort((a, b) => a - b));
  assert.equal(layer.get('sink'), Math.max(...targetLayers) + 1);
});

test('isotonic regression pools adjacent violators by weight', () => {
  assert.deepEqual(isotonic([1, 3, 2, 4], [1, 1, 1, 1]), [1, 2.5, 2.5, 4]);
  assert.deepEqual(isotonic([0, 3, 1], [1, 1, 3]), [0, 1.5, 1.5]);
});
