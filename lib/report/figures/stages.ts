/**
 * The stage graph (a layered DAG: each stage one layer after its deepest dependency, drawn left to
 * right, or top to bottom when that would be too wide for the page) and the stage timeline
 * (start→finish bars), coloured by status with cache hits apart.
 */
import type { TopLevelSpec } from 'vega-lite';
import { formatDuration, stageDurationMs } from '../format.ts';
import { STAGE_COLOURS, stageState, type StageState } from '../palette.ts';
import type { ReportStage } from '../types.ts';

const BOX_H = 58;
/** Gaps between layers and between rows of one layer, per direction. */
const GAPS = { 'left-right': { layer: 64, row: 20 }, 'top-down': { layer: 46, row: 26 } };
/** Wider left-to-right drawings are turned top-down so they fit a page without shrinking the text. */
const MAX_WIDTH = 1100;
const MIN_BOX_W = 170;
const MAX_BOX_W = 320;

/**
 * A node of the layered layout: a stage, or a virtual waypoint that an edge spanning several layers
 * passes through, so that it reserves a row and cannot cut across a stage box.
 */
interface LayoutNode {
  id: string;
  stage?: ReportStage;
  /** Ids of the nodes one layer to the left that point at this one. */
  inputs: string[];
  layer: number;
  row: number;
}

export interface StageLayout {
  nodes: LayoutNode[];
  /** Each edge as the ids it visits: source, waypoints…, target. */
  edges: string[][];
}

/**
 * Layer = longest dependency path from a root. Rows are ordered layer by layer by the mean row of
 * each node's inputs (the barycentre heuristic), which keeps most edges short and uncrossed.
 */
export function layoutStages(stages: readonly ReportStage[]): StageLayout {
  const byName = new Map(stages.map((s) => [s.name, s]));
  const layers = new Map<string, number>();
  const layerOf = (stage: ReportStage, visiting: Set<string>): number => {
    const known = layers.get(stage.name);
    if (known !== undefined) return known;
    if (visiting.has(stage.name)) throw new Error(`stage graph has a cycle through '${stage.name}'`);
    visiting.add(stage.name);
    const deps = stage.dependsOn.map((d) => byName.get(d)).filter((d): d is ReportStage => d !== undefined);
    const layer = deps.length === 0 ? 0 : 1 + Math.max(...deps.map((d) => layerOf(d, visiting)));
    visiting.delete(stage.name);
    layers.set(stage.name, layer);
    return layer;
  };
  stages.forEach((s) => layerOf(s, new Set()));
  const nodes = new Map<string, LayoutNode>(
    stages.map((stage) => [stage.name, { id: stage.name, stage, inputs: [], layer: layers.get(stage.name)!, row: 0 }]),
  );
  const edges: string[][] = [];
  for (const stage of stages) {
    for (const dep of stage.dependsOn.filter((d) => byName.has(d))) {
      const path = [dep];
      for (let layer = layers.get(dep)! + 1; layer < layers.get(stage.name)!; layer++) {
        const id = `${dep}->${stage.name}@${layer}`;
        nodes.set(id, { id, inputs: [path[path.length - 1]], layer, row: 0 });
        path.push(id);
      }
      nodes.get(stage.name)!.inputs.push(path[path.length - 1]);
      edges.push([...path, stage.name]);
    }
  }
  const all = [...nodes.values()];
  const depth = Math.max(0, ...all.map((n) => n.layer));
  for (let layer = 0; layer <= depth; layer++) {
    all
      .map((node, order) => {
        const rows = node.inputs.map((id) => nodes.get(id)!.row);
        return { node, order, barycentre: rows.length ? rows.reduce((s, r) => s + r, 0) / rows.length : order };
      })
      .filter(({ node }) => node.layer === layer)
      .sort((a, b) => a.barycentre - b.barycentre || a.order - b.order)
      .forEach(({ node }, row) => (node.row = row));
  }
  return { nodes: all, edges };
}

