/**
 * Static nested sampling (Skilling 2006) with N live points.
 *
 * Each iteration removes the live point with the lowest likelihood L*, records it as a dead point
 * at enclosed prior volume Xᵢ = e^{−i/N}, and replaces it with a new point drawn from the prior
 * restricted to L > L* (see proposals/). The bound around the live points is rebuilt every
 * `boundUpdateInterval·N` iterations. The run stops when ln(Z + L_max·X) − ln Z < dlogz, and the
 * final live points are then added to the evidence and the posterior (see result.ts).
 *
 * The sampler is a plain object that advances one iteration at a time, so a caller can pause it
 * between iterations, take a JSON checkpoint, and later restore it to continue bit-for-bit.
 */
import { Rng } from '../../random.ts';
import { decodeFloat, decodeFloats, encodeFloat, encodeFloats } from '../json-floats.ts';
import { GrowableFloat64 } from '../growable.ts';
import { boundFromJson, buildBound, EllipsoidUnion, LearnedBound, UnitCube, type Bound } from './bound.ts';
import { CandidateQueue, evaluateBatch, type Candidate } from './candidates.ts';
import { addDeadPoint, emptyEvidence, remainingLogEvidence, type EvidenceState } from './evidence.ts';
import type { ProposalContext } from './proposals/context.ts';
import { initialGuideStats, proposeGuided, resolveGuideOptions, type Guidance } from './proposals/guided.ts';
import { proposeSlice } from './proposals/slice.ts';
import { proposeUniform } from './proposals/uniform.ts';
import { DrawLog, refinementAllocation } from './importance.ts';
import { RankNetwork } from './rank-network.ts';
import { assembleResult, importanceResult } from './result.ts';
import { DegenerateLikelihoodError } from './errors.ts';
import type {
  NestedCheckpoint,
  NestedProblem,
  NestedProgress,
  NestedResult,
  NestedSamplerOptions,
  PointsJson,
  ResolvedOptions,
  RunControls,
  RunStatus,
  StopReason,
} from './types.ts';

/** Fills in the documented defaults. */
export function resolveOptions(ndim: number, options: NestedSamplerOptions): ResolvedOptions {
  const nlive = options.nlive ?? 500;
  if (!Number.isInteger(nlive) || nlive < 2 * ndim + 2) throw new Error(`nlive must be an integer ≥ 2·ndim + 2, got ${nlive}`);
  const proposal = options.proposal ?? 'auto';
  const resolvedProposal = proposal === 'auto' ? (ndim <= 20 && !options.guide ? 'uniform' : 'slice') : proposal;
  if (options.importance && resolvedProposal !== 'uniform') {
    throw new Error(`importance nested sampling needs uniform proposals (independent draws from the bound), but the proposal is '${resolvedProposal}'`);
  }
  for (const key of ['targetLogZerr', 'targetEss'] as const) {
    const value = options[key];
    // 0 is "no target" (how resolved options, and so checkpoints, say it).
    if (value === undefined || value === 0) continue;
    if (!(value > 0)) throw new Error(`${key} must be a positive number, got ${value}`);
    if (!options.importance) throw new Error(`${key} needs importance: true (the extra draws are weighted by importance nested sampling)`);
  }
  if (options.learnedBound && !options.importance) throw new Error('learnedBound needs importance: true (a learned bound may cut off part of a contour, which only importance weighting corrects)');
  if (options.discardExploration && !options.importance) throw new Error('discardExploration needs importance: true (the fresh draws are weighted by importance nested sampling)');
  return {
    nlive,
    seed: options.seed ?? 1,
    dlogz: options.dlogz ?? 1e-3 * (nlive - 1) + 0.01,
    bound: options.bound ?? 'multi',
    proposal: resolvedProposal,
    enlarge: options.enlarge ?? 'auto',
    boundUpdateInterval: options.boundUpdateInterval ?? 0.2,
    slices: options.slices ?? ndim + 3,
    whitening: options.whitening ?? (ndim <= 10 ? 'covariance' : 'diagonal'),
    parallelProposals: options.parallelProposals ?? Math.max(1, Math.round(nlive / 100)),
    maxIterations: options.maxIterations ?? Infinity,
    maxCalls: options.maxCalls ?? Infinity,
    maxCallsPerIteration: options.maxCallsPerIteration ?? 1e6,
    importance: options.importance ?? false,
    targetLogZerr: options.targetLogZerr ?? 0,
    targetEss: options.targetEss ?? 0,
    learnedBound: options.learnedBound ?? false,
    discardExploration: options.discardExploration ?? options.learnedBound ?? false,
    ...(options.guide && { guide: resolveGuideOptions(options.guide) }),
  };
}

