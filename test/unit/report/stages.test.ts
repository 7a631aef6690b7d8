import { test } from 'node:test';
import assert from 'node:assert/strict';
import { layoutStages } from '../../../lib/report/figures/stages.ts';
import type { ReportStage } from '../../../lib/report/index.ts';
import { comparisonReportInput } from './fixtures.ts';

const bare = (name: string, dependsOn: string[] = []): ReportStage => ({ name, activity: 'x', status: 'completed', cached: false, attempts: 1, dependsOn });

test('layers follow the longest dependency path; long edges get waypoints', () => {
  const { nodes, edges } = layoutStages(comparisonReportInput().stages);
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
  // No two nodes (stages or waypoints) share a slot.
  const slots = nodes.map((n) => `${n.layer}:${n.row}`);
  assert.equal(new Set(slots).size, slots.length);
});

test('barycentre ordering keeps a chain on the row of its parent', () => {
  const { nodes } = layoutStages([bare('a'), bare('b'), bare('a1', ['a']), bare('b1', ['b'])]);
  const row = Object.fromEntries(nodes.map((n) => [n.id, n.row]));
  assert.equal(row.a1, row.a);
  assert.equal(row.b1, row.b);
});

test('a dependency cycle is reported, unknown dependencies are ignored', () => {
  assert.throws(() => layoutStages([bare('a', ['b']), bare('b', ['a'])]), /cycle through/);
  const { nodes, edges } = layoutStages([bare('a', ['not-a-stage'])]);
  assert.equal(nodes.length, 1);
  assert.equal(edges.length, 0);
});
