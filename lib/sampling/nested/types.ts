/**
 * The nested sampler's public types: the problem it solves, its options, what it reports.
 */
import type { RngState } from '../../random.ts';
import type { JsonFloat } from '../json-floats.ts';
import type { BoundJson, BoundKind } from './bound.ts';
import type { EvidenceState } from './evidence.ts';
import type { DrawLogJson } from './importance.ts';
import type { GuideOptions, GuideStats, SurrogateGuide } from './proposals/guided.ts';
import type { RankTrainer } from './rank-network.ts';
import type { SliceWhitening } from './proposals/slice.ts';

/**
 * ln L for many points at once; −∞ is allowed (zero likelihood), NaN and +∞ are errors. The
 * sampler also passes its current contour ln L* (−∞ while drawing the first live points): a
 * likelihood may use it (a learned likelihood clips its targets below it), most ignore it.
 */
export type BatchLogLikelihood = (batch: number[][], contour?: number) => ArrayLike<number> | Promise<ArrayLike<number>>;

export interface NestedProblem {
  ndim: number;
  paramNames?: string[];
  /** Maps a point of the unit cube [0,1]^ndim to parameters distributed as the prior (ndim values). */
  priorTransform(u: number[]): number[];
  /** Always called with a batch of parameter vectors; returns one ln L per point. */
  logLikelihood: BatchLogLikelihood;
  /**
   * A cheap surrogate of ln L: when given, slice chains run on it and each chain's endpoint costs
   * one exact call (surrogate-guided exact sampling, proposals/guided.ts; settings in options.guide).
   */
  guide?: SurrogateGuide;
  /**
   * Trains the network of a learned bound (options.learnedBound): lib/nn's rankTrainer() gives one
   * on TensorFlow.js.
   */
  rankTrainer?: RankTrainer;
}

export type ProposalKind = 'auto' | 'uniform' | 'slice';

export interface NestedSamplerOptions {
  /** Number of live points N. Default 500. */
  nlive?: number;
  /** Seed of the only random stream used. Default 1. */
  seed?: number;
  /**
   * Stop when the largest evidence still to come, ln(Z + L_max·X) − ln Z, falls below this.
   * Default dynesty's 1e-3·(N − 1) + 0.01 (0.509 for N = 500).
   */
  dlogz?: number;
  /** 'multi' ellipsoids (default), one ellipsoid ('single') or the unit cube ('none'). */
  bound?: BoundKind;
  /**
   * How replacement points are drawn: 'uniform' inside the bound, or 'slice' (random-direction slice
   * sampling whitened by the bound's ellipsoid). 'auto' (default): uniform for ndim ≤ 20, slice above
   * (measured: uniform needs several times fewer calls up to d = 20, see bench/results).
   */
  proposal?: ProposalKind;
  /**
   * Volume factor by which every ellipsoid is enlarged, or 'auto' (default): per ellipsoid, from the
   * dimension and the number of points it bounds (see autoEnlargement in bound.ts).
   */
  enlarge?: number | 'auto';
  /** Rebuild the bound every this many iterations, as a fraction of N. Default 0.2. */
  boundUpdateInterval?: number;
  /** Slice steps per new point (slice proposal). Default ndim + 3 (dynesty's rslice default). */
  slices?: number;
  /**
   * How slice directions are whitened: by the live points' full covariance ('covariance', default
   * for ndim ≤ 10: follows strongly correlated posteriors) or their per-coordinate scales
   * ('diagonal', default above: full whitening biases ln Z high in many dimensions, see
   * proposals/slice.ts), or not at all: 'differential' slices along the difference of two random
   * live points, which follows curved and multimodal posteriors where one covariance cannot.
   */
  whitening?: SliceWhitening;
  /**
   * Replacement points proposed together: uniform proposals draw this many iterations' worth of
   * candidates per likelihood batch; slice proposals advance this many chains in lock-step.
   * Default max(1, round(N/100)).
   */
  parallelProposals?: number;
  /** Hard limits; reaching one ends the run like convergence does. */
  maxIterations?: number;
  maxCalls?: number;
  /**
   * Likelihood calls one replacement point may cost before the run ends with a
   * DegenerateLikelihoodError (default 10⁶): a backstop against a contour that no proposal can
   * beat, so a degenerate problem fails instead of spinning.
   */
  maxCallsPerIteration?: number;
  /**
   * Margin, spread factor and audit fraction of surrogate-guided sampling (proposals/guided.ts);
   * used only with problem.guide, which implies slice proposals. Defaults in resolveGuideOptions.
   */
  guide?: GuideOptions;
  /**
   * Importance nested sampling (importance.ts): ln Z and the posterior from every evaluated point,
   * weighted by L over the mixture of the bounds they were drawn from, instead of from the dead
   * points alone. Needs uniform proposals (ndim ≤ 20 by default). Default false. The run itself
   * (its points, calls and the plain nested estimate, kept in result.nested) is unchanged.
   */
  importance?: boolean;
  /**
   * Dynamic allocation (importance runs only): after the nested run converges, keep drawing from its
   * bounds — where the draws cut the evidence error or raise the ESS most — until σ(ln Z) ≤
   * targetLogZerr and ESS ≥ targetEss (either may be left out or 0; maxCalls still ends the run).
   * The precision is then chosen instead of implied by nlive; nlive sets how finely the bounds follow
   * the contours.
   */
  targetLogZerr?: number;
  targetEss?: number;
  /**
   * Learned bound (importance runs; needs problem.rankTrainer): once uniform draws from the
   * ellipsoids hit the contour less than one time in five, a network trained on the points
   * evaluated so far to rank them by ln L filters the draws, and only those it scores above (nearly)
   * every live point are evaluated — nautilus's idea (Lange 2023). The filter may cut off a sliver
   * of the contour, which importance weighting is meant to turn into variance, not bias (the plain
   * estimate in result.nested is not corrected). Its runs discard their exploration by default
   * (discardExploration). Pays when a likelihood call costs more than the few µs of network per
   * filtered draw and the seconds per training. Default false.
   */
  learnedBound?: boolean;
  /**
   * Discard the exploration (importance runs; nautilus's discard_exploration): once the nested run
   * has converged, draw afresh from its bounds, now fixed — by posterior share, 5% as the run drew —
   * and take ln Z and the posterior from those draws alone, until σ(ln Z) ≤ targetLogZerr (without
   * a target: the exploration's own σ). The exploration's points shaped the bounds they are weighted
   * with — later bounds are built around the live points — which pulls ln Z low: with learned
   * bounds on 10-D LogGamma, mean z −0.74 over 20 seeds, −0.23 once discarded
   * (bench/results/nested-sampling-learned.md). The exploration's estimate is kept in
   * result.exploration. Default: on with learnedBound, else off.
   */
  discardExploration?: boolean;
}