/**
 * Runs that discard their exploration: the first batch of fresh draws, as a fraction of the
 * exploration's points (later batches are sized by the precision still missing), and the fraction of
 * every batch drawn like the exploration drew (∝ its draws per bound, the cube included), so that
 * Q > 0 wherever the exploration could have found mass.
 */
const FIRST_PRODUCTION_FRACTION = 0.1;
const DEFENSIVE_FRACTION = 0.05;

/** Learned bounds: train once fewer than this fraction of draws from the ellipsoids beat the contour. */
const LEARN_BELOW_EFFICIENCY = 0.2;
/** Learned bounds: the latest evaluated points a network trains on, and the fewest it needs. */
const TRAINING_POINTS = 10_000;
const MIN_TRAINING_POINTS = 2_000;

export class NestedSampler {
  readonly options: ResolvedOptions;
  private readonly d: number;
  private rng: Rng;
  private initialised = false;
  private iteration = 0;
  private ncall = 0;
  private liveU: Float64Array;
  private liveTheta: Float64Array;
  private liveLogL: Float64Array;
  private deadTheta = new GrowableFloat64();
  private deadLogL = new GrowableFloat64();
  private deadLogWeight = new GrowableFloat64();
  private evidence: EvidenceState = emptyEvidence();
  private bound: Bound;
  private lastBoundIteration = 0;
  private queue = new CandidateQueue();
  /** Running mean of likelihood calls per iteration; sizes uniform-proposal batches. */
  private callsPerIteration = 1;
  private sliceTuning = { scale: 1 };
  private stopReason: StopReason | null = null;
  private maxLogL = -Infinity;
  /** Surrogate-guided runs only (problem.guide): the surrogate, its settings and counts. */
  private guidance: Guidance | null = null;
  /** Importance runs only (options.importance): every evaluated point and the bound it came from. */
  private draws: DrawLog | null = null;
  /** Learned-bound runs only: the iteration of the latest network training, and how many there were. */
  private lastTraining: number | null = null;
  private trainings = 0;
  /** The current run() call's abort signal (RunControls.signal). */
  private signal: AbortSignal | undefined;

  constructor(
    readonly problem: NestedProblem,
    options: NestedSamplerOptions = {},
  ) {
    if (!Number.isInteger(problem.ndim) || problem.ndim < 1) throw new Error(`ndim must be a positive integer, got ${problem.ndim}`);
    this.d = problem.ndim;
    if (options.guide && !problem.guide) throw new Error('options.guide is set but the problem has no surrogate (problem.guide)');
    this.options = resolveOptions(problem.ndim, problem.guide ? { ...options, guide: options.guide ?? {} } : options);
    if (problem.guide) {
      if (this.options.proposal !== 'slice') throw new Error('a surrogate guide (problem.guide) works with slice proposals only');
      const settings = this.options.guide!;
      this.guidance = { problem, surrogate: problem.guide, settings, stats: initialGuideStats(settings) };
    }
    this.rng = Rng.fromSeed(this.options.seed);
    const n = this.options.nlive;
    this.liveU = new Float64Array(n * this.d);
    this.liveTheta = new Float64Array(n * this.d);
    this.liveLogL = new Float64Array(n);
    this.bound = new UnitCube(this.d);
    if (this.options.importance) this.draws = new DrawLog(this.d, this.options.seed);
    if (this.options.learnedBound && !problem.rankTrainer) throw new Error('options.learnedBound is set but the problem has no network trainer (problem.rankTrainer)');
  }

