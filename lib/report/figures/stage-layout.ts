/**
 * Layered layout of a stage graph (Sugiyama et al. 1981), in abstract coordinates: `layer` along
 * the flow, `across` within a layer. Four steps, each small:
 * 1. layers: longest dependency path from the roots; then a stage that feeds more stages than it
 *    reads moves down next to its first consumer (a reference run that starts at once sits beside
 *    the runs it is compared with, not at the top with one long edge to each); a layer wider than
 *    `maxExtent` wraps: its last-listed stages move one layer on;
 * 2. waypoints: an edge spanning several layers passes a narrow virtual node in each, so every
 *    drawn segment joins adjacent layers and none cuts through a stage; the long edges of one
 *    source share their waypoints, one trunk that branches off at each target's layer;
 * 3. order within layers: barycentre sweeps down and up, then swaps of neighbours that cross less
 *    (dot's "transpose"), keeping the order with fewest crossings;
 * 4. across positions: each node pulled towards the mean of its neighbours in the previous layer,
 *    then the next, as close as its neighbours' sizes allow (isotonic regression), so chains and
 *    long edges run straight.
 */
import type { ReportStage } from '../types.ts';

export interface LayoutSizes {
  /** Size across the flow of a stage box and of an edge's waypoint slot, and the gap between neighbours. */
  box: number;
  waypoint: number;
  gap: number;
  /** A layer wider than this wraps onto the next layers (Infinity: never). */
  maxExtent: number;
}

export interface LayoutNode {
  id: string;
  /** The stage drawn here; absent for an edge's waypoint. */
  stage?: ReportStage;
  /** Ids of the nodes one layer before that point at this one, and of those one layer after it points at. */
  inputs: string[];
  outputs: string[];
  layer: number;
  /** Position within the layer, and the start and size of its slot across the flow. */
  order: number;
  across: number;
  size: number;
}

export interface StageLayout {
  nodes: LayoutNode[];
  /** Each edge as the ids it visits: source, waypoints…, target. */
  edges: string[][];
  layers: number;
  /** Width of the widest layer across the flow: every node lies within [0, extent]. */
  extent: number;
}

const SWEEPS = 4;
const PLACEMENT_PASSES = 8;

export function layoutStages(stages: readonly ReportStage[], sizes: LayoutSizes): StageLayout {
  const names = new Set(stages.map((s) => s.name));
  const deps = new Map(stages.map((s) => [s.name, s.dependsOn.filter((d) => names.has(d))]));
  const layers = assignLayers(stages, deps, sizes);
  const { nodes, edges } = withWaypoints(stages, deps, layers, sizes);
  const byLayer = orderLayers(nodes);
  const extent = placeAcross(byLayer, sizes);
  return { nodes: [...nodes.values()], edges, layers: byLayer.length, extent };
}

/** Crossings between the segments joining each pair of adjacent layers. */
export function edgeCrossings(nodes: readonly LayoutNode[]): number {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const segments = nodes.flatMap((n) => n.outputs.map((o) => ({ layer: n.layer, from: n.order, to: byId.get(o)!.order })));
  let crossings = 0;
  for (let i = 0; i < segments.length; i++) {
    for (let j = i + 1; j < segments.length; j++) {
      const [a, b] = [segments[i]!, segments[j]!];
      if (a.layer === b.layer && (a.from - b.from) * (a.to - b.to) < 0) crossings++;
    }
  }
  return crossings;
}