function stageLines(stage: ReportStage): [string, string, string] {
  const state = stageState(stage);
  const parts: string[] = [state === 'cache hit' ? 'cache hit' : stage.status];
  const ms = stageDurationMs(stage);
  if (ms !== undefined && !stage.cached) parts.push(formatDuration(ms));
  if (stage.attempts > 1) parts.push(`${stage.attempts} attempts`);
  return [stage.name, stage.activity, stage.error ? `${parts.join(' · ')}: ${stage.error}` : parts.join(' · ')];
}

export function stageGraphSpec(stages: readonly ReportStage[]): TopLevelSpec {
  const { nodes, edges } = layoutStages(stages);
  // Wide enough for the longest line by vega's canvas-free text estimate (0.8 × font size a character).
  const boxW = Math.min(MAX_BOX_W, Math.max(MIN_BOX_W, ...stages.map((s) => {
    const [title, activity, status] = stageLines(s);
    return 20 + Math.max(9.6 * title.length, 8.4 * activity.length, 8.4 * (s.error ? 0 : status.length));
  })));
  const rowsIn = (layer: number) => nodes.filter((n) => n.layer === layer).length;
  const layersCount = Math.max(1, ...nodes.map((n) => n.layer + 1));
  const maxRows = Math.max(1, ...nodes.map((n) => rowsIn(n.layer)));
  const leftRightWidth = layersCount * boxW + (layersCount - 1) * GAPS['left-right'].layer;
  const direction = leftRightWidth <= MAX_WIDTH ? 'left-right' : 'top-down';
  const gap = GAPS[direction];
  // Layout in (along, across) = (layer axis, row axis); `place` maps it onto (x, y).
  const [boxAlong, boxAcross] = direction === 'left-right' ? [boxW, BOX_H] : [BOX_H, boxW];
  const along = (node: LayoutNode) => node.layer * (boxAlong + gap.layer);
  // Short layers are centred against the fullest one.
  const across = (node: LayoutNode) => ((maxRows - rowsIn(node.layer)) * (boxAcross + gap.row)) / 2 + node.row * (boxAcross + gap.row);
  const place = (a: number, c: number) => (direction === 'left-right' ? { x: a, y: c } : { x: c, y: a });
  const extentAlong = layersCount * boxAlong + (layersCount - 1) * gap.layer;
  const extentAcross = maxRows * boxAcross + (maxRows - 1) * gap.row;
  const { x: width, y: height } = place(extentAlong, extentAcross);

  const boxes = nodes
    .filter((n) => n.stage)
    .map((node) => {
      const stage = node.stage!;
      const { x, y } = place(along(node), across(node));
      const [title, activity, status] = stageLines(stage);
      const state = stageState(stage);
      return { x, x2: x + boxW, y, y2: y + BOX_H, state, colour: STAGE_COLOURS[state], title, activity, status };
    });
  // Edges run straight through waypoint slots and as S-curves (basis spline) across the gaps.
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const edgePoints = edges.flatMap((path, e) => {
    const points: { x: number; y: number }[] = [];
    path.forEach((id, k) => {
      const node = byId.get(id)!;
      const c = across(node) + boxAcross / 2;
      const start = along(node);
      if (k > 0) points.push(place(start - gap.layer / 2, c), place(start - (k === path.length - 1 ? 7 : 0), c));
      if (k < path.length - 1) points.push(place(start + boxAlong, c), place(start + boxAlong + gap.layer / 2, c));
    });
    return points.map((p, i) => ({ ...p, edge: e, i }));
  });
  const arrows = edges.map((path) => {
    const target = byId.get(path[path.length - 1])!;
    return place(along(target) - 5, across(target) + boxAcross / 2);
  });
  const states = [...new Set(boxes.map((b) => b.state))] as StageState[];
  const xScale = { domain: [0, width], nice: false, zero: false };
  const yScale = { domain: [height, 0], nice: false, zero: false };
  return {
    width,
    height,
    view: { stroke: null },
    layer: [
      {
        data: { values: edgePoints },
        mark: { type: 'line', interpolate: 'basis', stroke: '#8a9099', strokeWidth: 1.5 },
        encoding: {
          x: { field: 'x', type: 'quantitative', scale: xScale, axis: null },
          y: { field: 'y', type: 'quantitative', scale: yScale, axis: null },
          detail: { field: 'edge' },
          order: { field: 'i' },
        },
      },
      {
        data: { values: arrows },
        mark: { type: 'point', shape: direction === 'left-right' ? 'triangle-right' : 'triangle-down', size: 60, filled: true, color: '#8a9099', opacity: 1 },
        encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } },
      },
      {
        data: { values: boxes },
        layer: [
          {
            mark: { type: 'rect', cornerRadius: 6, fillOpacity: 0.14, strokeWidth: 1.6 },
            encoding: {
              x: { field: 'x', type: 'quantitative' },
              x2: { field: 'x2' },
              y: { field: 'y', type: 'quantitative' },
              y2: { field: 'y2' },
              fill: {
                field: 'state',
                type: 'nominal',
                scale: { domain: states, range: states.map((s) => STAGE_COLOURS[s]) },
                legend: { title: null, orient: 'top', direction: 'horizontal', symbolType: 'square', symbolOpacity: 0.8 },
              },
              // Raw colour values (scale: null) add no second legend.
              stroke: { field: 'colour', type: 'nominal', scale: null },
            },
          },
          textLayer('title', 16, boxW, { fontWeight: 'bold', fontSize: 12 }),
          textLayer('activity', 32, boxW, { fill: '#4d5560', fontSize: 10.5 }),
          textLayer('status', 47, boxW, { fontSize: 10.5 }),
        ],
      },
    ],
  } as TopLevelSpec;
}

