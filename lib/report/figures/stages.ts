/**
 * The stage graph (a layered DAG, stage-layout.ts: left to right, or top to bottom with wide layers
 * wrapped when that would be too wide for the page) and the stage timeline (start→finish bars),
 * coloured by status with cache hits apart.
 */
import type { TopLevelSpec } from 'vega-lite';
import { formatDuration, stageDurationMs } from '../format.ts';
import { STAGE_COLOURS, stageState, type StageState } from '../palette.ts';
import type { ReportStage } from '../types.ts';
import { layoutStages, type LayoutNode, type LayoutSizes } from './stage-layout.ts';

/**
 * The widest drawing: the report's column on a 1280 px screen is ≈ 1200 px, so the SVG is never
 * scaled down there and its smallest text (11.5 px) stays at that size.
 */
export const STAGE_GRAPH_MAX_WIDTH = 1100;
const FONT = { title: 13, line: 11.5 };
/** Widths of a character by the text's font size: roughly the bold and regular sans-serif average, with room to spare. */
const CHAR_EM = { title: 0.62, line: 0.56 };
const BOX_H = 64;
const MIN_BOX_W = 150;
const PADDING = 12;
/** Gap between layers, per direction; the across sizes go to the layout. */
const LAYER_GAP = { 'left-right': 64, 'top-down': 44 };
const ACROSS = { 'left-right': { waypoint: 12, gap: 18 }, 'top-down': { waypoint: 16, gap: 22 } };

function stageLines(stage: ReportStage): [string, string, string] {
  const state = stageState(stage);
  const parts: string[] = [state === 'cache hit' ? 'cache hit' : stage.status];
  const ms = stageDurationMs(stage);
  if (ms !== undefined && !stage.cached) parts.push(formatDuration(ms));
  if (stage.attempts > 1) parts.push(`${stage.attempts} attempts`);
  return [stage.name, stage.activity, stage.error ? `${parts.join(' · ')}: ${stage.error}` : parts.join(' · ')];
}

/** Left to right when the layers fit the page side by side, else top to bottom (wide layers wrapped). */
export function stageGraphLayout(stages: readonly ReportStage[]) {
  // Wide enough for the name and activity in full (a failure message is cut to the box instead).
  const boxW = Math.ceil(Math.max(MIN_BOX_W, ...stages.map((s) => {
    const [title, activity, status] = stageLines(s);
    return 2 * PADDING + Math.max(CHAR_EM.title * FONT.title * title.length, CHAR_EM.line * FONT.line * Math.max(activity.length, s.error ? 0 : status.length));
  })));
  const sizes = (direction: keyof typeof ACROSS): LayoutSizes =>
    direction === 'left-right'
      ? { box: BOX_H, ...ACROSS[direction], maxExtent: Infinity }
      : { box: boxW, ...ACROSS[direction], maxExtent: STAGE_GRAPH_MAX_WIDTH };
  const leftRight = layoutStages(stages, sizes('left-right'));
  const fits = leftRight.layers * boxW + (leftRight.layers - 1) * LAYER_GAP['left-right'] <= STAGE_GRAPH_MAX_WIDTH;
  const direction = fits ? 'left-right' : 'top-down';
  return { direction, boxW, ...(fits ? leftRight : layoutStages(stages, sizes('top-down'))) } as const;
}

export function stageGraphSpec(stages: readonly ReportStage[]): TopLevelSpec {
  const { direction, boxW, nodes, edges, layers, extent } = stageGraphLayout(stages);
  const layerGap = LAYER_GAP[direction];
  // Layout in (along, across) = (layer axis, position in the layer); `place` maps it onto (x, y).
  const boxAlong = direction === 'left-right' ? boxW : BOX_H;
  const along = (node: LayoutNode) => node.layer * (boxAlong + layerGap);
  const place = (a: number, c: number) => (direction === 'left-right' ? { x: a, y: c } : { x: c, y: a });
  const { x: width, y: height } = place(layers * boxAlong + (layers - 1) * layerGap, extent);

  // Only a failure message is long enough to be cut (in full below the stage table).
  const room = Math.floor((boxW - 2 * PADDING) / (CHAR_EM.line * FONT.line));
  const boxes = nodes
    .filter((n) => n.stage)
    .map((node) => {
      const stage = node.stage!;
      const { x, y } = place(along(node), node.across);
      const [title, activity, status] = stageLines(stage);
      const state = stageState(stage);
      const shown = status.length > room ? `${status.slice(0, room - 1)}…` : status;
      return { x, x2: x + boxW, y, y2: y + BOX_H, state, colour: STAGE_COLOURS[state], title, activity, status: shown };
    });
  // Edges run straight through waypoint slots and as S-curves (basis spline) across the gaps.
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const middle = (node: LayoutNode) => node.across + node.size / 2;
  const edgePoints = edges.flatMap((path, e) => {
    const points: { x: number; y: number }[] = [];
    path.forEach((id, k) => {
      const node = byId.get(id)!;
      const start = along(node);
      if (k > 0) points.push(place(start - layerGap / 2, middle(node)), place(start - (k === path.length - 1 ? 7 : 0), middle(node)));
      if (k < path.length - 1) points.push(place(start + boxAlong, middle(node)), place(start + boxAlong + layerGap / 2, middle(node)));
    });
    return points.map((p, i) => ({ ...p, edge: e, i }));
  });
  const arrows = edges.map((path) => {
    const target = byId.get(path[path.length - 1]!)!;
    return place(along(target) - 5, middle(target));
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
                legend: { title: null, orient: 'top', direction: 'horizontal', symbolType: 'square', symbolOpacity: 0.8, labelFontSize: FONT.line },
              },
              // Raw colour values (scale: null) add no second legend.
              stroke: { field: 'colour', type: 'nominal', scale: null },
            },
          },
          textLayer('title', 18, { fontWeight: 'bold', fontSize: FONT.title }),
          textLayer('activity', 36, { fill: '#4d5560', fontSize: FONT.line }),
          textLayer('status', 52, { fontSize: FONT.line }),
        ],
      },
    ],
  } as TopLevelSpec;
}

function textLayer(field: string, dy: number, style: Record<string, unknown>) {
  return {
    transform: [{ calculate: `datum.x + ${PADDING}`, as: 'tx' }, { calculate: `datum.y + ${dy}`, as: 'ty' }],
    mark: { type: 'text', align: 'left', baseline: 'middle', ...style },
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
    height: { step: 24 },
    // Stage names and durations at the graph's text size, not vega-lite's 10 px default.
    config: { axis: { labelFontSize: FONT.line, titleFontSize: FONT.line, labelLimit: 0 }, legend: { labelFontSize: FONT.line, orient: 'top' } },
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
      { mark: { type: 'text', align: 'left', dx: 5, fontSize: FONT.line, fill: '#4d5560' }, encoding: { x: { field: 'end', type: 'quantitative' }, text: { field: 'label' } } },
    ],
  } as TopLevelSpec;
}
