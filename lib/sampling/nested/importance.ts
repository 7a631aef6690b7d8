/**
 * Importance nested sampling (Feroz, Hobson, Cameron & Pettitt 2019, "INS"): every point the run
 * evaluated — the replacements and the many candidates that fell below the contour — counts towards
 * ln Z and the posterior, not only the dead points.
 *
 * With uniform proposals, each candidate was drawn uniformly from one bound Bₖ (a union of
 * ellipsoids ∩ unit cube, or the cube itself for the first live points). All draws together are a
 * sample of the deterministic mixture  Q(u) = Σₖ nₖ·1[u ∈ Bₖ]/Vₖ / N  (nₖ draws from Bₖ, N in all),
 * so with the unit-cube prior density
 *
 *   Ẑ = (1/N) Σⱼ L(uⱼ)/Q(uⱼ),   posterior weights ∝ L(uⱼ)/Q(uⱼ).
 *
 * Q > 0 on the whole cube (B₀ is the cube), so Ẑ is consistent however badly a later bound misses
 * part of a contour — the bias that plain nested sampling takes from a bound that is too tight
 * becomes variance here. σ(ln Z) is the stratified standard error (DrawLog.strata);
 * bench/nested-sampling.ts checks its calibration over seeds instead of assuming it.
 *
 * Vₖ, the volume of (ellipsoid union ∩ cube), has no closed form when ellipsoids overlap or poke out
 * of the cube; it is estimated once per bound by Monte Carlo from a stream of its own (seeded from
 * the run's seed and k), so recording the draws never changes the run itself.
 */
import { Rng } from '../../random.ts';
import { decodeFloat, decodeFloats, encodeFloats, type JsonFloat } from '../json-floats.ts';
import { GrowableFloat64 } from '../growable.ts';
import { logSumExp } from '../logmath.ts';
import { boundFromJson, EllipsoidUnion, UnitCube, type Bound, type BoundJson } from './bound.ts';

/**
 * Monte Carlo draws per bound for its volume: exact while its ellipsoids neither overlap nor leave the
 * cube (every draw then counts 1), else a relative error ≲ 1/√4096 ≈ 1.6%.
 */
const VOLUME_DRAWS = 4096;
/**
 * The oldest bounds are skipped for a point once all of them together add less than this fraction
 * of its Q(u): Q is then low by < 1e-5 of itself, so ln Z is high by < 1e-5 at most (errors are
 * ~1e-2); most points then need the newest ~60–100 bounds, not every one.
 */
const NEGLIGIBLE = 1e-5;

export interface DrawLogJson {
  bounds: BoundJson[];
  logVolumes: JsonFloat[];
  counts: number[];
  u: JsonFloat[];
  theta: JsonFloat[];
  logL: JsonFloat[];
  boundIndex: number[];
}

export interface ImportanceEvidence {
  logZ: number;
  logZerr: number;
  /** ln of each point's posterior weight L/(N·Q), summing to Ẑ (−∞ where L = 0). */
  logWeights: Float64Array;
  /** Kish effective sample size of those weights. */
  ess: number;
  /** Per bound opened: how its draws share the posterior and the variance (DrawLog.strata). */
  strata: Stratum[];
}

export interface Stratum {
  /** Draws from this bound. */
  count: number;
  /** Σ of their normalised weights: this bound's share of the posterior. */
  share: number;
  sumSquares: number;
  /** Its part of Var(Ẑ)/Ẑ². */
  variance: number;
}

/** Every evaluated point with the bound it was drawn from, and each bound's draw count and volume. */
export class DrawLog {
  private readonly bounds: Bound[] = [];
  private readonly logVolumes: number[] = [];
  private readonly counts: number[] = [];
  readonly u = new GrowableFloat64();
  readonly theta = new GrowableFloat64();
  readonly logL = new GrowableFloat64();
  private readonly boundIndex = new GrowableFloat64();
  private cached: { size: number; evidence: ImportanceEvidence } | null = null;

  constructor(
    private readonly d: number,
    private readonly seed: number,
  ) {}

  get size(): number {
    return this.logL.length;
  }

  /** Registers the bound the next draws come from (the cube first, then each rebuilt bound). */
  openBound(bound: Bound): void {
    const k = this.bounds.length;
    this.bounds.push(bound);
    this.counts.push(0);
    this.logVolumes.push(estimateLogVolume(bound, Rng.fromSeed(this.seed).fork(0x1a5 + k)));
  }

  /** The k-th bound opened (0: the cube). */
  bound(k: number): Bound {
    return this.bounds[k];
  }

