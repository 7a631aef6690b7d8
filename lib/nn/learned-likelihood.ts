/**
 * A learned likelihood for nested sampling (after Gómez-Vargas & Vázquez 2024): a batched
 * ln L(θ) that starts as the true likelihood and, once a network reproduces it, answers from the
 * network instead.
 *
 * States and transitions:
 *  - `warmup` / `fallback`: every point is evaluated with the true ln L and kept as a training
 *    pair. After `warmupCalls` (first time) or `retrainAfter` (later) new true calls, a surrogate
 *    is trained on the most recent `trainingWindow` pairs with finite ln L (the sampler's recent
 *    points sit around the current likelihood contour, where accuracy matters). Each retraining
 *    starts from the previous network's weights.
 *  - Training off the sampling path: with `swapAfter: 'ready'` the network trains on a worker
 *    thread while the sampler keeps going on true calls, and is checked and swapped in at the first
 *    call after it is done: the sampler never waits. The call at which that happens depends on
 *    wall time, so it is recorded (events, stats). `swapAfter: K` swaps at exactly K true calls
 *    after the training started, waiting if needed (the wait is counted as `stallSeconds`): fully
 *    reproducible; K = 0 trains in-process, on the path.
 *  - Cost-aware switch: when the first training is due, the mean wall time of a true call so far is
 *    compared with `minTrueCallMs`; below it the network cannot pay for itself (bench/results/
 *    learned-likelihood-cost.md measures where it starts to), and the wrapper turns into the true
 *    likelihood for the rest of the run (`exact`). The decision is recorded and kept on restore.
 *  - Contour clipping: the sampler passes its current contour ln L* with each batch (the
 *    threshold a point must beat). Targets below ln L* − `contourMargin` are clipped to that
 *    floor: the contour only rises, so all the sampler needs there is "below", and a network that
 *    need not follow the deep tail spends its accuracy on the surface that decides acceptance and
 *    evidence. Errors are measured the same way (both sides clipped).
 *  - Errors are measured as nested sampling feels them: |Δ ln L| (both sides clipped) divided by
 *    max(1, depth / D), the depth being ln L_max − ln L with ln L_max the largest true value seen,
 *    and D = d/2 + 3√(d/2) the depth that holds nearly all the posterior mass in d dimensions (for a
 *    Gaussian the depth is Gamma(d/2)-distributed). At a depth of many nats an error shifts the
 *    volume assigned to a contour by ≈ (d/2)·Δ ln L/depth (X ∝ depth^{d/2}) while those points weigh
 *    nothing in Z, so there the error counts relative to the depth; within the posterior's bulk,
 *    where Z is made, it counts in full.
 *  - The network is accepted when the RMS of that error on held-out pairs above the floor is below
 *    `acceptTolerance`; otherwise training is retried after another `retrainAfter` true calls.
 *  - `network`: points are answered by the network. After every `auditEvery` network answers, an
 *    audit re-evaluates `auditSize` of them, chosen at random, with the true ln L (those become
 *    training pairs too). If the mean |Δ ln L| of the audit exceeds `fallbackTolerance`, the wrapper
 *    falls back to the true likelihood and retrains later.
 *  - Retirement: a network is of no use once the contour is within its error of the peak (the
 *    sampler's live points carry true values it cannot reproduce, so it cannot say which
 *    proposals beat the contour). A network too coarse for the current contour is not swapped in,
 *    and an audit that finds almost no network answer above the contour falls back; either way
 *    the rest of the run is on true calls, with no more trainings.
 * Every true evaluation is counted, so `trueCalls` is the cost to compare with a plain run.
 *
 * The whole state is plain data: `checkpoint()` between two calls and `restore()` continue
 * exactly (a training in flight is started again from its saved job), so a nested-sampling
 * activity can checkpoint the sampler and this wrapper together.
 */
import { Rng, type RngState } from '../random.ts';
import { configFromGenome, geneticSearch, surrogateFitness, type GeneticSearchOptions, type Genome } from './genetic.ts';
import { BackgroundTrainer } from './background-training.ts';
import { toMatrix } from './matrix.ts';
import { Surrogate, type SerializedSurrogate, type SurrogateConfig, type SurrogateProgress } from './surrogate.ts';
import { runTrainingJob, type TrainingJob, type TrainingJobResult } from './training-job.ts';

