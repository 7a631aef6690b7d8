/**
 * Bounding regions in the unit cube: the cube itself, or a union of ellipsoids fitted to the live
 * points. The sampler only ever needs uniform draws from (region ∩ cube) and, for slice proposals,
 * a local metric (the ellipsoid around a point).
 */
import type { Rng } from '../../random.ts';
import { logSumExp } from '../logmath.ts';
import { decomposeIntoEllipsoids } from './decompose.ts';
import { Ellipsoid, fitEllipsoid, type EllipsoidJson } from './ellipsoid.ts';
import { RankNetwork, type RankNetworkJson } from './rank-network.ts';

export type BoundKind = 'none' | 'single' | 'multi';
export type BoundJson =
  | { kind: 'cube' }
  | { kind: 'ellipsoids'; ellipsoids: EllipsoidJson[] }
  | { kind: 'learned'; ellipsoids: EllipsoidJson[]; network: RankNetworkJson; threshold: number };

export interface Bound {
  /** log of the region's volume (for ellipsoids: the sum of their volumes, overlaps counted twice). */
  readonly logVolume: number;
  /** Number of ellipsoids (0 for the cube). */
  readonly size: number;
  /** Writes a point uniform in (region ∩ unit cube) into `out`. */
  sampleInto(rng: Rng, out: Float64Array): Float64Array;
  /** The ellipsoid that describes the neighbourhood of x, for whitening; null for the cube. */
  ellipsoidAround(x: ArrayLike<number>, rng: Rng): Ellipsoid | null;
  toJson(): BoundJson;
}

export function insideUnitCube(x: ArrayLike<number>): boolean {
  for (let k = 0; k < x.length; k++) if (!(x[k] >= 0 && x[k] <= 1)) return false;
  return true;
}

export class UnitCube implements Bound {
  readonly logVolume = 0;
  readonly size = 0;
  constructor(readonly dim: number) {}

  sampleInto(rng: Rng, out: Float64Array): Float64Array {
    for (let k = 0; k < this.dim; k++) out[k] = rng.uniform();
    return out;
  }

  ellipsoidAround(): null {
    return null;
  }

  toJson(): BoundJson {
    return { kind: 'cube' };
  }
}

/**
 * Uniform sampling from a union of possibly overlapping ellipsoids: pick ellipsoid i with
 * probability Vᵢ / Σ V, draw x uniformly inside it, and accept with probability 1/q(x), q being
 * the number of ellipsoids that contain x — each point of the union then has equal density.
 * When Σ V exceeds the cube's volume, drawing from the cube and keeping points inside the union
 * is cheaper and gives the same distribution.
 */
export class EllipsoidUnion implements Bound {
  readonly logVolume: number;
  readonly size: number;
  private readonly cumulative: Float64Array;

  constructor(
    readonly dim: number,
    readonly ellipsoids: Ellipsoid[],
  ) {
    this.logVolume = logSumExp(ellipsoids.map((e) => e.logVolume));
    this.size = ellipsoids.length;
    this.cumulative = new Float64Array(ellipsoids.length);
    let acc = 0;
    ellipsoids.forEach((e, i) => {
      acc += Math.exp(e.logVolume - this.logVolume);
      this.cumulative[i] = acc;
    });
  }

  sampleInto(rng: Rng, out: Float64Array): Float64Array {
    if (this.logVolume >= 0) {
      for (;;) {
        for (let k = 0; k < this.dim; k++) out[k] = rng.uniform();
        if (this.countContaining(out) > 0) return out;
      }
    }
    for (;;) {
      const chosen = this.pickByVolume(rng);
      this.ellipsoids[chosen].sampleInto(rng, out);
      if (!insideUnitCube(out)) continue;
      const q = this.ellipsoids.length === 1 ? 1 : this.countContaining(out);
      if (q <= 1 || rng.uniform() * q < 1) return out;
    }
  }

  ellipsoidAround(x: ArrayLike<number>, rng: Rng): Ellipsoid {
    if (this.ellipsoids.length === 1) return this.ellipsoids[0];
    const containing = this.ellipsoids.filter((e) => e.contains(x));
    if (containing.length === 0) return this.ellipsoids[this.pickByVolume(rng)];
    return containing.length === 1 ? containing[0] : containing[rng.int(containing.length)];
  }

  /**
   * Monte Carlo tally for the volume of (union ∩ unit cube) from `draws` points: pick ellipsoid i
   * with probability Vᵢ/ΣV and draw x uniformly inside it; then t = 1[x ∈ cube]/q(x) has
   * E[t] = V(union ∩ cube)/ΣV, q(x) being the number of ellipsoids containing x (each point of the
   * union is counted once overall). Every t is 1 — the estimate exact — while the ellipsoids
   * neither overlap nor leave the cube. Points failing `keep` count 0 (a learned bound's filter).
   */
  tallyVolumeInCube(rng: Rng, draws: number, keep: (x: Float64Array) => boolean = () => true): VolumeTally {
    const x = new Float64Array(this.dim);
    let sum = 0;
    let sumSquares = 0;
    for (let i = 0; i < draws; i++) {
      this.ellipsoids[this.pickByVolume(rng)].sampleInto(rng, x);
      if (!insideUnitCube(x) || !keep(x)) continue;
      const t = 1 / Math.max(this.countContaining(x), 1);
      sum += t;
      sumSquares += t * t;
    }
    return { draws, sum, sumSquares };
  }