  /** Records a point drawn from bound k (default: the most recently opened one). */
  record(u: Float64Array, theta: ArrayLike<number>, logL: number, k = this.bounds.length - 1): void {
    if (k < 0 || k >= this.bounds.length) throw new Error(`DrawLog.record: no bound ${k}`);
    this.u.append(u);
    this.theta.append(theta);
    this.logL.push(logL);
    this.boundIndex.push(k);
    this.counts[k]++;
  }

  /** Ẑ, its error, and every point's log-weight (see the module comment); recomputed only after new draws. */
  evidence(): ImportanceEvidence {
    if (this.cached?.size === this.size) return this.cached.evidence;
    const n = this.size;
    // Σⱼ L/(N·Q) = (1/N) Σⱼ L/Q = Ẑ directly.
    const logNQ = this.logMixtureDensities();
    const logWeights = new Float64Array(n);
    const logL = this.logL.view();
    for (let j = 0; j < n; j++) logWeights[j] = logL[j] === -Infinity ? -Infinity : logL[j] - logNQ[j];
    const logSum = logSumExp(logWeights);
    const strata = this.strata(logWeights, logSum);
    let variance = 0;
    let sumSquares = 0;
    strata.forEach((s) => {
      variance += s.variance;
      sumSquares += s.sumSquares;
    });
    const evidence = { logZ: logSum, logZerr: Math.sqrt(Math.max(variance, 0)), logWeights, ess: sumSquares > 0 ? 1 / sumSquares : 0, strata };
    this.cached = { size: n, evidence };
    return evidence;
  }

  /**
   * Per bound k (stratum: the nₖ draws from it), with pⱼ the normalised weights: Σp (its share of
   * the posterior), Σp², and its share of Var(Ẑ)/Ẑ². The draws from one bound are a fixed-size sample
   * of qₖ, so Var Ẑ = Σₖ nₖ·Var_{qₖ}(weight) — within-stratum scatter only. Pooling all weights as
   * one i.i.d. sample (√(1/ESS − 1/N)) would also count the scatter between bounds and overstate the
   * error about twofold (z-scores with sd ≈ 0.5 over seeds). A bound with a single draw contributes
   * that draw's p².
   */
  private strata(logWeights: Float64Array, logSum: number): Stratum[] {
    const strata = this.counts.map((count) => ({ count, share: 0, sumSquares: 0, variance: 0 }));
    const boundIndex = this.boundIndex.view();
    logWeights.forEach((w, j) => {
      const p = Math.exp(w - logSum);
      const s = strata[boundIndex[j]];
      s.share += p;
      s.sumSquares += p * p;
    });
    for (const s of strata) {
      const n = s.count;
      // nₖ · (unbiased sample variance of the weights in stratum k)
      if (n > 0) s.variance = n < 2 ? s.sumSquares : Math.max((n / (n - 1)) * (s.sumSquares - (s.share * s.share) / n), 0);
    }
    return strata;
  }

  /**
   * ln(N·Q(uⱼ)) = ln Σₖ nₖ 1[uⱼ ∈ Bₖ]/Vₖ for every point. Later bounds are smaller, so their terms
   * dominate: walk from the newest bound back and stop once everything older adds less than
   * NEGLIGIBLE of the sum so far (the older terms' total is a running prefix sum).
   */
  private logMixtureDensities(): Float64Array {
    const K = this.bounds.length;
    const d = this.d;
    const density = this.counts.map((c, k) => c * Math.exp(-(this.logVolumes[k] - this.logVolumes[K - 1])));
    const olderTotal = new Float64Array(K + 1); // olderTotal[k] = Σ_{i<k} density[i]
    for (let k = 0; k < K; k++) olderTotal[k + 1] = olderTotal[k] + density[k];
    const regions = this.bounds.map(flatRegion);
    const u = this.u.view();
    const out = new Float64Array(this.size);
    for (let j = 0; j < out.length; j++) {
      const offset = j * d;
      let sum = 0;
      for (let k = K - 1; k >= 0; k--) {
        if (sum > 0 && olderTotal[k + 1] < NEGLIGIBLE * sum) break;
        if (density[k] > 0 && inRegion(regions[k], u, offset, d)) sum += density[k];
      }
      // Every point lies in the bound it was drawn from, so sum > 0.
      out[j] = Math.log(sum) - this.logVolumes[K - 1];
    }
    return out;
  }

  toJson(): DrawLogJson {
    return {
      bounds: this.bounds.map((b) => b.toJson()),
      logVolumes: encodeFloats(this.logVolumes),
      counts: [...this.counts],
      u: encodeFloats(this.u.view()),
      theta: encodeFloats(this.theta.view()),
      logL: encodeFloats(this.logL.view()),
      boundIndex: Array.from(this.boundIndex.view()),
    };
  }

