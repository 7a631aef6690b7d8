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
 * becomes variance here.
 *
 * Vₖ, the volume of (ellipsoid union ∩ cube), has no closed form when ellipsoids overlap or poke out
 * of the cube; it is estimated by Monte Carlo from streams of its own (seeded from the run's seed and
 * k), so recording the draws never changes the run itself.
 *
 * Var(ln Ẑ) has two parts: the stratified sampling variance of the weights (DrawLog.strata), and
 * the Monte Carlo error of the volumes, Σₖ gₖ² Var(ln V̂ₖ) with gₖ = ∂ln Ẑ/∂ln Vₖ = Σⱼ pⱼ·(bound k's
 * share of Q(uⱼ)). The second does not fall with more draws of the likelihood; sharpenVolumes adds
 * volume draws where it weighs. bench/nested-sampling.ts checks the calibration over seeds instead
 * of assuming it.
 */
import { Rng } from '../../random.ts';
import { decodeFloats, encodeFloats, type JsonFloat } from '../json-floats.ts';
import { GrowableFloat64 } from '../growable.ts';
import { logSumExp } from '../logmath.ts';
import { boundFromJson, EllipsoidUnion, LearnedBound, UnitCube, type Bound, type BoundJson, type VolumeTally } from './bound.ts';
import type { RankNetwork } from './rank-network.ts';

/**
 * Monte Carlo draws per bound for its volume when it opens: exact while its ellipsoids neither
 * overlap nor leave the cube (every draw then counts 1), else a relative error ≲ 1/√4096 ≈ 1.6%.
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
  /** Each bound's volume tally (null: the cube); absent in checkpoints written before tallies. */
  volumes?: (VolumeTally | null)[];
  counts: number[];
  u: JsonFloat[];
  theta: JsonFloat[];
  logL: JsonFloat[];
  boundIndex: number[];
  /** Runs that discard their exploration: where the fresh draws begin (DrawLog.startProduction). */
  production?: ProductionStart;
}

/** The point at which a run's fresh draws begin, and the exploration's own estimate, kept for the record. */
export interface ProductionStart {
  /** Index of the first fresh draw. */
  from: number;
  logZ: number;
  logZerr: number;
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
  /** The part of logZerr² from the Monte Carlo error of the bound volumes. */
  volumeVariance: number;
  /** Index of the first point these weights are for (0, or where the fresh draws begin). */
  from: number;
}

export interface Stratum {
  /** Draws from this bound. */
  count: number;
  /** Σ of their normalised weights: this bound's share of the posterior. */
  share: number;
  sumSquares: number;
  /** Its part of Var(Ẑ)/Ẑ². */
  variance: number;
  /** gₖ² Var(ln V̂ₖ): its volume's part of Var(ln Ẑ) (see the module comment). */
  volumeVariance: number;
}

