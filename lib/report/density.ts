/**
 * Plot-ready densities from weighted posterior draws: smooth 1-D marginals, 2-D credible contours
 * (the 68 % and 95 % highest-density regions) and deterministic scatter subsamples.
 */
import { Rng } from '../random.ts';
import {
  convolveGaussian,
  kdeOnGrid,
  kishEss,
  normalizedWeights,
  resampleIndices,
  silvermanBandwidth,
  weightedQuantiles,
  weightedSd,
  type WeightedSample,
} from '../stats/index.ts';

export type Domain = [number, number];

/** Plot range covering every sample set's central 99.8 % (and any extra points), padded by 5 %. */
export function plotDomain(samples: readonly WeightedSample[], extra: readonly number[] = []): Domain {
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of samples) {
    const [q0, q1] = weightedQuantiles(s, [0.001, 0.999]);
    lo = Math.min(lo, q0);
    hi = Math.max(hi, q1);
  }
  for (const x of extra) {
    lo = Math.min(lo, x);
    hi = Math.max(hi, x);
  }
  if (!(hi > lo)) return [lo - 0.5, hi + 0.5];
  const pad = 0.05 * (hi - lo);
  return [lo - pad, hi + pad];
}

/**
 * Weighted Gaussian KDE (Silverman bandwidth) sampled at `points` abscissae across the domain,
 * computed on a grid fine enough for the bandwidth and then thinned.
 */
export function density1d(sample: WeightedSample, domain: Domain, points = 161): { x: number[]; y: number[] } {
  const h = silvermanBandwidth(sample);
  const width = domain[1] - domain[0];
  const thin = Math.max(1, Math.min(20, Math.ceil((8 * width) / (h * (points - 1)))));
  const size = (points - 1) * thin + 1;
  const density = kdeOnGrid(sample, { lo: domain[0], step: width / (size - 1), size }, h);
  const x: number[] = [];
  const y: number[] = [];
  for (let k = 0; k < points; k++) {
    x.push(domain[0] + (width * k) / (points - 1));
    y.push(density[k * thin]);
  }
  return { x, y };
}

export interface ContourLine {
  /** Credible mass enclosed, e.g. 0.68. */
  mass: number;
  x: number[];
  y: number[];
}

const GRID = 48;

/**
 * Contours enclosing `masses` of a weighted 2-D sample: a histogram on a GRID² lattice, smoothed by
 * a Gaussian of Scott's bandwidth σ·ESS^{−1/6} per axis, cut at the density levels whose
 * super-level sets hold each mass (highest-density regions), traced by marching squares.
 */
export function credibleContours(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  weights: ArrayLike<number> | undefined,
  domainX: Domain,
  domainY: Domain,
  masses: readonly number[] = [0.68, 0.95],
): ContourLine[] {
  const n = x.length;
  const w = normalizedWeights(n, weights);
  // One empty cell around the lattice keeps every contour closed.
  const size = GRID + 2;
  const dx = (domainX[1] - domainX[0]) / GRID;
  const dy = (domainY[1] - domainY[0]) / GRID;
  let grid: Float64Array = new Float64Array(size * size);
  for (let i = 0; i < n; i++) {
    const cx = Math.floor((x[i] - domainX[0]) / dx);
    const cy = Math.floor((y[i] - domainY[0]) / dy);
    if (cx >= 0 && cx < GRID && cy >= 0 && cy < GRID) grid[(cy + 1) * size + cx + 1] += w[i];
  }
  const ess = Math.max(2, kishEss(weights, n));
  const sigmaX = clamp((weightedSd({ values: x, weights }) * ess ** (-1 / 6)) / dx, 0.7, 4);
  const sigmaY = clamp((weightedSd({ values: y, weights }) * ess ** (-1 / 6)) / dy, 0.7, 4);
  grid = smoothRows(grid, size, sigmaX);
  grid = transpose(smoothRows(transpose(grid, size), size, sigmaY), size);
  const lines: ContourLine[] = [];
  for (const [mass, level] of masses.map((m) => [m, massLevel(grid, m)] as const)) {
    for (const line of marchingSquares(grid, size, level)) {
      lines.push({
        mass,
        x: line.map(([gx]) => domainX[0] + (gx - 0.5) * dx),
        y: line.map(([, gy]) => domainY[0] + (gy - 0.5) * dy),
      });
    }
  }
  return lines;
}

/** The density level t with Σ_{cells ≥ t} mass = `mass` × total. */
export function massLevel(grid: Float64Array, mass: number): number {
  const sorted = Float64Array.from(grid).sort().reverse();
  const total = sorted.reduce((s, v) => s + v, 0);
  let cumulative = 0;
  for (const v of sorted) {
    cumulative += v;
    if (cumulative >= mass * total) return v;
  }
  return sorted[sorted.length - 1];
}

type Point = [number, number];