  /** Rebuilds a sampler from `checkpoint()` output; continuing it gives the uninterrupted run's numbers. */
  static restore(problem: NestedProblem, checkpoint: NestedCheckpoint): NestedSampler {
    if (checkpoint.format !== 'sciflow.nested/1') throw new Error(`unknown checkpoint format ${String(checkpoint.format)}`);
    if (checkpoint.ndim !== problem.ndim) throw new Error(`checkpoint has ndim ${checkpoint.ndim}, problem has ${problem.ndim}`);
    const s = new NestedSampler(problem, checkpoint.options);
    s.rng = Rng.fromState(checkpoint.rng);
    s.initialised = checkpoint.initialised;
    s.iteration = checkpoint.iteration;
    s.ncall = checkpoint.ncall;
    s.lastBoundIteration = checkpoint.lastBoundIteration;
    s.lastTraining = checkpoint.lastTraining ?? null;
    s.trainings = checkpoint.trainings ?? 0;
    s.callsPerIteration = checkpoint.callsPerIteration;
    s.sliceTuning.scale = checkpoint.sliceScale;
    s.evidence = {
      logZ: decodeFloat(checkpoint.evidence.logZ),
      h: checkpoint.evidence.h,
      logVolume: checkpoint.evidence.logVolume,
      logL: decodeFloat(checkpoint.evidence.logL),
    };
    s.liveU = decodeFloats(checkpoint.live.u ?? []);
    s.liveTheta = decodeFloats(checkpoint.live.theta);
    s.liveLogL = decodeFloats(checkpoint.live.logL);
    for (const v of s.liveLogL) if (v > s.maxLogL) s.maxLogL = v;
    s.deadTheta = GrowableFloat64.from(decodeFloats(checkpoint.dead.theta));
    s.deadLogL = GrowableFloat64.from(decodeFloats(checkpoint.dead.logL));
    s.deadLogWeight = GrowableFloat64.from(decodeFloats(checkpoint.dead.logWeight));
    const qu = decodeFloats(checkpoint.queue.u ?? []);
    const qt = decodeFloats(checkpoint.queue.theta);
    const ql = decodeFloats(checkpoint.queue.logL);
    const d = problem.ndim;
    s.queue.push(Array.from(ql, (logL, i) => ({ u: qu.slice(i * d, i * d + d), theta: qt.slice(i * d, i * d + d), logL })));
    s.bound = boundFromJson(checkpoint.bound, d);
    if (checkpoint.draws) s.draws = DrawLog.fromJson(checkpoint.draws, d, s.options.seed);
    if (s.guidance && checkpoint.guide) s.guidance.stats = { ...initialGuideStats(s.guidance.settings), ...checkpoint.guide };
    return s;
  }

  /** The sampler's complete state as JSON-ready plain data. */
  checkpoint(): NestedCheckpoint {
    const queued = this.queue.toArray();
    const flat = (pick: (c: Candidate) => Float64Array) => {
      const out = new Float64Array(queued.length * this.d);
      queued.forEach((c, i) => out.set(pick(c), i * this.d));
      return out;
    };
    return {
      format: 'sciflow.nested/1',
      options: { ...this.options },
      ndim: this.d,
      rng: this.rng.state(),
      initialised: this.initialised,
      iteration: this.iteration,
      ncall: this.ncall,
      lastBoundIteration: this.lastBoundIteration,
      ...(this.options.learnedBound && { lastTraining: this.lastTraining, trainings: this.trainings }),
      callsPerIteration: this.callsPerIteration,
      sliceScale: this.sliceTuning.scale,
      evidence: {
        logZ: encodeFloat(this.evidence.logZ),
        h: this.evidence.h,
        logVolume: this.evidence.logVolume,
        logL: encodeFloat(this.evidence.logL),
      },
      live: this.pointsJson(this.liveU, this.liveTheta, this.liveLogL),
      dead: {
        theta: encodeFloats(this.deadTheta.view()),
        logL: encodeFloats(this.deadLogL.view()),
        logWeight: encodeFloats(this.deadLogWeight.view()),
      },
      queue: this.pointsJson(flat((c) => c.u), flat((c) => c.theta), queued.map((c) => c.logL)),
      bound: this.bound.toJson(),
      ...(this.guidance && { guide: { ...this.guidance.stats } }),
      ...(this.draws && { draws: this.draws.toJson() }),
    };
  }

