/**
 * Affine-invariant ensemble MCMC (Goodman & Weare 2010) with the stretch move, in the parallel
 * "red–blue" form of emcee (Foreman-Mackey et al. 2013).
 *
 * The walkers are split into two halves. Each walker x_k of one half picks a walker x_j of the other
 * half and proposes y = x_j + Z (x_k − x_j), where Z has density g(z) ∝ 1/√z on [1/a, a] (drawn as
 * z = ((a − 1)u + 1)²/a). It accepts with probability min(1, Z^{d−1} p(y)/p(x_k)), which makes the
 * move reversible for any target. One half's proposals form one batch for the log-density; then
 * the other half moves against the updated first half. Invariance under affine maps means the
 * sampler needs no tuning for correlated or badly scaled targets.
 *
 * Like the nested sampler it advances step by step, can be paused between steps, and its
 * checkpoint restores to continue with identical numbers.
 */
import { Rng, type RngState } from '../../random.ts';
import { GrowableFloat64 } from '../growable.ts';
import { decodeFloats, encodeFloats, type JsonFloat } from '../json-floats.ts';
import { integratedAutocorrTime, type AutocorrTime } from './autocorr.ts';

export interface LogDensityProblem {
  ndim: number;
  paramNames?: string[];
  /** ln p (up to a constant) for a batch of points; −∞ outside the support. */
  logProb(batch: number[][]): ArrayLike<number> | Promise<ArrayLike<number>>;
}

export interface EnsembleOptions {
  /** Seed of the sampler's random stream. Default 1. */
  seed?: number;
  /** Stretch scale a > 1. Default 2. */
  a?: number;
  /** Keep every this-many-th step in the stored chain (the sampler still takes every step). Default 1. */
  storeEvery?: number;
}

export interface EnsembleProgress {
  step: number;
  totalSteps: number;
  acceptanceFraction: number;
}

export interface EnsembleRunControls {
  onProgress?(progress: EnsembleProgress): void | Promise<void>;
  /** Steps between progress reports. Default 100. */
  progressEvery?: number;
  /** Checked between steps; returning true pauses the run. */
  shouldStop?(): boolean;
}

export interface ChainSelection {
  /** Stored steps to drop from the start (burn-in). Default 0. */
  discard?: number;
  /** Keep every thin-th stored step. Default 1. */
  thin?: number;
}

export interface EnsembleCheckpoint {
  format: 'sciflow.ensemble/1';
  ndim: number;
  nwalkers: number;
  options: Required<EnsembleOptions>;
  rng: RngState;
  step: number;
  accepted: number[];
  position: JsonFloat[];
  logProb: JsonFloat[] | null;
  chain: JsonFloat[];
  chainLogProb: JsonFloat[];
}

export class EnsembleSampler {
  readonly ndim: number;
  readonly nwalkers: number;
  readonly options: Required<EnsembleOptions>;
  private rng: Rng;
  private stepCount = 0;
  private accepted: Float64Array;
  private position: Float64Array;
  private logProbs: Float64Array | null = null;
  private storedChain = new GrowableFloat64();
  private storedLogProb = new GrowableFloat64();

  /** `initial`: one starting point per walker (nwalkers ≥ 2·ndim, even), e.g. a small ball around a guess. */
  constructor(
    readonly problem: LogDensityProblem,
    initial: number[][],
    options: EnsembleOptions = {},
  ) {
    this.ndim = problem.ndim;
    this.nwalkers = initial.length;
    if (this.nwalkers < 2 * this.ndim || this.nwalkers % 2 !== 0) {
      throw new Error(`need an even number of walkers ≥ 2·ndim = ${2 * this.ndim}, got ${this.nwalkers}`);
    }
    this.options = { seed: options.seed ?? 1, a: options.a ?? 2, storeEvery: options.storeEvery ?? 1 };
    if (!(this.options.a > 1)) throw new Error(`stretch scale a must exceed 1, got ${this.options.a}`);
    this.rng = Rng.fromSeed(this.options.seed);
    this.position = new Float64Array(this.nwalkers * this.ndim);
    initial.forEach((p, w) => {
      if (p.length !== this.ndim) throw new Error(`walker ${w} has ${p.length} coordinates, expected ${this.ndim}`);
      this.position.set(p, w * this.ndim);
    });
    this.accepted = new Float64Array(this.nwalkers);
  }

  static restore(problem: LogDensityProblem, checkpoint: EnsembleCheckpoint): EnsembleSampler {
    if (checkpoint.format !== 'sciflow.ensemble/1') throw new Error(`unknown checkpoint format ${String(checkpoint.format)}`);
    const position = decodeFloats(checkpoint.position);
    const d = checkpoint.ndim;
    const initial = Array.from({ length: checkpoint.nwalkers }, (_, w) => Array.from(position.subarray(w * d, (w + 1) * d)));
    const s = new EnsembleSampler(problem, initial, checkpoint.options);
    s.rng = Rng.fromState(checkpoint.rng);
    s.stepCount = checkpoint.step;
    s.accepted = Float64Array.from(checkpoint.accepted);
    s.logProbs = checkpoint.logProb ? decodeFloats(checkpoint.logProb) : null;
    s.storedChain = GrowableFloat64.from(decodeFloats(checkpoint.chain));
    s.storedLogProb = GrowableFloat64.from(decodeFloats(checkpoint.chainLogProb));
    return s;
  }

