/**
 * A learned likelihood for nested sampling (after Gómez-Vargas & Vázquez 2024): a batched
 * ln L(θ) that starts as the true likelihood and, once a network reproduces it, answers from the
 * network instead.
 *
 * States and transitions:
 *  - `warmup` / `fallback`: every point is evaluated with the true ln L and kept as a training
 *    pair. After `warmupCalls` (first time) or `retrainAfter` (later) new true calls, a surrogate
 *    is trained on the most recent `trainingWindow` pairs with finite ln L (the sampler's recent
 *    points sit around the current likelihood contour, where accuracy matters).
 *  - The network is accepted when its held-out RMSE of ln L is below `acceptTolerance`; otherwise
 *    training is retried after another `retrainAfter` true calls.
 *  - `network`: points are answered by the network. After every `auditEvery` network answers, an
 *    audit re-evaluates `auditSize` of them, chosen at random, with the true ln L (those become
 *    training pairs too). If the mean |Δ ln L| of the audit exceeds `fallbackTolerance`, the wrapper
 *    falls back to the true likelihood and retrains later.
 * Every true evaluation is counted, so `trueCalls` is the cost to compare with a plain run.
 *
 * The whole state is plain data: `checkpoint()` between two calls and `restore()` continue
 * exactly, so a nested-sampling activity can checkpoint the sampler and this wrapper together.
 */
import { Rng, type RngState } from '../random.ts';
import { geneticSearch, configFromGenome, surrogateFitness, type GeneticSearchOptions, type Genome } from './genetic.ts';
import { toMatrix } from './matrix.ts';
import {
  fitSurrogate,
  Surrogate,
  type SerializedSurrogate,
  type SurrogateConfig,
  type SurrogateProgress,
} from './surrogate.ts';

export type TrueLogLikelihood = (batch: number[][]) => ArrayLike<number> | Promise<ArrayLike<number>>;

export interface LearnedLikelihoodOptions {
  warmupCalls: number;
  acceptTolerance: number;
  auditEvery: number;
  auditSize: number;
  fallbackTolerance: number;
  retrainAfter: number;
  trainingWindow: number;
  /** Network and training settings (ensembleSize 1 by default: one network answers). */
  network: Partial<SurrogateConfig>;
  /** When set, a genetic search picks layers, units and learning rate at the first training. */
  architectureSearch: (Partial<GeneticSearchOptions> & { epochs?: number }) | null;
  seed: number;
}

export const DEFAULT_LEARNED_LIKELIHOOD: LearnedLikelihoodOptions = {
  warmupCalls: 3000,
  acceptTolerance: 0.05,
  auditEvery: 500,
  auditSize: 25,
  fallbackTolerance: 0.1,
  retrainAfter: 1000,
  trainingWindow: 3000,
  network: {
    hiddenUnits: [64, 64],
    activation: 'silu',
    ensembleSize: 1,
    epochs: 150,
    batchSize: 64,
    patience: 20,
  },
  architectureSearch: null,
  seed: 0,
};

export type LearnedLikelihoodMode = 'warmup' | 'network' | 'fallback';

/** One row per training or audit: the learned likelihood's story, ready for a Parquet table. */
export interface LearnedLikelihoodEvent {
  kind: 'trained' | 'audit';
  trueCalls: number;
  networkCalls: number;
  /** Held-out RMSE of ln L (trained) or mean |Δ ln L| of the audited points (audit). */
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
  /** The most recent true evaluations with finite ln L (at most 2 × trainingWindow are kept). */
  thetas: number[][];
  logLs: number[];
  sinceAudit: { theta: number[]; predicted: number }[];
  network: SerializedSurrogate | null;
  genome: Genome | null;
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