export type TrueLogLikelihood = (batch: number[][]) => ArrayLike<number> | Promise<ArrayLike<number>>;

export interface LearnedLikelihoodOptions {
  warmupCalls: number;
  acceptTolerance: number;
  auditEvery: number;
  auditSize: number;
  fallbackTolerance: number;
  retrainAfter: number;
  trainingWindow: number;
  /** Nats below the sampler's contour where training targets and errors are clipped (null: never clip). */
  contourMargin: number | null;
  /** Fraction of the training window held out to decide acceptance. */
  acceptanceFraction: number;
  /** Network and training settings (ensembleSize 1 by default: one network answers). */
  network: Partial<SurrogateConfig>;
  /** When set, a genetic search picks layers, units and learning rate at the first training. */
  architectureSearch: (Partial<GeneticSearchOptions> & { epochs?: number }) | null;
  /** 'ready': train on a worker thread, swap in when done (never waits); K: swap K true calls after the start (0: train in-process). */
  swapAfter: 'ready' | number;
  /** Mean true-call wall time (ms) below which the run stays exact (null: always learn). */
  minTrueCallMs: number | null;
  seed: number;
}

export const DEFAULT_LEARNED_LIKELIHOOD: LearnedLikelihoodOptions = {
  warmupCalls: 3000,
  // With errors counted in full across the posterior's bulk, 0.1 gave |Δ ln Z| ≤ 0.023 and saved
  // 58–79% of true calls on the cosmology models at 500 live points; 0.05 saved 49–77%.
  acceptTolerance: 0.1,
  auditEvery: 500,
  auditSize: 25,
  fallbackTolerance: 0.05,
  // Off the sampling path a rejected training costs no wall time, so the next one starts soon.
  retrainAfter: 200,
  trainingWindow: 3000,
  contourMargin: 3,
  acceptanceFraction: 0.15,
  // Measured on cosmology likelihood surfaces: three tanh layers of 32 fit them 2–3× more
  // accurately than two silu layers of 64 in the same training time.
  network: {
    hiddenUnits: [32, 32, 32],
    activation: 'tanh',
    ensembleSize: 1,
    epochs: 300,
    batchSize: 128,
    learningRate: { kind: 'cosine', initial: 1e-2, final: 1e-5 },
    patience: 30,
  },
  architectureSearch: null,
  swapAfter: 'ready',
  // bench/results/learned-likelihood-cost.md: below about this cost per true call the learned path
  // does not finish sooner than the exact one on the cosmology models.
  minTrueCallMs: 1,
  seed: 0,
};

export type LearnedLikelihoodMode = 'warmup' | 'network' | 'fallback' | 'exact';

/** The cost-aware switch's decision, taken once when the first training is due. */
export interface CostDecision {
  /** Mean wall time of a true call during the warm-up. */
  measuredMs: number;
  thresholdMs: number | null;
  choice: 'learned' | 'exact';
}

/** One row per training or audit: the learned likelihood's story, ready for a Parquet table. */
export interface LearnedLikelihoodEvent {
  kind: 'trained' | 'audit';
  /** True calls when the event happened (for a training: when its network was checked and swapped in or rejected). */
  trueCalls: number;
  /** True calls when the training started (= trueCalls for audits and in-process trainings). */
  startedAt: number;
  networkCalls: number;
  /** Held-out RMS (trained) or mean (audit) answer error, as defined at the top of this file. */
  error: number;
  /** Whether the network was accepted (trained) or kept (audit). */
  passed: boolean;
}

export interface LearnedLikelihoodStats {
  mode: LearnedLikelihoodMode;
  trueCalls: number;
  /** True evaluations made by audits (included in trueCalls; the sampler never asked for them). */
  auditCalls: number;
  networkCalls: number;
  trainings: number;
  fallbacks: number;
  genome: Genome | null;
  /** What the cost-aware switch chose (null before the first training was due). */
  costChoice: CostDecision['choice'] | null;
}

/** Wall-time figures: they differ from run to run, unlike everything in stats(). */
export interface LearnedLikelihoodTimings {
  /** Mean wall time of a true call during the warm-up, as the cost-aware switch saw it. */
  trueCallMs: number | null;
  thresholdMs: number | null;
  trueSeconds: number;
  /** Wall seconds the sampler waited for a training (0 with swapAfter 'ready'). */
  stallSeconds: number;
  /** Wall seconds of training, wherever it ran. */
  trainingSeconds: number;
}