function assignLayers(stages: readonly ReportStage[], deps: Map<string, string[]>, sizes: LayoutSizes): Map<string, number> {
  const layers = new Map<string, number>();
  const layerOf = (name: string, visiting: Set<string>): number => {
    const known = layers.get(name);
    if (known !== undefined) return known;
    if (visiting.has(name)) throw new Error(`stage graph has a cycle through '${name}'`);
    visiting.add(name);
    const inputs = deps.get(name)!;
    const layer = inputs.length === 0 ? 0 : 1 + Math.max(...inputs.map((d) => layerOf(d, visiting)));
    visiting.delete(name);
    layers.set(name, layer);
    return layer;
  };
  stages.forEach((s) => layerOf(s.name, new Set()));

  const consumers = new Map(stages.map((s) => [s.name, stages.filter((c) => deps.get(c.name)!.includes(s.name)).map((c) => c.name)]));
  // Deepest first, so that every consumer already sits where it stays.
  for (const { name } of [...stages].sort((a, b) => layers.get(b.name)! - layers.get(a.name)!)) {
    const outputs = consumers.get(name)!;
    // Each layer moved shortens every outgoing edge and lengthens every incoming one.
    if (outputs.length > deps.get(name)!.length) layers.set(name, Math.max(layers.get(name)!, Math.min(...outputs.map((c) => layers.get(c)!)) - 1));
  }

  // Wrapping, layer by layer: what moves on pushes its descendants on, and only later layers change.
  // One waypoint per source whose edges pass the layer (they share it: withWaypoints).
  const waypointsIn = (layer: number) =>
    stages.filter((s) => layers.get(s.name)! < layer && consumers.get(s.name)!.some((c) => layer < layers.get(c)!)).length;
  const push = (name: string, layer: number) => {
    if (layers.get(name)! >= layer) return;
    layers.set(name, layer);
    consumers.get(name)!.forEach((c) => push(c, layer + 1));
  };
  for (let layer = 0; layer <= Math.max(...layers.values()); layer++) {
    const boxes = stages.filter((s) => layers.get(s.name) === layer);
    const extent = () => boxes.length * sizes.box + waypointsIn(layer) * sizes.waypoint + (boxes.length + waypointsIn(layer) - 1) * sizes.gap;
    while (boxes.length > 1 && extent() > sizes.maxExtent) push(boxes.pop()!.name, layer + 1);
  }
  return layers;
}

function withWaypoints(stages: readonly ReportStage[], deps: Map<string, string[]>, layers: Map<string, number>, sizes: LayoutSizes) {
  const node = (id: string, layer: number, stage?: ReportStage): LayoutNode => ({
    id, layer, inputs: [], outputs: [], order: 0, across: 0, size: stage ? sizes.box : sizes.waypoint, ...(stage && { stage }),
  });
  const nodes = new Map(stages.map((s) => [s.name, node(s.name, layers.get(s.name)!, s)]));
  const edges: string[][] = [];
  for (const stage of stages) {
    for (const dep of deps.get(stage.name)!) {
      const path = [dep];
      for (let layer = layers.get(dep)! + 1; layer < layers.get(stage.name)!; layer++) {
        const id = `${dep}@${layer}`;
        if (!nodes.has(id)) nodes.set(id, node(id, layer));
        path.push(id);
      }
      path.push(stage.name);
      path.slice(1).forEach((id, k) => {
        const from = nodes.get(path[k]!)!;
        if (!from.outputs.includes(id)) from.outputs.push(id);
        if (!nodes.get(id)!.inputs.includes(from.id)) nodes.get(id)!.inputs.push(from.id);
      });
      edges.push(path);
    }
  }
  return { nodes, edges };
}

/** Orders each layer (sets `order`) and returns the layers' nodes in that order. */
function orderLayers(nodes: Map<string, LayoutNode>): LayoutNode[][] {
  const all = [...nodes.values()];
  const byLayer: LayoutNode[][] = Array.from({ length: Math.max(0, ...all.map((n) => n.layer)) + 1 }, () => []);
  all.forEach((n) => byLayer[n.layer]!.push(n));
  // A node without neighbours on that side keeps its place; the others are sorted into the rest.
  const sortBy = (layer: LayoutNode[], neighbours: (n: LayoutNode) => string[]) => {
    const barycentre = (n: LayoutNode) => neighbours(n).reduce((s, id) => s + nodes.get(id)!.order, 0) / neighbours(n).length;
    const sorted = layer.filter((n) => neighbours(n).length).sort((a, b) => barycentre(a) - barycentre(b));
    layer.splice(0, layer.length, ...layer.map((n) => (neighbours(n).length ? sorted.shift()! : n)));
    layer.forEach((n, order) => (n.order = order));
  };
  // Barycentres tie (two edges of one source), and ties can lock a crossing in: neighbours that
  // cross fewer edges the other way round trade places (dot's "transpose"); on alternate sweeps
  // also those that cross as many, which moves a crossing on to where the next sweep undoes it.
  const swap = (layer: LayoutNode[], i: number) => {
    [layer[i], layer[i + 1]] = [layer[i + 1]!, layer[i]!];
    [layer[i]!.order, layer[i + 1]!.order] = [i, i + 1];
  };
  const transpose = (acceptTies: boolean) => {
    for (let improved = true; improved; ) {
      improved = false;
      for (const layer of byLayer) {
        for (let i = 0; i + 1 < layer.length; i++) {
          const before = edgeCrossings(all);
          swap(layer, i);
          const after = edgeCrossings(all);
          if (after < before) improved = true;
          else if (!(acceptTies && after === before && before > 0)) swap(layer, i);
        }
      }
    }
  };
  // Listing order first, then down sweeps by inputs and up sweeps by outputs.
  byLayer.forEach((layer) => layer.forEach((n, order) => (n.order = order)));
  byLayer.slice(1).forEach((layer) => sortBy(layer, (n) => n.inputs));
  let best = { crossings: edgeCrossings(all), orders: all.map((n) => n.order) };
  for (let sweep = 0; sweep < SWEEPS; sweep++) {
    for (const layer of byLayer.slice(0, -1).reverse()) sortBy(layer, (n) => n.outputs);
    for (const layer of byLayer.slice(1)) sortBy(layer, (n) => n.inputs);
    transpose(sweep % 2 === 1);
    const crossings = edgeCrossings(all);
    if (crossings < best.crossings) best = { crossings, orders: all.map((n) => n.order) };
  }
  all.forEach((n, k) => (n.order = best.orders[k]!));
  byLayer.forEach((layer) => layer.sort((a, b) => a.order - b.order));
  return byLayer;
}