  private pointsJson(u: ArrayLike<number>, theta: ArrayLike<number>, logL: ArrayLike<number>): PointsJson {
    return { u: encodeFloats(u), theta: encodeFloats(theta), logL: encodeFloats(logL) };
  }

  progress(): NestedProgress {
    return {
      iteration: this.iteration,
      ncall: this.ncall,
      logZ: this.evidence.logZ,
      logZerr: Math.sqrt(Math.max(this.evidence.h, 0) / this.options.nlive),
      dlogz: this.initialised ? remainingLogEvidence(this.evidence, this.maxLiveLogL()) : Infinity,
      efficiency: this.ncall > 0 ? this.iteration / this.ncall : 0,
      nbound: this.bound.size,
      ...(this.guidance && { guide: { ...this.guidance.stats } }),
    };
  }

  /** True once a stopping rule has fired (further steps do nothing). */
  get finished(): boolean {
    return this.stopReason !== null && this.stopReason !== 'paused';
  }

  /** Advances at most `iterations` iterations. */
  async step(iterations = 1): Promise<RunStatus> {
    for (let i = 0; i < iterations; i++) {
      const reason = await this.checkStop();
      if (reason) return { finished: true, reason };
      await this.iterate();
    }
    const reason = await this.checkStop();
    return reason ? { finished: true, reason } : { finished: false, reason: 'paused' };
  }