  static fromJson(json: DrawLogJson, d: number, seed: number): DrawLog {
    const log = new DrawLog(d, seed);
    json.bounds.forEach((b, k) => {
      log.bounds.push(boundFromJson(b, d));
      log.logVolumes.push(decodeFloat(json.logVolumes[k]));
      log.counts.push(json.counts[k]);
    });
    log.u.append(decodeFloats(json.u));
    log.theta.append(decodeFloats(json.theta));
    log.logL.append(decodeFloats(json.logL));
    log.boundIndex.append(json.boundIndex);
    return log;
  }
}

/**
 * Dynamic allocation (the role of dynesty's dynamic batches, Higson et al. 2019, here for importance
 * runs): how `batch` more draws are shared among the bounds of a finished run — in proportion to
 * each bound's share of the posterior weight. That moves the mixture Q towards the posterior, the
 * proposal that minimises the variance of Ẑ, and raises the ESS where the mass is. (Neyman allocation
 * by each stratum's weight scatter was tried and needed 3–6× more calls for the same σ(ln Z) on the
 * 2-D Gaussian: the scatter is largest in the wide early bounds, where draws rarely land in the mass.)
 * Counts are rounded by largest remainder so they sum to `batch`.
 */
export function refinementAllocation(strata: readonly Stratum[], batch: number): number[] {
  const total = strata.reduce((a, s) => a + s.share, 0);
  if (!(total > 0)) return strata.map(() => 0);
  const exact = strata.map((s) => (s.share / total) * batch);
  const counts = exact.map(Math.floor);
  let left = batch - counts.reduce((a, b) => a + b, 0);
  const order = exact.map((v, k) => [v - Math.floor(v), k]).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let i = 0; left > 0; i++, left--) counts[order[i % order.length][1]]++;
  return counts;
}

/** ln volume of (bound ∩ unit cube): 0 for the cube, a Monte Carlo estimate for an ellipsoid union. */
export function estimateLogVolume(bound: Bound, rng: Rng): number {
  if (bound instanceof UnitCube) return 0;
  if (!(bound instanceof EllipsoidUnion)) throw new Error('importance nested sampling needs a cube or ellipsoid bound');
  return bound.logVolumeInCube(rng, VOLUME_DRAWS);
}

/** A bound's ellipsoids as flat arrays (none: the cube), for the membership loop above. */
interface FlatRegion {
  count: number;
  centres: Float64Array;
  chols: Float64Array;
  /** ‖L‖²_F per ellipsoid: a sphere of this squared radius around the centre holds the ellipsoid. */
  radius2: Float64Array;
}

function flatRegion(bound: Bound): FlatRegion | null {
  if (bound instanceof UnitCube) return null;
  const ellipsoids = (bound as EllipsoidUnion).ellipsoids;
  const d = ellipsoids[0].dim;
  const region = {
    count: ellipsoids.length,
    centres: new Float64Array(ellipsoids.length * d),
    chols: new Float64Array(ellipsoids.length * d * d),
    radius2: new Float64Array(ellipsoids.length),
  };
  ellipsoids.forEach((e, i) => {
    region.centres.set(e.centre, i * d);
    region.chols.set(e.chol, i * d * d);
    region.radius2[i] = e.chol.reduce((s, v) => s + v * v, 0);
  });
  return region;
}

const scratch = { y: new Float64Array(64) };

/**
 * Whether u (at offset) lies in the region. Most tests of a point against a late, small bound fail
 * far from it, so each ellipsoid is screened first by its enclosing sphere (d operations), and the
 * whitened distance |L⁻¹(u − c)|² — a sum of squares built one coordinate at a time — stops as
 * soon as it passes 1.
 */
function inRegion(region: FlatRegion | null, u: Float64Array, offset: number, d: number): boolean {
  if (region === null) return true;
  if (scratch.y.length < d) scratch.y = new Float64Array(d);
  const y = scratch.y;
  const { centres, chols, radius2 } = region;
  outer: for (let e = 0; e < region.count; e++) {
    const c = e * d;
    let r2 = 0;
    for (let k = 0; k < d; k++) {
      const delta = u[offset + k] - centres[c + k];
      r2 += delta * delta;
    }
    if (r2 > radius2[e]) continue;
    const l = e * d * d;
    let dist2 = 0;
    for (let i = 0; i < d; i++) {
      let t = u[offset + i] - centres[c + i];
      for (let k = 0; k < i; k++) t -= chols[l + i * d + k] * y[k];
      const yi = t / chols[l + i * d + i];
      y[i] = yi;
      dist2 += yi * yi;
      if (dist2 > 1) continue outer;
    }
    return true;
  }
  return false;
}