/** Waypoints pull harder than stages: a long edge reads best as a straight line. */
const WAYPOINT_WEIGHT = 4;

/** Sets `across` for every node; returns the extent (the widest layer packed tight). */
function placeAcross(byLayer: LayoutNode[][], sizes: LayoutSizes): number {
  const packed = byLayer.filter((layer) => layer.length).map((layer) => {
    // Centre offsets of the layer packed tight, from its first node's centre.
    const offsets = layer.map((_, i) => layer.slice(0, i).reduce((s, n, k) => s + (n.size + layer[k + 1]!.size) / 2 + sizes.gap, 0));
    const width = offsets[offsets.length - 1]! + (layer[0]!.size + layer[layer.length - 1]!.size) / 2;
    return { layer, offsets, width, first: layer[0]!.size / 2 };
  });
  const extent = Math.max(0, ...packed.map((p) => p.width));
  const centre = new Map<string, number>();
  // Start packed and centred; then each layer in turn moves towards its neighbours' mean centre,
  // its first centre kept where the whole layer stays within [0, extent].
  for (const p of packed) p.layer.forEach((n, i) => centre.set(n.id, (extent - p.width) / 2 + p.first + p.offsets[i]!));
  const towards = ({ layer, offsets, width, first }: (typeof packed)[number], neighbours: (n: LayoutNode) => string[]) => {
    const targets = layer.map((n, i) => {
      const ids = neighbours(n);
      return (ids.length ? ids.reduce((s, id) => s + centre.get(id)!, 0) / ids.length : centre.get(n.id)!) - offsets[i]!;
    });
    isotonic(targets, layer.map((n) => (n.stage ? 1 : WAYPOINT_WEIGHT))).forEach((f, i) =>
      centre.set(layer[i]!.id, Math.min(Math.max(f, first), first + extent - width) + offsets[i]!));
  };
  for (let pass = 0; pass < PLACEMENT_PASSES; pass++) {
    for (const p of packed.slice(1)) towards(p, (n) => n.inputs);
    for (const p of packed.slice(0, -1).reverse()) towards(p, (n) => n.outputs);
  }
  for (const p of packed) for (const n of p.layer) n.across = centre.get(n.id)! - n.size / 2;
  return extent;
}

/** Weighted least-squares nondecreasing fit to `values` (pool adjacent violators). */
export function isotonic(values: readonly number[], weights: readonly number[]): number[] {
  const blocks: { mean: number; weight: number; count: number }[] = [];
  values.forEach((v, i) => {
    blocks.push({ mean: v, weight: weights[i]!, count: 1 });
    while (blocks.length > 1 && blocks[blocks.length - 2]!.mean > blocks[blocks.length - 1]!.mean) {
      const b = blocks.pop()!;
      const a = blocks[blocks.length - 1]!;
      a.mean = (a.mean * a.weight + b.mean * b.weight) / (a.weight + b.weight);
      a.weight += b.weight;
      a.count += b.count;
    }
  });
  return blocks.flatMap((b) => new Array<number>(b.count).fill(b.mean));
}