/** A training in flight: its job, and what the network will be checked on when it is done. */
interface PendingTraining {
  job: TrainingJob;
  startedAt: number;
  /** The clipping floor when the training started (null: none yet; JSON has no −∞). */
  floor: number | null;
  heldOut: { thetas: number[][]; logLs: number[] };
}

/** Everything the wrapper knows, as JSON-ready plain data. */
export interface LearnedLikelihoodCheckpoint {
  format: 'sciflow.learned-likelihood/1';
  options: LearnedLikelihoodOptions;
  mode: LearnedLikelihoodMode;
  trueCalls: number;
  auditCalls: number;
  networkCalls: number;
  trainings: number;
  fallbacks: number;
  callsSinceTraining: number;
  /** The sampler's contour at the latest call (null before it passed one). */
  contour: number | null;
  /** The largest finite true ln L seen (null before any). */
  maxLogL: number | null;
  /** The most recent true evaluations with finite ln L (at most 2 × trainingWindow are kept). */
  thetas: number[][];
  logLs: number[];
  /** Network answers since the last audit, and whether each beat the contour it was asked about. */
  sinceAudit: { theta: number[]; predicted: number; above: boolean }[];
  /** No more networks this run: the contour came too close to the peak for one to help (see retire()). */
  retired: boolean;
  network: SerializedSurrogate | null;
  /** The latest trained network, accepted or not: the next training starts from its weights. */
  warmFrom: SerializedSurrogate | null;
  training: PendingTraining | null;
  genome: Genome | null;
  cost: CostDecision | null;
  trueSeconds: number;
  stallSeconds: number;
  trainingSeconds: number;
  rng: RngState;
  events: LearnedLikelihoodEvent[];
}

export interface LearnedLikelihoodHooks {
  /** Called after every training epoch (genetic-search candidates included): heartbeat here. */
  onEpoch?: (progress: SurrogateProgress) => void | Promise<void>;
}

export class LearnedLikelihood {
  private readonly s: Omit<LearnedLikelihoodCheckpoint, 'network' | 'rng'>;
  private network: Surrogate | null;
  private readonly rng: Rng;
  private trainer: BackgroundTrainer | null = null;
  /** The training in flight (`s.training`) as a promise, and its result once it has settled. */
  private inFlight: Promise<TrainingJobResult> | null = null;
  private settled = false;

  constructor(
    private readonly trueLogLikelihood: TrueLogLikelihood,
    options: Partial<LearnedLikelihoodOptions> = {},
    private readonly hooks: LearnedLikelihoodHooks = {},
    checkpoint?: LearnedLikelihoodCheckpoint,
  ) {
    const resolved = {
      ...DEFAULT_LEARNED_LIKELIHOOD,
      ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
      network: { ...DEFAULT_LEARNED_LIKELIHOOD.network, ...options.network },
    };
    const { network, rng, ...rest } = checkpoint ?? {
      format: 'sciflow.learned-likelihood/1' as const,
      options: resolved,
      mode: 'warmup' as const,
      trueCalls: 0,
      auditCalls: 0,
      networkCalls: 0,
      trainings: 0,
      fallbacks: 0,
      callsSinceTraining: 0,
      contour: null,
      maxLogL: null,
      thetas: [],
      logLs: [],
      sinceAudit: [],
      retired: false,
      network: null,
      warmFrom: null,
      training: null,
      genome: null,
      cost: null,
      trueSeconds: 0,
      stallSeconds: 0,
      trainingSeconds: 0,
      rng: Rng.fromSeed(resolved.seed).state(),
      events: [],
    };
    this.s = structuredClone(rest);
    this.network = network ? Surrogate.restore(network) : null;
    this.rng = Rng.fromState(rng);
  }

  /** Continues from `checkpoint()` output (the true likelihood and hooks are supplied again). */
  static restore(
    trueLogLikelihood: TrueLogLikelihood,
    checkpoint: LearnedLikelihoodCheckpoint,
    hooks: LearnedLikelihoodHooks = {},
  ): LearnedLikelihood {
    if (checkpoint.format !== 'sciflow.learned-likelihood/1') {
      throw new Error(`not a learned-likelihood checkpoint (format ${String(checkpoint.format)})`);
    }
    return new LearnedLikelihood(trueLogLikelihood, checkpoint.options, hooks, checkpoint);
  }