function textLayer(field: string, dy: number, boxW: number, style: Record<string, unknown>) {
  return {
    transform: [{ calculate: `datum.x + 10`, as: 'tx' }, { calculate: `datum.y + ${dy}`, as: 'ty' }],
    mark: { type: 'text', align: 'left', baseline: 'middle', limit: boxW - 18, ...style },
    encoding: {
      x: { field: 'tx', type: 'quantitative' },
      y: { field: 'ty', type: 'quantitative' },
      text: { field },
      ...(field === 'status' ? { fill: { field: 'colour', type: 'nominal', scale: null } } : {}),
    },
  };
}

/** Start→finish bars per stage on a time axis in seconds since the run was created. */
export function stageTimelineSpec(stages: readonly ReportStage[], createdAt: string): TopLevelSpec | null {
  const t0 = Date.parse(createdAt);
  const rows = stages
    .filter((s) => s.startedAt)
    .map((s) => {
      const start = (Date.parse(s.startedAt!) - t0) / 1000;
      const ms = stageDurationMs(s) ?? 0;
      return { stage: s.name, start, end: start + ms / 1000, state: stageState(s), label: s.cached ? 'cache hit' : formatDuration(ms) };
    });
  if (rows.length === 0 || rows.some((r) => !Number.isFinite(r.start))) return null;
  const states = [...new Set(rows.map((r) => r.state))];
  const colour = { domain: states, range: states.map((s) => STAGE_COLOURS[s]) };
  const y = { field: 'stage', type: 'nominal', sort: { field: 'start', order: 'ascending' }, title: null };
  return {
    width: 620,
    height: { step: 22 },
    data: { values: rows },
    encoding: { y },
    layer: [
      {
        mark: { type: 'bar', cornerRadius: 2, height: 14 },
        encoding: {
          x: { field: 'start', type: 'quantitative', title: 'seconds since the run was created' },
          x2: { field: 'end' },
          color: { field: 'state', type: 'nominal', scale: colour, legend: { title: null, symbolType: 'square', symbolOpacity: 1 } },
        },
      },
      // A tick at the start keeps instant stages (cache hits) visible.
      { mark: { type: 'tick', thickness: 2, size: 16 }, encoding: { x: { field: 'start', type: 'quantitative' }, color: { field: 'state', type: 'nominal' } } },
      { mark: { type: 'text', align: 'left', dx: 5, fontSize: 10, fill: '#4d5560' }, encoding: { x: { field: 'end', type: 'quantitative' }, text: { field: 'label' } } },
    ],
  } as TopLevelSpec;
}