/** Every evaluated point with the bound it was drawn from, and each bound's draw count and volume. */
export class DrawLog {
  private readonly bounds: Bound[] = [];
  private readonly tallies: (VolumeTally | null)[] = [];
  /** ln V̂ₖ and Var(ln V̂ₖ), from tallies. */
  private readonly logVolumes: number[] = [];
  private readonly logVolumeVariances: number[] = [];
  private readonly counts: number[] = [];
  readonly u = new GrowableFloat64();
  readonly theta = new GrowableFloat64();
  readonly logL = new GrowableFloat64();
  private readonly boundIndex = new GrowableFloat64();
  /** Once the exploration is discarded: where the fresh draws begin, and their count per bound. */
  private productionStart: ProductionStart | null = null;
  private readonly productionCounts: number[] = [];
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
    this.pushBound(bound, this.volumeTally(this.bounds.length, bound, 0, VOLUME_DRAWS));
  }

  private pushBound(bound: Bound, tally: VolumeTally | null): void {
    this.bounds.push(bound);
    this.counts.push(0);
    this.productionCounts.push(0);
    this.tallies.push(null);
    this.setTally(this.bounds.length - 1, tally);
  }

  private setTally(k: number, tally: VolumeTally | null): void {
    const { logVolume, variance } = tally ? tallyLogVolume(this.bounds[k], tally) : { logVolume: 0, variance: 0 };
    this.tallies[k] = tally;
    this.logVolumes[k] = logVolume;
    this.logVolumeVariances[k] = variance;
    this.cached = null;
  }

  /** `draws` more volume draws for bound k (null for the cube), from a stream labelled by k and the draws it already has. */
  private volumeTally(k: number, bound: Bound, from: number, draws: number): VolumeTally | null {
    if (bound instanceof UnitCube) return null;
    if (!(bound instanceof EllipsoidUnion || bound instanceof LearnedBound)) throw new Error('importance nested sampling needs a cube, ellipsoid or learned bound');
    const stream = Rng.fromSeed(this.seed).fork(0x1a5 + k);
    return bound.tallyVolumeInCube(from === 0 ? stream : stream.fork(from), draws);
  }

  /**
   * Adds volume draws to the bounds whose volume error weighs most in σ(ln Z), so that the volumes'
   * part of Var(ln Ẑ) falls below maxVariance (the gₖ held fixed). For a fixed total of new
   * draws, Σₖ cₖ·Dₖ⁰/Dₖ is least with Dₖ ∝ √(cₖ·Dₖ⁰) (cₖ: bound k's part now, Dₖ⁰ its draws).
   * Returns whether any volume changed.
   */
  sharpenVolumes(maxVariance: number): boolean {
    const { strata, volumeVariance } = this.evidence();
    if (volumeVariance <= maxVariance) return false;
    const roots = strata.map((s, k) => Math.sqrt(s.volumeVariance * (this.tallies[k]?.draws ?? 0)));
    // Aim at half the bound, so that the next call, with the gₖ moved a little, does not start again.
    const scale = roots.reduce((a, b) => a + b, 0) / (maxVariance / 2);
    let changed = false;
    this.tallies.forEach((tally, k) => {
      if (!tally) return;
      const extra = Math.ceil(roots[k] * scale) - tally.draws;
      if (extra < VOLUME_DRAWS / 16) return;
      const more = this.volumeTally(k, this.bounds[k], tally.draws, extra)!;
      this.setTally(k, { draws: tally.draws + more.draws, sum: tally.sum + more.sum, sumSquares: tally.sumSquares + more.sumSquares });
      changed = true;
    });
    return changed;
  }

  /** The latest `n` points (all, when fewer): u flat n×d, and ln L. */
  latest(n: number): { u: Float64Array; logL: Float64Array } {
    const from = Math.max(0, this.size - n);
    return { u: this.u.view().slice(from * this.d), logL: this.logL.view().slice(from) };
  }

  /**
   * Discards the exploration (nautilus's discard_exploration, Lange 2023): from here on, ln Z and the
   * posterior come only from the points recorded after this call, drawn from bounds that no longer
   * change. The exploration's own points cannot give that: each later bound is built around the
   * live points and the network is trained on them, so the very points that beat a contour sit
   * inside the later bounds by construction, their Q is raised and their weight lowered — ln Z runs
   * low (10-D LogGamma with learned bounds: mean z −0.74 over 20 seeds). The exploration's own
   * estimate is kept for the record (production).
   */
  startProduction(): void {
    if (this.productionStart) throw new Error('DrawLog.startProduction: already started');
    const { logZ, logZerr } = this.evidence();
    this.productionStart = { from: this.size, logZ, logZerr };
    this.cached = null;
  }

  /** Where the fresh draws begin (null while the exploration's points still count). */
  get production(): ProductionStart | null {
    return this.productionStart;
  }

  /** Points recorded since startProduction (0 before it). */
  get freshDraws(): number {
    return this.productionStart ? this.size - this.productionStart.from : 0;
  }

  /** Draws from each bound during the exploration (all draws while there is no production). */
  explorationCounts(): number[] {
    return this.counts.map((c, k) => c - this.productionCounts[k]);
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
    if (this.productionStart) this.productionCounts[k]++;
  }

  /** The points and per-bound counts that make the estimate: the fresh draws once there are any, else all. */
  private estimatePoints(): { from: number; counts: number[] } {
    return this.freshDraws > 0 ? { from: this.productionStart!.from, counts: this.productionCounts } : { from: 0, counts: this.counts };
  }

  /** Ẑ, its error, and every point's log-weight (see the module comment); recomputed only after new draws. */
  evidence(): ImportanceEvidence {
    if (this.cached?.size === this.size) return this.cached.evidence;
    const n = this.size;
    const { from, counts } = this.estimatePoints();
    // Σⱼ L/(N·Q) = (1/N) Σⱼ L/Q = Ẑ directly.
    const { logWeights, volumeGradient } = this.mixtureWeights(from, counts);
    const logSum = logSumExp(logWeights);
    const strata = this.strata(logWeights, logSum, from, counts);
    let variance = 0;
    let volumeVariance = 0;
    let sumSquares = 0;
    strata.forEach((s, k) => {
      const g = volumeGradient.raw[k] * Math.exp(volumeGradient.logScale - logSum);
      s.volumeVariance = g * g * this.logVolumeVariances[k];
      variance += s.variance;
      volumeVariance += s.volumeVariance;
      sumSquares += s.sumSquares;
    });
    const logZerr = Math.sqrt(Math.max(variance, 0) + volumeVariance);
    const evidence = { logZ: logSum, logZerr, logWeights, ess: sumSquares > 0 ? 1 / sumSquares : 0, strata, volumeVariance, from };
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
  private strata(logWeights: Float64Array, logSum: number, from: number, counts: number[]): Stratum[] {
    const strata = counts.map((count) => ({ count, share: 0, sumSquares: 0, variance: 0, volumeVariance: 0 }));
    const boundIndex = this.boundIndex.view();
    logWeights.forEach((w, j) => {
      const p = Math.exp(w - logSum);
      const s = strata[boundIndex[from + j]];
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
   * The log-weight ln L − ln(N·Q(uⱼ)) of every point from `from` on, N·Q(uⱼ) = Σₖ nₖ 1[uⱼ ∈ Bₖ]/Vₖ
   * (nₖ: `counts`, those points' draws per bound), and on the way the
   * volume gradient gₖ ∝ Σⱼ wⱼ·(bound k's share of Q(uⱼ)), kept as raw·e^logScale (rescaled
   * whenever a larger weight turns up, so nothing overflows). Later bounds are smaller, so their
   * terms dominate: walk from the newest bound back and stop once everything older adds less than
   * NEGLIGIBLE of the sum so far (the older terms' total is a running prefix sum).
   */
  private mixtureWeights(from: number, counts: number[]): { logWeights: Float64Array; volumeGradient: { raw: Float64Array; logScale: number } } {
    const K = this.bounds.length;
    const d = this.d;
    const density = counts.map((c, k) => c * Math.exp(-(this.logVolumes[k] - this.logVolumes[K - 1])));
    const olderTotal = new Float64Array(K + 1); // olderTotal[k] = Σ_{i<k} density[i]
    for (let k = 0; k < K; k++) olderTotal[k + 1] = olderTotal[k] + density[k];
    const regions = this.bounds.map(flatRegion);
    const u = this.u.view();
    const logL = this.logL.view();
    const logWeights = new Float64Array(this.size - from);
    const raw = new Float64Array(K);
    let logScale = -Infinity;
    const hits = new Int32Array(K);
    for (let j = 0; j < logWeights.length; j++) {
      const offset = (from + j) * d;
      let sum = 0;
      let h = 0;
      // Consecutive learned bounds share a network: score each point once per network.
      let scoredBy: RankNetwork | null = null;
      let score = 0;
      for (let k = K - 1; k >= 0; k--) {
        if (sum > 0 && olderTotal[k + 1] < NEGLIGIBLE * sum) break;
        const region = regions[k];
        if (!(density[k] > 0 && inRegion(region, u, offset, d))) continue;
        if (region?.filter) {
          if (scoredBy !== region.filter.network) {
            scoredBy = region.filter.network;
            score = scoredBy.score(u, offset);
          }
          if (!(score > region.filter.threshold)) continue;
        }
        sum += density[k];
        hits[h++] = k;
      }
      // Every point lies in the bound it was drawn from, so sum > 0.
      const w = logL[from + j] === -Infinity ? -Infinity : logL[from + j] - (Math.log(sum) - this.logVolumes[K - 1]);
      logWeights[j] = w;
      if (w === -Infinity) continue;
      if (w > logScale) {
        const shrink = Math.exp(logScale - w);
        for (let k = 0; k < K; k++) raw[k] *= shrink;
        logScale = w;
      }
      const f = Math.exp(w - logScale) / sum;
      for (let i = 0; i < h; i++) raw[hits[i]] += f * density[hits[i]];
    }
    return { logWeights, volumeGradient: { raw, logScale } };
  }

  toJson(): DrawLogJson {
    return {
      bounds: this.bounds.map((b) => b.toJson()),
      volumes: this.tallies.map((t) => (t ? { ...t } : null)),
      counts: [...this.counts],
      u: encodeFloats(this.u.view()),
      theta: encodeFloats(this.theta.view()),
      logL: encodeFloats(this.logL.view()),
      boundIndex: Array.from(this.boundIndex.view()),
      ...(this.productionStart && { production: { ...this.productionStart } }),
    };
  }

  static fromJson(json: DrawLogJson, d: number, seed: number): DrawLog {
    const log = new DrawLog(d, seed);
    json.bounds.forEach((b, k) => {
      const bound = boundFromJson(b, d);
      // Tallies are deterministic in (seed, k): an older checkpoint's are recomputed, bit for bit.
      log.pushBound(bound, json.volumes ? json.volumes[k] : log.volumeTally(k, bound, 0, VOLUME_DRAWS));
      log.counts[k] = json.counts[k];
    });
    log.u.append(decodeFloats(json.u));
    log.theta.append(decodeFloats(json.theta));
    log.logL.append(decodeFloats(json.logL));
    log.boundIndex.append(json.boundIndex);
    if (json.production) {
      log.productionStart = { ...json.production };
      for (let j = json.production.from; j < json.boundIndex.length; j++) log.productionCounts[json.boundIndex[j]]++;
    }
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
export function refinementAllocation(strata: readonly Pick<Stratum, 'share'>[], batch: number): number[] {
  const total = strata.reduce((a, s) => a + s.share, 0);
  if (!(total > 0)) return strata.map(() => 0);
  const exact = strata.map((s) => (s.share / total) * batch);
  const counts = exact.map(Math.floor);
  let left = batch - counts.reduce((a, b) => a + b, 0);
  const order = exact.map((v, k) => [v - Math.floor(v), k]).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let i = 0; left > 0; i++, left--) counts[order[i % order.length][1]]++;
  return counts;
}

/**
 * ln V̂ of (bound ∩ unit cube) from its tally, V̂ = ΣV·mean(t) with ΣV = e^bound.logVolume (its
 * ellipsoids' volumes), and Var(ln V̂) ≈ Var(t)/(n·mean(t)²) (0 when every draw counted 1).
 */
export function tallyLogVolume(bound: Bound, tally: VolumeTally): { logVolume: number; variance: number } {
  const { draws: n, sum, sumSquares } = tally;
  // A union entirely outside the cube cannot have produced draws; keep its volume tiny, not zero.
  const mean = Math.max(sum, 0.5) / n;
  const scatter = Math.max(sumSquares / n - (sum / n) ** 2, 0);
  return { logVolume: bound.logVolume + Math.log(mean), variance: scatter / (n * mean * mean) };
}

/** A bound's ellipsoids as flat arrays (none: the cube), for the membership loop above. */
interface FlatRegion {
  count: number;
  centres: Float64Array;
  chols: Float64Array;
  /** ‖L‖²_F per ellipsoid: a sphere of this squared radius around the centre holds the ellipsoid. */
  radius2: Float64Array;
  /** A learned bound's network and threshold, checked after the ellipsoids. */
  filter: { network: RankNetwork; threshold: number } | null;
}

function flatRegion(bound: Bound): FlatRegion | null {
  if (bound instanceof UnitCube) return null;
  const union = bound instanceof LearnedBound ? bound.union : (bound as EllipsoidUnion);
  const ellipsoids = union.ellipsoids;
  const d = ellipsoids[0].dim;
  const region = {
    count: ellipsoids.length,
    centres: new Float64Array(ellipsoids.length * d),
    chols: new Float64Array(ellipsoids.length * d * d),
    radius2: new Float64Array(ellipsoids.length),
    filter: bound instanceof LearnedBound ? { network: bound.network, threshold: bound.threshold } : null,
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