  checkpoint(): LearnedLikelihoodCheckpoint {
    return {
      ...structuredClone(this.s),
      network: this.network ? this.network.serialize() : null,
      rng: this.rng.state(),
    };
  }

  get events(): readonly LearnedLikelihoodEvent[] {
    return this.s.events;
  }

  /** The batched ln L to hand to a nested sampler; `contour` is the sampler's current ln L*. */
  readonly logLikelihood = async (batch: number[][], contour?: number): Promise<number[]> => {
    const { options } = this.s;
    if (contour !== undefined && Number.isFinite(contour)) this.s.contour = contour;
    if (this.s.mode === 'exact') return this.evaluateTrue(batch);
    if (this.s.mode !== 'network') {
      const values = await this.evaluateTrue(batch);
      this.s.callsSinceTraining += batch.length;
      await this.advanceTraining();
      return values;
    }
    const predicted = this.predict(batch);
    this.s.networkCalls += batch.length;
    const contourNow = this.s.contour ?? -Infinity;
    batch.forEach((theta, i) => this.s.sinceAudit.push({ theta, predicted: predicted[i], above: predicted[i] > contourNow }));
    if (this.s.sinceAudit.length >= options.auditEvery) {
      const audited = await this.audit();
      // Audited points of this very batch get their true values back.
      const indexOf = new Map(batch.map((theta, i) => [theta, i]));
      audited.forEach(({ theta, trueLogL }) => {
        const i = indexOf.get(theta);
        if (i !== undefined) predicted[i] = trueLogL;
      });
    }
    return predicted;
  };

  stats(): LearnedLikelihoodStats {
    const { mode, trueCalls, auditCalls, networkCalls, trainings, fallbacks, genome, cost } = this.s;
    return { mode, trueCalls, auditCalls, networkCalls, trainings, fallbacks, genome, costChoice: cost?.choice ?? null };
  }

  timings(): LearnedLikelihoodTimings {
    const { cost, trueSeconds, stallSeconds, trainingSeconds } = this.s;
    return { trueCallMs: cost?.measuredMs ?? null, thresholdMs: cost?.thresholdMs ?? null, trueSeconds, stallSeconds, trainingSeconds };
  }

  /** Frees the network and stops the training thread (a training in flight is abandoned). */
  async dispose(): Promise<void> {
    this.network?.dispose();
    this.network = null;
    const trainer = this.trainer;
    this.trainer = null;
    this.inFlight?.catch(() => {});
    await trainer?.close();
  }

  private async evaluateTrue(batch: number[][]): Promise<number[]> {
    const t0 = performance.now();
    const values = Array.from(await this.trueLogLikelihood(batch));
    this.s.trueSeconds += (performance.now() - t0) / 1000;
    this.s.trueCalls += batch.length;
    // Exact or retired: no network will be trained or checked again, so keep no training pairs.
    if (this.s.mode === 'exact' || this.s.retired) return values;
    batch.forEach((theta, i) => {
      if (Number.isFinite(values[i])) {
        if (this.s.maxLogL === null || values[i] > this.s.maxLogL) this.s.maxLogL = values[i];
        this.s.thetas.push([...theta]);
        this.s.logLs.push(values[i]);
      }
    });
    // Only the latest trainingWindow pairs are ever trained on; trimming in bulk keeps this O(1) amortised.
    const window = this.s.options.trainingWindow;
    if (this.s.thetas.length > 2 * window) {
      this.s.thetas.splice(0, this.s.thetas.length - window);
      this.s.logLs.splice(0, this.s.logLs.length - window);
    }
    return values;
  }

  private predict(batch: number[][]): number[] {
    const { mean } = this.network!.predictMatrix(toMatrix(batch));
    return Array.from(mean.data);
  }

  /** ln L values below this are clipped to it (−∞ while the sampler has not passed a contour). */
  private floor(): number {
    const { contour, options } = this.s;
    return contour === null || options.contourMargin === null ? -Infinity : contour - options.contourMargin;
  }