  constructor(
    private readonly trueLogLikelihood: TrueLogLikelihood,
    options: Partial<LearnedLikelihoodOptions> = {},
    private readonly hooks: LearnedLikelihoodHooks = {},
    checkpoint?: LearnedLikelihoodCheckpoint,
  ) {
    const resolved = { ...DEFAULT_LEARNED_LIKELIHOOD, ...options, network: { ...DEFAULT_LEARNED_LIKELIHOOD.network, ...options.network } };
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
      thetas: [],
      logLs: [],
      sinceAudit: [],
      network: null,
      genome: null,
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

  /** The batched ln L to hand to a nested sampler. */
  readonly logLikelihood = async (batch: number[][]): Promise<number[]> => {
    const { options } = this.s;
    if (this.s.mode !== 'network') {
      const values = await this.evaluateTrue(batch);
      this.s.callsSinceTraining += batch.length;
      const due = this.s.mode === 'warmup' ? options.warmupCalls : options.retrainAfter;
      if (this.s.callsSinceTraining >= due) await this.train();
      return values;
    }
    const predicted = this.predict(batch);
    this.s.networkCalls += batch.length;
    batch.forEach((theta, i) => this.s.sinceAudit.push({ theta, predicted: predicted[i] }));
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
    const { mode, trueCalls, auditCalls, networkCalls, trainings, fallbacks, genome } = this.s;
    return { mode, trueCalls, auditCalls, networkCalls, trainings, fallbacks, genome };
  }

  dispose(): void {
    this.network?.dispose();
    this.network = null;
  }

  private async evaluateTrue(batch: number[][]): Promise<number[]> {
    const values = Array.from(await this.trueLogLikelihood(batch));
    this.s.trueCalls += batch.length;
    batch.forEach((theta, i) => {
      if (Number.isFinite(values[i])) {
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

  private async train(): Promise<void> {
    const { options } = this.s;
    this.s.callsSinceTraining = 0;
    const start = Math.max(0, this.s.thetas.length - options.trainingWindow);
    const inputs = this.s.thetas.slice(start);
    const outputs = this.s.logLs.slice(start).map((v) => [v]);
    const seed = this.rng.nextUint32();
    let config: Partial<SurrogateConfig> = { ...options.network, seed };
    if (options.architectureSearch && !this.s.genome) {
      const { epochs, ...search } = options.architectureSearch;
      const fitness = surrogateFitness(inputs, outputs, { ...config, epochs: epochs ?? config.epochs }, this.hooks);
      this.s.genome = (await geneticSearch(fitness, { seed, ...search })).best;
    }
    if (this.s.genome) config = configFromGenome(this.s.genome, config);
    const fit = await fitSurrogate(inputs, outputs, config, this.hooks);
    this.s.trainings++;
    const rmse = fit.heldOutErrors.rmse[0];
    const passed = rmse < options.acceptTolerance;
    this.s.events.push({ kind: 'trained', trueCalls: this.s.trueCalls, networkCalls: this.s.networkCalls, error: rmse, passed });
    if (passed) {
      this.network = fit.surrogate;
      this.s.mode = 'network';
      this.s.sinceAudit = [];
    } else {
      fit.surrogate.dispose();
      // A rejected warm-up network is retried after the shorter retrain interval, not a full warm-up.
      if (this.s.mode === 'warmup') this.s.callsSinceTraining = options.warmupCalls - options.retrainAfter;
    }
  }

  private async audit(): Promise<{ theta: number[]; trueLogL: number }[]> {
    const pool = this.rng.shuffle(this.s.sinceAudit);
    this.s.sinceAudit = [];
    const chosen = pool.slice(0, this.s.options.auditSize);
    const truth = await this.evaluateTrue(chosen.map((c) => c.theta));
    this.s.auditCalls += chosen.length;
    // A −∞ truth (outside the support) against a finite prediction is an error of ∞: it fails the audit.
    const meanError = chosen.reduce((sum, c, i) => sum + Math.abs(c.predicted - truth[i]), 0) / chosen.length;
    const passed = meanError <= this.s.options.fallbackTolerance;
    this.s.events.push({ kind: 'audit', trueCalls: this.s.trueCalls, networkCalls: this.s.networkCalls, error: meanError, passed });
    if (!passed) {
      this.s.mode = 'fallback';
      this.s.fallbacks++;
      this.s.callsSinceTraining = 0;
      this.network?.dispose();
      this.network = null;
    }
    return chosen.map((c, i) => ({ theta: c.theta, trueLogL: truth[i] }));
  }
}