  checkpoint(): EnsembleCheckpoint {
    return {
      format: 'sciflow.ensemble/1',
      ndim: this.ndim,
      nwalkers: this.nwalkers,
      options: { ...this.options },
      rng: this.rng.state(),
      step: this.stepCount,
      accepted: Array.from(this.accepted),
      position: encodeFloats(this.position),
      logProb: this.logProbs ? encodeFloats(this.logProbs) : null,
      chain: encodeFloats(this.storedChain.view()),
      chainLogProb: encodeFloats(this.storedLogProb.view()),
    };
  }

  /** Steps taken so far. */
  get step(): number {
    return this.stepCount;
  }

  /** Fraction of accepted proposals per walker. */
  get acceptanceFraction(): number[] {
    return Array.from(this.accepted, (a) => (this.stepCount > 0 ? a / this.stepCount : 0));
  }

  /** Runs until `totalSteps` steps have been taken in all, or until shouldStop() pauses it. */
  async run(totalSteps: number, controls: EnsembleRunControls = {}): Promise<{ finished: boolean }> {
    const every = Math.max(1, controls.progressEvery ?? 100);
    const report = () =>
      controls.onProgress?.({
        step: this.stepCount,
        totalSteps,
        acceptanceFraction: this.acceptanceFraction.reduce((a, b) => a + b, 0) / this.nwalkers,
      });
    while (this.stepCount < totalSteps) {
      if (controls.shouldStop?.()) {
        await report();
        return { finished: false };
      }
      await this.advance();
      if (this.stepCount % every === 0) {
        await report();
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
    await report();
    return { finished: true };
  }

  /**
   * The stored chain as chain[step][walker][parameter] after dropping `discard` stored steps and
   * keeping every `thin`-th.
   */
  chain(selection: ChainSelection = {}): number[][][] {
    const { discard = 0, thin = 1 } = selection;
    const d = this.ndim;
    const w = this.nwalkers;
    const stored = this.storedLogProb.length / w;
    const data = this.storedChain.view();
    const out: number[][][] = [];
    for (let s = discard; s < stored; s += thin) {
      const walkers: number[][] = [];
      for (let k = 0; k < w; k++) walkers.push(Array.from(data.subarray((s * w + k) * d, (s * w + k + 1) * d)));
      out.push(walkers);
    }
    return out;
  }

  /** The same selection flattened to a list of samples (walkers of a step are adjacent). */
  flatChain(selection: ChainSelection = {}): number[][] {
    return this.chain(selection).flat();
  }

  /** ln p of the stored chain as logProb[step][walker], with the same selection. */
  chainLogProb(selection: ChainSelection = {}): number[][] {
    const { discard = 0, thin = 1 } = selection;
    const w = this.nwalkers;
    const data = this.storedLogProb.view();
    const out: number[][] = [];
    for (let s = discard; s < data.length / w; s += thin) out.push(Array.from(data.subarray(s * w, (s + 1) * w)));
    return out;
  }

  /** Integrated autocorrelation time per parameter, in stored steps (see autocorr.ts). */
  autocorrTime(selection: ChainSelection & { c?: number; tol?: number } = {}): AutocorrTime {
    return integratedAutocorrTime(this.chain(selection), selection);
  }

  private async advance(): Promise<void> {
    const d = this.ndim;
    const half = this.nwalkers / 2;
    if (!this.logProbs) {
      const points = Array.from({ length: this.nwalkers }, (_, w) => Array.from(this.position.subarray(w * d, (w + 1) * d)));
      this.logProbs = await this.evaluate(points);
      const bad = this.logProbs.findIndex((v) => !(v > -Infinity));
      if (bad >= 0) throw new Error(`walker ${bad} starts where ln p = ${this.logProbs[bad]}; start every walker inside the support`);
    }
    const logProbs = this.logProbs;
    const { a } = this.options;
    for (const first of [0, half]) {
      const other = first === 0 ? half : 0;
      const proposals: number[][] = [];
      const stretch = new Float64Array(half);
      for (let i = 0; i < half; i++) {
        const k = first + i;
        const j = other + this.rng.int(half);
        const z = ((a - 1) * this.rng.uniform() + 1) ** 2 / a;
        stretch[i] = z;
        const y = new Array<number>(d);
        for (let q = 0; q < d; q++) y[q] = this.position[j * d + q] + z * (this.position[k * d + q] - this.position[j * d + q]);
        proposals.push(y);
      }
      const proposed = await this.evaluate(proposals);
      for (let i = 0; i < half; i++) {
        const k = first + i;
        const logAccept = (d - 1) * Math.log(stretch[i]) + proposed[i] - logProbs[k];
        if (Math.log(this.rng.uniform()) < logAccept) {
          this.position.set(proposals[i], k * d);
          logProbs[k] = proposed[i];
          this.accepted[k]++;
        }
      }
    }
    this.stepCount++;
    if (this.stepCount % this.options.storeEvery === 0) {
      this.storedChain.append(this.position);
      this.storedLogProb.append(logProbs);
    }
  }

  private async evaluate(points: number[][]): Promise<Float64Array> {
    const values = await this.problem.logProb(points);
    if (values.length !== points.length) throw new Error(`logProb returned ${values.length} values for ${points.length} points`);
    const out = Float64Array.from(values);
    const nan = out.findIndex((v) => Number.isNaN(v) || v === Infinity);
    if (nan >= 0) throw new Error(`logProb returned ${out[nan]} at [${points[nan].join(', ')}]`);
    return out;
  }
}

export type { AutocorrTime };