  /** Starts, checks or swaps in a training as the call counts and options say (true-call modes only). */
  private async advanceTraining(): Promise<void> {
    const { options } = this.s;
    if (this.s.training) {
      this.inFlight ??= this.launch(this.s.training.job);
      if (options.swapAfter === 'ready') {
        // A worker's answer arrives as an event: give the event loop a turn so it can be seen.
        if (!this.settled) await new Promise((resolve) => setImmediate(resolve));
        if (this.settled) await this.swapIn();
      } else if (this.s.trueCalls - this.s.training.startedAt >= options.swapAfter) {
        await this.swapIn();
      }
      return;
    }
    if (this.s.retired || this.s.callsSinceTraining < (this.s.trainings === 0 ? options.warmupCalls : options.retrainAfter)) return;
    if (this.s.cost === null && this.decideOnCost() === 'exact') return;
    this.s.training = await this.prepareTraining();
    this.inFlight = this.launch(this.s.training.job);
    if (options.swapAfter === 0) await this.swapIn();
  }

  /** The cost-aware switch (see the top of this file); 'exact' ends the learning for this run. */
  private decideOnCost(): CostDecision['choice'] {
    const thresholdMs = this.s.options.minTrueCallMs;
    const measuredMs = (1000 * this.s.trueSeconds) / Math.max(1, this.s.trueCalls);
    const choice = thresholdMs !== null && measuredMs < thresholdMs ? 'exact' : 'learned';
    this.s.cost = { measuredMs, thresholdMs, choice };
    if (choice === 'exact') this.s.mode = 'exact';
    return choice;
  }

  /** Training rows, held-out rows and network settings from the recent window (draws from the rng). */
  private async prepareTraining(): Promise<PendingTraining> {
    const { options } = this.s;
    this.s.callsSinceTraining = 0;
    const floor = this.floor();
    const start = Math.max(0, this.s.thetas.length - options.trainingWindow);
    const order = this.rng.shuffle(Array.from({ length: this.s.thetas.length - start }, (_, i) => start + i));
    const heldOut = order.slice(0, Math.round(options.acceptanceFraction * order.length));
    const trainRows = order.slice(heldOut.length);
    const inputs = trainRows.map((i) => this.s.thetas[i]);
    const outputs = trainRows.map((i) => [Math.max(this.s.logLs[i], floor)]);
    const seed = this.rng.nextUint32();
    let config: Partial<SurrogateConfig> = { ...options.network, testFraction: 0, seed };
    if (options.architectureSearch && !this.s.genome) {
      const { epochs, ...search } = options.architectureSearch;
      const fitness = surrogateFitness(inputs, outputs, { ...config, epochs: epochs ?? config.epochs }, this.hooks);
      this.s.genome = (await geneticSearch(fitness, { seed, ...search })).best;
    }
    if (this.s.genome) config = configFromGenome(this.s.genome, config);
    return {
      job: { inputs, outputs, config, initialFrom: this.s.warmFrom },
      startedAt: this.s.trueCalls,
      floor: Number.isFinite(floor) ? floor : null,
      heldOut: { thetas: heldOut.map((i) => this.s.thetas[i]), logLs: heldOut.map((i) => this.s.logLs[i]) },
    };
  }

  /** Runs a job in-process (swapAfter 0, heartbeating per epoch) or on the training thread. */
  private launch(job: TrainingJob): Promise<TrainingJobResult> {
    this.settled = false;
    const running =
      this.s.options.swapAfter === 0
        ? runTrainingJob(job, this.hooks.onEpoch)
        : (this.trainer ??= new BackgroundTrainer()).train(job);
    void running.then(
      () => (this.settled = true),
      () => (this.settled = true),
    );
    return running;
  }

