/**
 * Surrogate-guided exact slice proposals: a cheap surrogate proposes, the exact likelihood decides.
 *
 * Notation: C = {θ : L(θ) > L*} is the contour a new point must be drawn from uniformly; L̃ is the
 * surrogate, s(θ) ≥ 0 its optional spread (e.g. a deep ensemble's standard deviation), and the
 * margin is m(θ) = m₀ + k·s(θ). The lowered surrogate contour is A = {θ : L̃(θ) > L* − m(θ)}.
 *
 * 1. Slice chains (slice.ts: same directions, whitening and tuning) run entirely on the surrogate:
 *    their constraint is θ ∈ A, so they cost surrogate calls only. Their endpoints are draws from
 *    the uniform distribution on A (as plain slice endpoints are draws from C).
 * 2. Each endpoint costs one call of the exact likelihood and is kept only if L > L*: rejection
 *    sampling, so a kept point is uniform on A ∩ C. If the surrogate never underestimates ln L by
 *    more than m inside the contour (L − L̃ < m(θ) on C, so C ⊂ A), then A ∩ C = C and the point is
 *    an exact draw — the surrogate changes the cost, never the target. Overestimates only make A
 *    larger: the acceptance is vol(C)/vol(A). Kept points enter the sampler's queue like slice
 *    endpoints (candidates.ts: valid for any later, higher threshold too).
 * 3. Checks that C ⊂ A, all with the exact likelihood and the sampler's seeded random stream:
 *    - chain starts are live points (L > L* known): one the surrogate puts outside A is a violation
 *      found for free (`startFailures`);
 *    - audits: each slice point the surrogate rejects is re-evaluated exactly with probability f
 *      (`auditFraction`), in the same batch as the endpoints. One with L > L* lies in C \ A: a
 *      violation (`auditFailures`), and the round's endpoints are discarded.
 *    A violation at θ proves that the margin missed an underestimate e = L − L̃ − k·s > m₀ there;
 *    the rule is m₀ ← max(m₀, 2e): at least doubled, with as much headroom again as was missed.
 *    Queued candidates, drawn under the old margin, are dropped.
 *
 * What the audit bounds: after n audits without a failure, the fraction of surrogate-rejected slice
 * points that lie inside C is below 3/n (95 %, rule of three). Those are the points where a too
 * small margin would cut the contour — next to A's edge along the chains' lines. The audit cannot
 * see parts of C that no chain line reaches (a mode the surrogate misses entirely), and points kept
 * before a failure stay in the run; `auditFailures + startFailures > 0` says the early part was
 * drawn with a margin proven too small.
 *
 * Cost per new point: about 1/acceptance exact calls for endpoints plus f·(rejected slice points
 * per chain)/acceptance for audits, against slices × ~4–5 exact calls for plain slice sampling.
 */
import { toParameters, type Candidate } from '../candidates.ts';
import type { NestedProblem } from '../types.ts';
import type { ProposalContext } from './context.ts';
import { runSliceChains, type SliceConstraint, type SliceTuning, type SliceWhitening } from './slice.ts';

export interface SurrogateValues {
  /** ln L̃ per point: finite numbers. */
  logL: ArrayLike<number>;
  /** Spread per point (≥ 0, e.g. an ensemble's standard deviation in nats); widens the margin there. */
  spread?: ArrayLike<number>;
}

/** A cheap surrogate of ln L; called like the likelihood (a batch of parameter vectors and ln L*). */
export interface SurrogateGuide {
  logLikelihood(batch: number[][], contour?: number): SurrogateValues | Promise<SurrogateValues>;
}

export interface GuideOptions {
  /** Initial margin m₀ in nats (default 2): at least the surrogate's worst underestimate of ln L. */
  margin?: number;
  /** k in m(θ) = m₀ + k·spread(θ) (default 2; irrelevant when the surrogate gives no spread). */
  spreadFactor?: number;
  /** Fraction f of surrogate-rejected slice points re-evaluated with the exact likelihood (default 0.01). */
  auditFraction?: number;
}

/** Counts and the current margin of a guided run (progress, result, checkpoint). */
export interface GuideStats {
  surrogateCalls: number;
  /** Exact calls spent on audits (included in ncall). */
  audits: number;
  /** Audited points with L > L* that the surrogate had rejected. */
  auditFailures: number;
  /** Chain starts (live points) that the surrogate put below L* − m. */
  startFailures: number;
  /** Current m₀ (nats). */
  margin: number;
}