  private countContaining(x: Float64Array): number {
    let q = 0;
    for (const e of this.ellipsoids) if (e.contains(x)) q++;
    return q;
  }

  private pickByVolume(rng: Rng): number {
    const u = rng.uniform();
    const c = this.cumulative;
    for (let i = 0; i < c.length - 1; i++) if (u < c[i]) return i;
    return c.length - 1;
  }

  toJson(): BoundJson {
    return { kind: 'ellipsoids', ellipsoids: this.ellipsoids.map((e) => e.toJson()) };
  }
}

/** Draws from the union tried for one draw of a learned bound before giving up on its filter. */
const MAX_FILTER_TRIES = 1_000_000;

/**
 * A learned bound (nautilus, Lange 2023): the ellipsoid union ∩ {u : score(u) > threshold}, with a
 * network trained to rank points by ln L and the threshold set from the live points so that nearly
 * all of them pass. It can cut off a sliver of the contour, so the sampler uses it only for
 * importance nested sampling, where that costs variance, not bias (options.learnedBound).
 */
export class LearnedBound implements Bound {
  readonly logVolume: number;
  readonly size: number;

  constructor(
    readonly union: EllipsoidUnion,
    readonly network: RankNetwork,
    readonly threshold: number,
  ) {
    this.logVolume = union.logVolume;
    this.size = union.size;
  }

  passes(u: ArrayLike<number>, offset = 0): boolean {
    return this.network.score(u, offset) > this.threshold;
  }

  sampleInto(rng: Rng, out: Float64Array): Float64Array {
    for (let tries = 0; tries < MAX_FILTER_TRIES; tries++) {
      this.union.sampleInto(rng, out);
      if (this.passes(out)) return out;
    }
    throw new Error(`learned bound: no draw from the ellipsoids passed its network in ${MAX_FILTER_TRIES} tries`);
  }

  ellipsoidAround(x: ArrayLike<number>, rng: Rng): Ellipsoid {
    return this.union.ellipsoidAround(x, rng);
  }

  tallyVolumeInCube(rng: Rng, draws: number): VolumeTally {
    return this.union.tallyVolumeInCube(rng, draws, (x) => this.passes(x));
  }

  toJson(): BoundJson {
    return { kind: 'learned', ellipsoids: this.union.ellipsoids.map((e) => e.toJson()), network: this.network.json, threshold: this.threshold };
  }
}

/** Σt and Σt² over `draws` Monte Carlo draws (EllipsoidUnion.tallyVolumeInCube); tallies of one bound add. */
export interface VolumeTally {
  draws: number;
  sum: number;
  sumSquares: number;
}

/**
 * Volume factor for an ellipsoid fitted to n points in d dimensions, when none is given:
 * ln f = max(ln 1.25, 4.5·d^{3/2}/n).
 *
 * An ellipsoid that just encloses n points drawn uniformly from a region misses part of it: its
 * shape comes from a covariance estimated from n points and its size from the outermost one. We
 * measured the enlargement that brings the missed fraction to 1e-3 (uniform balls and orthants,
 * d = 2…20, n = 15…500): ln f grows like d^{3/2}/n, with 4.5 fitting the balls. A fixed 1.25 (dynesty's
 * default) is right for hundreds of points in a few dimensions but starves small clusters — in the
 * eggbox the modes at the prior's edges then lose their points and their mass.
 */
export function autoEnlargement(d: number, n: number): number {
  return Math.exp(Math.max(Math.log(1.25), (4.5 * Math.pow(d, 1.5)) / n));
}

/**
 * The bound around the live points (flat, n×d in the unit cube) whose expected prior volume is
 * e^logVolume: one enclosing ellipsoid or a
 * multi-ellipsoid decomposition, each ellipsoid's volume multiplied by `enlarge` (a fixed factor
 * ≥ 1, or 'auto' for autoEnlargement of its own point count) as a margin for the parts of the
 * likelihood contour that no live point happens to mark.
 */
export function buildBound(kind: BoundKind, points: Float64Array, d: number, logVolume: number, enlarge: number | 'auto'): Bound {
  if (kind === 'none') return new UnitCube(d);
  const n = points.length / d;
  const fitted = kind === 'single' ? [{ ellipsoid: fitEllipsoid(points, d), npoints: n }] : decomposeIntoEllipsoids(points, n, d, logVolume - Math.log(n));
  return new EllipsoidUnion(
    d,
    fitted.map(({ ellipsoid, npoints }) => ellipsoid.enlarged(enlarge === 'auto' ? autoEnlargement(d, npoints) : enlarge)),
  );
}

export function boundFromJson(json: BoundJson, d: number): Bound {
  if (json.kind === 'cube') return new UnitCube(d);
  const union = new EllipsoidUnion(d, json.ellipsoids.map(Ellipsoid.fromJson));
  return json.kind === 'learned' ? new LearnedBound(union, new RankNetwork(json.network), json.threshold) : union;
}