  /** Waits for the training in flight (counted as a stall if not done), checks its network and swaps it in if it passes. */
  private async swapIn(): Promise<void> {
    const { options } = this.s;
    const pending = this.s.training!;
    const t0 = performance.now();
    const wasSettled = this.settled;
    const result = await this.inFlight!;
    if (!wasSettled && options.swapAfter !== 0) this.s.stallSeconds += (performance.now() - t0) / 1000;
    this.inFlight = null;
    this.s.training = null;
    this.s.callsSinceTraining = 0;
    this.s.trainings++;
    this.s.trainingSeconds += result.seconds;
    this.s.warmFrom = result.network;
    const network = Surrogate.restore(result.network);
    const predicted = network.predictMatrix(toMatrix(pending.heldOut.thetas)).mean.data;
    const error = this.heldOutError(predicted, pending.heldOut.logLs, pending.floor ?? -Infinity);
    const tooCoarse = this.tooCoarse(predicted, pending.heldOut.logLs);
    const passed = error < options.acceptTolerance && !tooCoarse;
    this.s.events.push({ kind: 'trained', trueCalls: this.s.trueCalls, startedAt: pending.startedAt, networkCalls: this.s.networkCalls, error, passed });
    if (tooCoarse) this.retire();
    if (passed) {
      this.network?.dispose();
      this.network = network;
      this.s.mode = 'network';
      this.s.sinceAudit = [];
    } else {
      network.dispose();
    }
  }

  /**
   * Whether the network's absolute error on held-out points above the current contour is more than
   * half the gap between the contour and the peak. Late in a run that gap is a fraction of a nat:
   * the sampler's live points carry true values there, and a network that cannot resolve them
   * cannot say which proposals beat the contour (the sampler then proposes in vain).
   */
  private tooCoarse(predicted: ArrayLike<number>, logLs: number[]): boolean {
    const { contour, maxLogL } = this.s;
    if (contour === null || maxLogL === null) return false;
    const top = logLs.map((_, i) => i).filter((i) => logLs[i] >= contour);
    if (top.length < 10) return false;
    const rms = Math.sqrt(top.reduce((acc, i) => acc + (predicted[i] - logLs[i]) ** 2, 0) / top.length);
    return rms > (maxLogL - contour) / 2;
  }

  /** Back to true calls for the rest of the run, with no more trainings. */
  private retire(): void {
    this.s.retired = true;
    this.s.mode = 'fallback';
    this.network?.dispose();
    this.network = null;
  }

  /** Error of one answer as nested sampling feels it (see the top of this file). */
  private answerError(predicted: number, truth: number, floor = this.floor()): number {
    const t = Math.max(truth, floor);
    // Without a contour a −∞ truth (outside the support) against a finite prediction is an error of ∞.
    if (!Number.isFinite(t)) return predicted === t ? 0 : Infinity;
    const d = this.s.thetas[0]?.length ?? 1;
    const bulk = d / 2 + 3 * Math.sqrt(d / 2);
    return Math.abs(Math.max(predicted, floor) - t) / Math.max(1, ((this.s.maxLogL ?? t) - t) / bulk);
  }

  /** RMS answer error on held-out pairs above the floor (on all of them if fewer than 20 are). */
  private heldOutError(predicted: ArrayLike<number>, logLs: number[], floor: number): number {
    const all = logLs.map((_, i) => i);
    const above = all.filter((i) => logLs[i] > floor);
    const chosen = above.length >= 20 ? above : all;
    return Math.sqrt(chosen.reduce((acc, i) => acc + this.answerError(predicted[i], logLs[i], floor) ** 2, 0) / chosen.length);
  }

  private async audit(): Promise<{ theta: number[]; trueLogL: number }[]> {
    const pool = this.rng.shuffle(this.s.sinceAudit);
    this.s.sinceAudit = [];
    const chosen = pool.slice(0, this.s.options.auditSize);
    const truth = await this.evaluateTrue(chosen.map((c) => c.theta));
    this.s.auditCalls += chosen.length;
    const meanError = chosen.reduce((sum, c, i) => sum + this.answerError(c.predicted, truth[i]), 0) / chosen.length;
    // Starved: almost no network answer beat the contour (see tooCoarse); true calls from here on.
    const starved = pool.filter((c) => c.above).length < 0.002 * pool.length;
    const passed = meanError <= this.s.options.fallbackTolerance && !starved;
    this.s.events.push({ kind: 'audit', trueCalls: this.s.trueCalls, startedAt: this.s.trueCalls, networkCalls: this.s.networkCalls, error: meanError, passed });
    if (starved) {
      this.s.fallbacks++;
      this.retire();
    } else if (!passed) {
      this.s.mode = 'fallback';
      this.s.fallbacks++;
      this.s.callsSinceTraining = 0;
      this.network?.dispose();
      this.network = null;
    }
    return chosen.map((c, i) => ({ theta: c.theta, trueLogL: truth[i] }));
  }
}