export type ResolvedOptions = Required<Omit<NestedSamplerOptions, 'proposal' | 'guide'>> & {
  proposal: 'uniform' | 'slice';
  /** Present only in guided runs. */
  guide?: Required<GuideOptions>;
};

export interface NestedProgress {
  iteration: number;
  ncall: number;
  logZ: number;
  logZerr: number;
  /** Current remaining-evidence statistic; the run stops when it drops below options.dlogz. */
  dlogz: number;
  /** Iterations per likelihood call so far. */
  efficiency: number;
  /** Number of ellipsoids in the current bound (0 for the cube). */
  nbound: number;
  /** Guided runs only: surrogate calls, audits, failures, current margin (ncall counts exact calls). */
  guide?: GuideStats;
}

export type StopReason = 'converged' | 'maxIterations' | 'maxCalls' | 'paused';

export interface RunStatus {
  /** True once a stopping rule fired; false when paused by shouldStop. */
  finished: boolean;
  reason: StopReason;
}

export interface RunControls {
  /** Called every `progressEvery` iterations and once at the end of the call. */
  onProgress?(progress: NestedProgress): void | Promise<void>;
  /** Iterations between progress reports. Default N/10. */
  progressEvery?: number;
  /** Checked between iterations; returning true pauses the run (resume with run() or checkpoint()). */
  shouldStop?(): boolean;
  /**
   * Abandons the run as soon as it is aborted, within an iteration too (one iteration on a hard
   * contour can take minutes): run() throws the signal's reason. The sampler is then unusable; a
   * checkpoint taken before resumes the work.
   */
  signal?: AbortSignal;
}

export interface NestedResult {
  logZ: number;
  /** √(H/N). */
  logZerr: number;
  /** Information H = KL(posterior ‖ prior) in nats. */
  information: number;
  ncall: number;
  niter: number;
  nlive: number;
  /** niter / ncall. */
  efficiency: number;
  /** Kish effective sample size of the weighted posterior. */
  ess: number;
  stopReason: StopReason;
  paramNames: string[];
  /** Weighted posterior: dead points then the final live points. */
  samples: {
    theta: number[][];
    logWeight: number[];
    logL: number[];
  };
  /** Equal-weight posterior draws (systematic resampling, as many as weighted samples). */
  equalWeight: number[][];
  /** Guided runs only: surrogate calls, audits, failures, final margin (ncall counts exact calls). */
  guide?: GuideStats;
  /**
   * Importance runs only: logZ, logZerr, ess and samples above come from every evaluated point
   * (logZerr: the stratified sampling error and the volumes' Monte Carlo error, importance.ts); here
   * is the plain nested estimate of the same run, and the number of points.
   */
  nested?: { logZ: number; logZerr: number; points: number };
  /** Runs that discarded their exploration: its own importance estimate and points (logZ above is from the fresh draws). */
  exploration?: { logZ: number; logZerr: number; points: number };
  /** Learned-bound runs only: how many networks were trained. */
  trainings?: number;
}

/** Everything needed to continue a run bit-for-bit; JSON-serialisable plain data (floats per json-floats.ts). */
export interface NestedCheckpoint {
  format: 'sciflow.nested/1';
  options: ResolvedOptions;
  ndim: number;
  rng: RngState;
  initialised: boolean;
  iteration: number;
  ncall: number;
  lastBoundIteration: number;
  /** Learned-bound runs: the iteration of the latest network training (null: none yet), and how many there were. */
  lastTraining?: number | null;
  trainings?: number;
  callsPerIteration: number;
  sliceScale: number;
  evidence: { logZ: JsonFloat; h: number; logVolume: number; logL: JsonFloat };
  /** Flat arrays, point-major: u and theta hold ndim values per point. */
  live: PointsJson;
  dead: PointsJson & { logWeight: JsonFloat[] };
  /** Evaluated candidates not used yet (see candidates.ts). */
  queue: PointsJson;
  bound: BoundJson;
  /** Guided runs only (absent in unguided and older checkpoints). */
  guide?: GuideStats;
  /** Importance runs only: every evaluated point and the bounds they were drawn from. */
  draws?: DrawLogJson;
}

export interface PointsJson {
  u?: JsonFloat[];
  theta: JsonFloat[];
  logL: JsonFloat[];
}

export type { EvidenceState };