export function resolveGuideOptions(options: GuideOptions): Required<GuideOptions> {
  const resolved = { margin: options.margin ?? 2, spreadFactor: options.spreadFactor ?? 2, auditFraction: options.auditFraction ?? 0.01 };
  if (!(resolved.margin >= 0 && Number.isFinite(resolved.margin))) throw new Error(`guide.margin must be a finite number ≥ 0, got ${resolved.margin}`);
  if (!(resolved.spreadFactor >= 0 && Number.isFinite(resolved.spreadFactor))) throw new Error(`guide.spreadFactor must be a finite number ≥ 0, got ${resolved.spreadFactor}`);
  if (!(resolved.auditFraction >= 0 && resolved.auditFraction <= 1)) throw new Error(`guide.auditFraction must lie in [0, 1], got ${resolved.auditFraction}`);
  return resolved;
}

export function initialGuideStats(settings: Required<GuideOptions>): GuideStats {
  return { surrogateCalls: 0, audits: 0, auditFailures: 0, startFailures: 0, margin: settings.margin };
}

/** What a guided proposal needs besides the sampler's context; `stats` is updated in place. */
export interface Guidance {
  problem: Pick<NestedProblem, 'ndim' | 'priorTransform'>;
  surrogate: SurrogateGuide;
  settings: Required<GuideOptions>;
  stats: GuideStats;
}

interface SurrogatePoint {
  u: Float64Array;
  approx: number;
  spread: number;
}

/**
 * One round: surrogate slice chains from `starts` (live points above ctx.threshold), then one exact
 * batch for their endpoints and the audited points. Returns the evaluated endpoints (the caller
 * keeps those above the threshold) and whether the margin was widened (queued candidates are stale).
 */
export async function proposeGuided(
  ctx: ProposalContext,
  guidance: Guidance,
  starts: Candidate[],
  slices: number,
  whitening: SliceWhitening,
  tuning: SliceTuning,
): Promise<{ candidates: Candidate[]; widened: boolean }> {
  const { settings, stats } = guidance;
  const floor = (p: SurrogatePoint) => ctx.threshold - (stats.margin + settings.spreadFactor * p.spread);
  const widen = (logL: number, p: SurrogatePoint) => {
    stats.margin = Math.max(stats.margin, 2 * (logL - p.approx - settings.spreadFactor * p.spread));
  };

  const startPoints = await evaluateSurrogate(guidance, starts.map((s) => s.u), ctx.threshold);
  let startViolations = 0;
  startPoints.forEach((p, i) => {
    if (p.approx > floor(p)) return;
    startViolations++;
    widen(starts[i].logL, p);
  });
  stats.startFailures += startViolations;

  const audited: SurrogatePoint[] = [];
  const insideA: SliceConstraint<SurrogatePoint> = async (us) =>
    (await evaluateSurrogate(guidance, us, ctx.threshold)).map((p) => {
      if (p.approx > floor(p)) return p;
      if (settings.auditFraction > 0 && ctx.rng.uniform() < settings.auditFraction) audited.push(p);
      return null;
    });
  const endpoints = await runSliceChains(ctx, startPoints, slices, whitening, tuning, insideA);

  const exact = await ctx.evaluate([...endpoints.map((p) => p.u), ...audited.map((p) => p.u)]);
  stats.audits += audited.length;
  let auditViolations = 0;
  audited.forEach((p, i) => {
    const logL = exact[endpoints.length + i].logL;
    if (logL <= ctx.threshold) return;
    auditViolations++;
    widen(logL, p);
  });
  stats.auditFailures += auditViolations;
  // Endpoints drawn under a margin just proven too small are not uniform on the contour.
  const candidates = auditViolations > 0 ? [] : exact.slice(0, endpoints.length);
  return { candidates, widened: startViolations + auditViolations > 0 };
}

/** One surrogate batch (counted), checked like the likelihood: finite ln L̃, spreads ≥ 0. */
async function evaluateSurrogate(guidance: Guidance, us: Float64Array[], contour: number): Promise<SurrogatePoint[]> {
  const thetas = toParameters(guidance.problem, us);
  const { logL, spread } = await guidance.surrogate.logLikelihood(thetas, contour);
  guidance.stats.surrogateCalls += us.length;
  if (logL.length !== us.length || (spread && spread.length !== us.length)) {
    throw new Error(`the surrogate returned ${logL.length} values${spread ? ` and ${spread.length} spreads` : ''} for a batch of ${us.length} points`);
  }
  return us.map((u, i) => {
    const approx = logL[i];
    const s = spread ? spread[i] : 0;
    if (typeof approx !== 'number' || !Number.isFinite(approx)) throw new Error(`the surrogate returned ln L = ${approx} at θ = [${thetas[i].join(', ')}]; it must be finite`);
    if (!(s >= 0 && Number.isFinite(s))) throw new Error(`the surrogate returned spread ${s} at θ = [${thetas[i].join(', ')}]; it must be finite and ≥ 0`);
    return { u, approx, spread: s };
  });
}
