/**
 * Multi-ellipsoid decomposition of the live points (Feroz, Hobson & Bridges 2009; dynesty).
 *
 * Start from the one ellipsoid enclosing all points. Split the points in two by 2-means (seeded at
 * the major-axis endpoints, coordinates scaled by their standard deviations), fit an ellipsoid to
 * each half, and recurse. A split is kept when it shrinks the total volume by more than an
 * information-criterion penalty: with N points and p = d(d+3)/2 parameters per ellipsoid, k
 * ellipsoids are preferred over k₀ when  log V_k − log V_k₀ < −(k − k₀) · p ln N / N  (the BIC
 * argument of Pelleg & Moore's X-means, halved as in dynesty). A cluster needs ≥ 2d points.
 *
 * When one split does not pay, a deeper one still may (three clumps in a row, a ring); that search
 * is only worth it while an ellipsoid is over twice the prior volume its points are expected to
 * occupy, n·X/N (dynesty 1's `vol_check`), which skips it for the common single-clump case.
 */
import { logAddExp, logSumExp } from '../logmath.ts';
import { fitEllipsoid, type Ellipsoid } from './ellipsoid.ts';

/** An ellipsoid with the number of points it was fitted to. */
export interface FittedEllipsoid {
  ellipsoid: Ellipsoid;
  npoints: number;
}

/**
 * Enclosing ellipsoids of n points (flat n×d) whose union covers every point. `logVolumePerPoint`
 * is ln(X/N), the expected prior volume per live point.
 */
export function decomposeIntoEllipsoids(points: Float64Array, n: number, d: number, logVolumePerPoint: number): FittedEllipsoid[] {
  const all = Int32Array.from({ length: n }, (_, i) => i);
  const context: SplitContext = { points, ...scaledCoordinates(points, n, d), d, logVolumePerPoint };
  return split(context, all, { ellipsoid: fitEllipsoid(points, d, all), npoints: n });
}

interface SplitContext {
  points: Float64Array;
  /** The points divided coordinate-wise by their standard deviations `sd`, for k-means. */
  scaled: Float64Array;
  sd: Float64Array;
  d: number;
  logVolumePerPoint: number;
}

function split(ctx: SplitContext, members: Int32Array, parent: FittedEllipsoid): FittedEllipsoid[] {
  const { d } = ctx;
  const n = members.length;
  const minCluster = 2 * d;
  if (n < 2 * minCluster) return [parent];
  const labels = twoMeans(ctx, members, parent.ellipsoid.majorAxisEndpoints());
  let n0 = 0;
  for (let i = 0; i < n; i++) if (labels[i] === 0) n0++;
  if (n0 < minCluster || n - n0 < minCluster) return [parent];

  const halves = [new Int32Array(n0), new Int32Array(n - n0)];
  const filled = [0, 0];
  for (let i = 0; i < n; i++) halves[labels[i]][filled[labels[i]]++] = members[i];
  const children = halves.map((h) => ({ ellipsoid: fitEllipsoid(ctx.points, d, h), npoints: h.length }));
  const penalty = ((d * (d + 3)) / 2) * (Math.log(n) / n);
  const parentLogVolume = parent.ellipsoid.logVolume;
  const splitLogVolume = logAddExp(children[0].ellipsoid.logVolume, children[1].ellipsoid.logVolume);

  if (splitLogVolume - parentLogVolume < -penalty) return [...split(ctx, halves[0], children[0]), ...split(ctx, halves[1], children[1])];
  if (parentLogVolume < Math.LN2 + Math.log(n) + ctx.logVolumePerPoint) return [parent];
  const descendants = [...split(ctx, halves[0], children[0]), ...split(ctx, halves[1], children[1])];
  const deepLogVolume = logSumExp(descendants.map((e) => e.ellipsoid.logVolume));
  if (deepLogVolume - parentLogVolume < -penalty * (descendants.length - 1)) return descendants;
  return [parent];
}

function scaledCoordinates(points: Float64Array, n: number, d: number): { scaled: Float64Array; sd: Float64Array } {
  const mean = new Float64Array(d);
  const sd = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) mean[k] += points[i * d + k];
  for (let k = 0; k < d; k++) mean[k] /= n;
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < d; k++) {
      const dv = points[i * d + k] - mean[k];
      sd[k] += dv * dv;
    }
  }
  for (let k = 0; k < d; k++) sd[k] = Math.sqrt(sd[k] / n) || 1;
  const scaled = new Float64Array(n * d);
  for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) scaled[i * d + k] = points[i * d + k] / sd[k];
  return { scaled, sd };
}

/** Lloyd's algorithm with k = 2 from the given (unscaled) starting centres, at most 10 rounds. */
function twoMeans(ctx: SplitContext, members: Int32Array, starts: [Float64Array, Float64Array]): Uint8Array {
  const { d, scaled, sd } = ctx;
  const n = members.length;
  const c0 = starts[0].map((v, k) => v / sd[k]);
  const c1 = starts[1].map((v, k) => v / sd[k]);
  const labels = new Uint8Array(n);
  for (let round = 0; round < 10; round++) {
    let changed = round === 0;
    for (let i = 0; i < n; i++) {
      const base = members[i] * d;
      let d0 = 0;
      let d1 = 0;
      for (let k = 0; k < d; k++) {
        const x = scaled[base + k];
        d0 += (x - c0[k]) * (x - c0[k]);
        d1 += (x - c1[k]) * (x - c1[k]);
      }
      const label = d1 < d0 ? 1 : 0;
      if (label !== labels[i]) {
        labels[i] = label;
        changed = true;
      }
    }
    if (!changed) break;
    let count0 = 0;
    c0.fill(0);
    c1.fill(0);
    for (let i = 0; i < n; i++) {
      const c = labels[i] === 0 ? c0 : c1;
      if (labels[i] === 0) count0++;
      const base = members[i] * d;
      for (let k = 0; k < d; k++) c[k] += scaled[base + k];
    }
    if (count0 === 0 || count0 === n) break;
    for (let k = 0; k < d; k++) {
      c0[k] /= count0;
      c1[k] /= n - count0;
    }
  }
  return labels;
}