  /**
   * Iterates until a stopping rule fires or `controls.shouldStop()` asks for a pause (checked between
   * iterations; the state is then consistent and can be checkpointed or run further).
   */
  async run(controls: RunControls = {}): Promise<RunStatus> {
    const every = Math.max(1, Math.round(controls.progressEvery ?? this.options.nlive / 10));
    let status: RunStatus = { finished: false, reason: 'paused' };
    this.signal = controls.signal;
    for (let sinceReport = 0; ; ) {
      this.signal?.throwIfAborted();
      const reason = await this.checkStop();
      if (reason) {
        status = { finished: true, reason };
        break;
      }
      if (controls.shouldStop?.()) break;
      await this.iterate();
      if (++sinceReport >= every) {
        sinceReport = 0;
        await controls.onProgress?.(this.progress());
        // Let timers and I/O (heartbeats, cancellation) run even when the likelihood is synchronous.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
    await controls.onProgress?.(this.progress());
    return status;
  }

  /** The evidence and posterior as if the run ended now (live points added); does not change state. */
  result(): NestedResult {
    if (!this.initialised) throw new Error('the sampler has not run yet');
    const result = assembleResult({
      evidence: this.evidence,
      nlive: this.options.nlive,
      ndim: this.d,
      seed: this.options.seed,
      deadTheta: this.deadTheta.view(),
      deadLogL: this.deadLogL.view(),
      deadLogWeight: this.deadLogWeight.view(),
      liveTheta: this.liveTheta,
      liveLogL: this.liveLogL,
      ncall: this.ncall,
      niter: this.iteration,
      stopReason: this.stopReason ?? 'paused',
      paramNames: this.problem.paramNames ?? Array.from({ length: this.d }, (_, k) => `x${k}`),
    });
    if (this.draws) return { ...importanceResult(result, this.draws, this.options.seed), ...(this.options.learnedBound && { trainings: this.trainings }) };
    return this.guidance ? { ...result, guide: { ...this.guidance.stats } } : result;
  }

  private async checkStop(): Promise<StopReason | null> {
    if (!this.initialised) await this.initialise();
    if (this.finished) return this.stopReason;
    let reason: StopReason | null = null;
    if (this.nestedConverged() && this.precisionShortfall() === 0) reason = 'converged';
    else if (this.iteration >= this.options.maxIterations) reason = 'maxIterations';
    else if (this.ncall >= this.options.maxCalls) reason = 'maxCalls';
    this.stopReason = reason;
    return reason;
  }

  private async initialise(): Promise<void> {
    const { nlive } = this.options;
    const us: Float64Array[] = [];
    for (let i = 0; i < nlive; i++) us.push(new UnitCube(this.d).sampleInto(this.rng, new Float64Array(this.d)));
    this.draws?.openBound(this.bound);
    const points = await this.evaluate(us);
    if (points.every((p) => p.logL === -Infinity)) throw new DegenerateLikelihoodError(`all ${nlive} initial live points have zero likelihood`);
    // A constant likelihood (no data, or data the model ignores) has no contour to shrink.
    if (points.every((p) => p.logL === points[0]!.logL)) {
      throw new DegenerateLikelihoodError(`the log-likelihood is the same (${points[0]!.logL}) at all ${nlive} initial live points: the data do not constrain the parameters`);
    }
    points.forEach((p, i) => this.setLive(i, p));
    this.initialised = true;
  }

  private async iterate(): Promise<void> {
    if (this.nestedConverged()) return this.refine();
    const { nlive, bound: boundKind, boundUpdateInterval, enlarge } = this.options;
    const worst = this.worstLive();
    const threshold = this.liveLogL[worst];
    if (this.iteration - this.lastBoundIteration >= Math.max(1, Math.round(boundUpdateInterval * nlive))) {
      const bound = buildBound(boundKind, this.liveU, this.d, -this.iteration / nlive, enlarge);
      this.bound = this.options.learnedBound && bound instanceof EllipsoidUnion ? await this.learnedBound(bound) : bound;
      this.lastBoundIteration = this.iteration;
      this.draws?.openBound(this.bound);
    }
    const callsBefore = this.ncall;
    const replacement = await this.replacement(threshold, worst);

    const logWeight = addDeadPoint(this.evidence, threshold, -(this.iteration + 1) / nlive);
    this.deadTheta.append(this.liveTheta.subarray(worst * this.d, (worst + 1) * this.d));
    this.deadLogL.push(threshold);
    this.deadLogWeight.push(logWeight);
    this.setLive(worst, replacement);
    this.iteration++;
    // An exponential average over ~N/10 iterations follows the efficiency as the bound tightens.
    const alpha = Math.min(1, 10 / nlive);
    this.callsPerIteration += alpha * (this.ncall - callsBefore - this.callsPerIteration);
  }

  /**
   * The ellipsoids ∩ the network's filter (LearnedBound), with the threshold that ⌊N/200⌋ live
   * points fail: a training is due once draws from the bound hit the contour less than one time in
   * LEARN_BELOW_EFFICIENCY⁻¹, at most every N iterations (one e-fold of prior volume), on the latest
   * TRAINING_POINTS evaluated points; between trainings the network is kept and only the threshold
   * follows the live points. No network yet, and none due: the ellipsoids alone.
   */
  private async learnedBound(union: EllipsoidUnion): Promise<Bound> {
    const { nlive, seed } = this.options;
    const draws = this.draws!;
    let network = this.bound instanceof LearnedBound ? this.bound.network : null;
    const sinceTraining = this.lastTraining === null ? Infinity : this.iteration - this.lastTraining;
    if (this.callsPerIteration * LEARN_BELOW_EFFICIENCY > 1 && sinceTraining >= nlive && draws.size >= MIN_TRAINING_POINTS) {
      const { u, logL } = draws.latest(TRAINING_POINTS);
      const trainingSeed = Rng.fromSeed(seed).fork(0x7a1 + this.iteration).int(2 ** 31);
      network = new RankNetwork(await this.problem.rankTrainer!(u, logL, this.d, trainingSeed));
      this.lastTraining = this.iteration;
      this.trainings++;
    }
    if (!network) return union;
    const scores = Array.from({ length: nlive }, (_, i) => network.score(this.liveU, i * this.d)).sort((a, b) => a - b);
    return new LearnedBound(union, network, scores[Math.floor(nlive / 200)]);
  }

  private nestedConverged(): boolean {
    return remainingLogEvidence(this.evidence, this.maxLiveLogL()) < this.options.dlogz;
  }

  /**
   * Importance runs with targets: the factor by which the draws where the mass is must still grow —
   * σ(ln Z) falls as 1/√n, the ESS grows as n — or 0 once both targets are met (or none is set).
   */
  private precisionShortfall(): number {
    const { targetEss, discardExploration } = this.options;
    if (!this.draws) return 0;
    if (discardExploration && this.draws.freshDraws === 0) return Infinity;
    const targetLogZerr = this.targetLogZerr();
    if (targetLogZerr === 0 && targetEss === 0) return 0;
    const { logZerr, ess } = this.draws.evidence();
    const evidence = targetLogZerr > 0 && logZerr > targetLogZerr ? (logZerr / targetLogZerr) ** 2 : 0;
    const posterior = targetEss > 0 && ess < targetEss ? targetEss / ess : 0;
    return Math.max(evidence, posterior);
  }

  /** targetLogZerr, or without one, for a run that discards its exploration, the exploration's σ (0: none). */
  private targetLogZerr(): number {
    return this.options.targetLogZerr || (this.draws?.production?.logZerr ?? 0);
  }

  /**
   * One round of dynamic allocation after the nested run has converged (importance runs with
   * targetLogZerr / targetEss, or discarding their exploration): draws from the stored bounds where
   * the posterior mass is (refinementAllocation). A round adds at most as many draws as the run holds
   * (at least N), so the estimate that sizes the next round is never stale by more than a factor 2.
   */
  private async refine(): Promise<void> {
    const draws = this.draws!;
    const { nlive, discardExploration } = this.options;
    const room = this.options.maxCalls - this.ncall;
    const targetLogZerr = this.targetLogZerr();
    // The volumes' Monte Carlo error does not fall with more likelihood draws: hold it to a third of
    // the target first (a ninth of its variance), which costs no likelihood calls.
    const fresh = draws.freshDraws;
    if (targetLogZerr > 0 && (!discardExploration || fresh > 0) && draws.sharpenVolumes((targetLogZerr / 3) ** 2) && this.precisionShortfall() === 0) return;
    let perBound: number[];
    if (discardExploration) {
      // The first batch follows the exploration's posterior shares; later ones, the fresh draws'.
      const strata = draws.evidence().strata;
      const wanted = fresh === 0 ? FIRST_PRODUCTION_FRACTION * draws.size : Math.min(0.5 * (this.precisionShortfall() - 1) * fresh, fresh);
      if (!draws.production) draws.startProduction();
      const batch = Math.max(1, Math.min(Math.max(nlive, Math.ceil(wanted)), room));
      const defensive = Math.ceil(DEFENSIVE_FRACTION * batch);
      const exploration = draws.explorationCounts().map((count) => ({ share: count }));
      const byShare = refinementAllocation(strata, batch - defensive);
      perBound = refinementAllocation(exploration, defensive).map((n, k) => n + byShare[k]);
    } else {
      const growth = this.precisionShortfall() - 1;
      const batch = Math.max(1, Math.min(Math.max(nlive, Math.ceil(0.5 * growth * draws.size)), draws.size, room));
      perBound = refinementAllocation(draws.evidence().strata, batch);
    }
    const us: Float64Array[] = [];
    const from: number[] = [];
    perBound.forEach((count, k) => {
      for (let i = 0; i < count; i++) {
        us.push(draws.bound(k).sampleInto(this.rng, new Float64Array(this.d)));
        from.push(k);
      }
    });
    await this.evaluate(us, -Infinity, from);
  }

  /** The next point above the threshold: from the queue, else from a fresh batch of proposals. */
  private async replacement(threshold: number, worst: number): Promise<Candidate> {
    const ctx: ProposalContext = {
      ndim: this.d,
      rng: this.rng,
      bound: this.bound,
      liveU: this.liveU,
      threshold,
      evaluate: (us) => this.evaluate(us, threshold),
    };
    const { proposal, parallelProposals, slices, whitening, maxCallsPerIteration } = this.options;
    const callsAtStart = this.ncall;
    let lastYield = performance.now();
    for (;;) {
      const next = this.queue.takeAbove(threshold);
      if (next) return next;
      if (this.maxLogL <= threshold) {
        throw new DegenerateLikelihoodError(`every live point has ln L = ${threshold}: the likelihood is flat here and nested sampling cannot proceed`);
      }
      if (this.ncall - callsAtStart > maxCallsPerIteration) {
        throw new DegenerateLikelihoodError(`no point above ln L* = ${threshold} after ${this.ncall - callsAtStart} likelihood calls (iteration ${this.iteration})`);
      }
      if (proposal === 'uniform') {
        const count = Math.max(1, Math.ceil(parallelProposals * this.callsPerIteration));
        this.queue.push(await proposeUniform(ctx, count));
      } else {
        const starts = Array.from({ length: parallelProposals }, () => this.randomLiveAbove(threshold, worst));
        if (this.guidance) {
          const { candidates, widened } = await proposeGuided(ctx, this.guidance, starts, slices, whitening, this.sliceTuning);
          if (widened) this.queue.clear();
          this.queue.push(candidates);
        } else this.queue.push(await proposeSlice(ctx, starts, slices, whitening, this.sliceTuning));
      }
      // A hard contour can take many batches: let heartbeats and cancellation through meanwhile.
      if (performance.now() - lastYield > 20) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        this.signal?.throwIfAborted();
        lastYield = performance.now();
      }
    }
  }

  private randomLiveAbove(threshold: number, worst: number): Candidate {
    for (;;) {
      const i = this.rng.int(this.options.nlive);
      if (i !== worst && this.liveLogL[i] > threshold) {
        const d = this.d;
        return {
          u: this.liveU.slice(i * d, (i + 1) * d),
          theta: this.liveTheta.slice(i * d, (i + 1) * d),
          logL: this.liveLogL[i],
        };
      }
    }
  }

  /** `contour`: the threshold the points must beat (−∞ for the first live points). */
  /** `from`: per point, the bound it was drawn from (importance runs; default the current one). */
  private async evaluate(us: Float64Array[], contour = -Infinity, from?: number[]): Promise<Candidate[]> {
    this.ncall += us.length;
    const points = await evaluateBatch(this.problem, us, contour);
    if (this.draws) points.forEach((p, i) => this.draws!.record(p.u, p.theta, p.logL, from?.[i]));
    return points;
  }

  private setLive(i: number, p: Candidate): void {
    this.liveU.set(p.u, i * this.d);
    this.liveTheta.set(p.theta, i * this.d);
    this.liveLogL[i] = p.logL;
    if (p.logL > this.maxLogL) this.maxLogL = p.logL;
  }

  private worstLive(): number {
    let worst = 0;
    const l = this.liveLogL;
    for (let i = 1; i < l.length; i++) if (l[i] < l[worst]) worst = i;
    return worst;
  }

  /** The live maximum never decreases (only the minimum is removed), so it is tracked in setLive. */
  private maxLiveLogL(): number {
    return this.maxLogL;
  }
}