/**
 * Iso-lines of a size×size lattice (values at integer points) at `level`, as polylines in lattice
 * coordinates. Saddles are resolved by the cell-centre average; segments are chained through the
 * lattice edges they share.
 */
export function marchingSquares(grid: Float64Array, size: number, level: number): Point[][] {
  const points = new Map<string, Point>();
  const segments: [string, string][] = [];
  const at = (ix: number, iy: number) => grid[iy * size + ix];
  // Edge keys name the crossing point on a lattice edge, shared by the two cells either side.
  const crossing = (ax: number, ay: number, bx: number, by: number): string => {
    const key = `${ax},${ay},${bx},${by}`;
    if (!points.has(key)) {
      const va = at(ax, ay);
      const vb = at(bx, by);
      const t = vb === va ? 0.5 : (level - va) / (vb - va);
      points.set(key, [ax + t * (bx - ax), ay + t * (by - ay)]);
    }
    return key;
  };
  for (let iy = 0; iy + 1 < size; iy++) {
    for (let ix = 0; ix + 1 < size; ix++) {
      const [a, b, c, d] = [at(ix, iy), at(ix + 1, iy), at(ix + 1, iy + 1), at(ix, iy + 1)];
      const code = (a >= level ? 1 : 0) | (b >= level ? 2 : 0) | (c >= level ? 4 : 0) | (d >= level ? 8 : 0);
      if (code === 0 || code === 15) continue;
      const bottom = () => crossing(ix, iy, ix + 1, iy);
      const right = () => crossing(ix + 1, iy, ix + 1, iy + 1);
      const top = () => crossing(ix, iy + 1, ix + 1, iy + 1);
      const left = () => crossing(ix, iy, ix, iy + 1);
      const centreInside = (a + b + c + d) / 4 >= level;
      const add = (p: string, q: string) => segments.push([p, q]);
      switch (code) {
        case 1: case 14: add(left(), bottom()); break;
        case 2: case 13: add(bottom(), right()); break;
        case 3: case 12: add(left(), right()); break;
        case 4: case 11: add(right(), top()); break;
        case 6: case 9: add(bottom(), top()); break;
        case 7: case 8: add(left(), top()); break;
        case 5: // a and c above
          if (centreInside) { add(bottom(), right()); add(left(), top()); } else { add(left(), bottom()); add(right(), top()); }
          break;
        case 10: // b and d above
          if (centreInside) { add(left(), bottom()); add(right(), top()); } else { add(bottom(), right()); add(left(), top()); }
          break;
      }
    }
  }
  return chain(segments).map((keys) => keys.map((k) => points.get(k)!));
}

/** Joins segments that share an endpoint into maximal polylines (closed ones repeat their start). */
function chain(segments: [string, string][]): string[][] {
  const byPoint = new Map<string, number[]>();
  segments.forEach(([p, q], s) => {
    for (const k of [p, q]) byPoint.set(k, [...(byPoint.get(k) ?? []), s]);
  });
  const used = new Uint8Array(segments.length);
  const walk = (from: string, line: string[]) => {
    let current = from;
    for (;;) {
      const next = (byPoint.get(current) ?? []).find((s) => !used[s]);
      if (next === undefined) return;
      used[next] = 1;
      const [p, q] = segments[next];
      current = p === current ? q : p;
      line.push(current);
    }
  };
  const lines: string[][] = [];
  for (let s = 0; s < segments.length; s++) {
    if (used[s]) continue;
    used[s] = 1;
    const forward = [...segments[s]];
    walk(forward[1], forward);
    const backward: string[] = [];
    walk(forward[0], backward);
    lines.push([...backward.reverse(), ...forward]);
  }
  return lines;
}

/**
 * At most `max` equal-weight draws for scatter plots: all rows when unweighted and few enough,
 * otherwise a systematic resample fixed by `seed`, so a report renders identically every time.
 */
export function scatterIndices(n: number, weights: ArrayLike<number> | undefined, max: number, seed: number): Uint32Array {
  if (!weights && n <= max) return Uint32Array.from({ length: n }, (_, i) => i);
  const count = Math.min(max, weights ? Math.max(1, Math.floor(kishEss(weights))) : n);
  return resampleIndices(n, weights, count, Rng.fromSeed(seed));
}

function smoothRows(grid: Float64Array, size: number, sigma: number): Float64Array {
  const out = new Float64Array(grid.length);
  for (let r = 0; r < size; r++) out.set(convolveGaussian(grid.subarray(r * size, (r + 1) * size), sigma, 1 / sigma), r * size);
  return out;
}

function transpose(grid: Float64Array, size: number): Float64Array {
  const out = new Float64Array(grid.length);
  for (let r = 0; r < size; r++) for (let c = 0; c < size; c++) out[c * size + r] = grid[r * size + c];
  return out;
}

function clamp(v: number, lo: number, hi: number): number {
  return Number.isFinite(v) ? Math.min(hi, Math.max(lo, v)) : lo;
}
