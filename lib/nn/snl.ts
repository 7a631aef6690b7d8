/**
 * Sequential neural likelihood (Papamakarios, Sterratt & Murray 2019).
 *
 * Round 1 simulates x ~ p(x | θ) at θ drawn from the prior; every later round draws θ from the
 * current posterior estimate  p̂(θ | x_o) ∝ q(x_o | θ) p(θ)  so simulations concentrate where the
 * posterior lives. After each round a conditional MAF q(x | θ) is (re)trained by maximum likelihood
 * on the simulations of all rounds so far, warm-starting from the previous round's weights. Since
 * q models the likelihood, θ's proposal distribution needs no correction. An optional compression
 * t(x) (score or PCA) is applied to every simulation and to x_o before the flow sees them.
 *
 * The posterior is sampled by an injected {@link PosteriorSampler} (lib/sampling's MCMC or nested
 * sampler), defaulting to the built-in ensemble sampler.
 */
import { Rng } from '../random.ts';
import type { CompressionFactory, DataCompressor } from './compression.ts';
import { ConditionalMaf, DEFAULT_FLOW_TRAINING, type FlowArchitecture, type FlowTrainingOptions, type SerializedFlow } from './maf.ts';
import { toMatrix, type Matrix } from './matrix.ts';
import { ensembleSampler, type PosteriorSampler, type Prior } from './posterior-sampler.ts';
import type { EpochRecord } from './train.ts';

export type { Prior };

/** Simulates one data vector per θ; all randomness must come from `rng`. */
export type Simulator = (thetas: number[][], rng: Rng) => Promise<number[][]>;

export interface SnlOptions {
  prior: Prior;
  simulator: Simulator;
  observation: number[];
  rounds: number;
  simulationsPerRound: number;
  /** Posterior draws made after each round (and returned after the last). */
  posteriorSamples: number;
  flow?: Partial<Pick<FlowArchitecture, 'blocks' | 'hiddenUnits' | 'activation'>>;
  training?: Partial<FlowTrainingOptions>;
  compression?: CompressionFactory;
  sampler?: PosteriorSampler;
  seed: number;
  resumeFrom?: SnlCheckpoint;
  onRound?: (summary: SnlRoundSummary, checkpoint: () => SnlCheckpoint) => void | Promise<void>;
  onEpoch?: (round: number, record: EpochRecord) => void | Promise<void>;
}

export interface SnlRoundSummary {
  round: number;
  simulatorCalls: number;
  trainingRows: number;
  epochs: number;
  bestValLoss: number;
  posteriorMean: number[];
  posteriorStd: number[];
}

/** State after a completed round; resuming from it replays nothing. */
export interface SnlCheckpoint {
  format: 'sciflow.snl-checkpoint/1';
  roundsDone: number;
  theta: number[][];
  /** Raw (uncompressed) simulations, so the compressor can be rebuilt exactly. */
  x: number[][];
  flow: SerializedFlow;
  posterior: number[][];
  summaries: SnlRoundSummary[];
}

export interface SnlResult {
  flow: ConditionalMaf;
  posterior: number[][];
  simulatorCalls: number;
  rounds: SnlRoundSummary[];
}

const DEFAULT_FLOW = { blocks: 2, hiddenUnits: [32, 32], activation: 'tanh' as const };

function moments(points: number[][]): { mean: number[]; std: number[] } {
  const dim = points[0].length;
  const mean = Array.from({ length: dim }, (_, d) => points.reduce((s, p) => s + p[d], 0) / points.length);
  const std = mean.map((m, d) => Math.sqrt(points.reduce((s, p) => s + (p[d] - m) ** 2, 0) / (points.length - 1)));
  return { mean, std };
}

export async function runSnl(options: SnlOptions): Promise<SnlResult> {
  const { prior, simulator, observation, rounds, simulationsPerRound: perRound, seed } = options;
  const sampler = options.sampler ?? ensembleSampler();
  const training: FlowTrainingOptions = { ...DEFAULT_FLOW_TRAINING, ...options.training };
  const resume = options.resumeFrom;
  const theta: number[][] = resume ? resume.theta.map((t) => [...t]) : [];
  const x: number[][] = resume ? resume.x.map((v) => [...v]) : [];
  const summaries: SnlRoundSummary[] = resume ? [...resume.summaries] : [];
  let posterior: number[][] = resume ? resume.posterior : [];
  let flow = resume ? ConditionalMaf.restore(resume.flow) : null;
  let compressor: DataCompressor | null = null;
  const compress = (m: Matrix) => (compressor ? compressor.compress(m) : m);
  const buildCompressor = () => {
    if (!options.compression) return;
    const first = { theta: toMatrix(theta.slice(0, perRound)), x: toMatrix(x.slice(0, perRound)) };
    compressor = options.compression(first);
  };
  if (resume) buildCompressor();

  for (let round = resume?.roundsDone ?? 0; round < rounds; round++) {
    // A fresh parent per round keeps each round's streams identical with or without a resume.
    const roundRng = Rng.fromSeed(seed).fork(round);
    const proposalRng = roundRng.fork(1);
    const thetas =
      round === 0
        ? Array.from({ length: perRound }, () => prior.sample(proposalRng))
        : Array.from({ length: perRound }, () => [...posterior[proposalRng.int(posterior.length)]]);
    const simulated = await simulator(thetas, roundRng.fork(2));
    theta.push(...thetas);
    x.push(...simulated);
    if (round === 0) buildCompressor();

    const data = compress(toMatrix(x));
    const context = toMatrix(theta);
    flow ??= ConditionalMaf.create(
      { dim: data.cols, contextDim: prior.dim, ...DEFAULT_FLOW, ...options.flow },
      { x: data, context },
      seed,
    );
    const trained = await flow.train(data, context, { ...training, seed: seed + 7919 * (round + 1) }, {
      onEpoch: options.onEpoch ? (record) => options.onEpoch!(round, record) : undefined,
    });

    const observed = compress(toMatrix([observation]));
    const currentFlow = flow;
    /** log q(x_o | θ) for each θ, in one flow pass. */
    const logLikelihood = async (points: number[][]): Promise<number[]> => {
      const repeated: Matrix = { rows: points.length, cols: observed.cols, data: new Float32Array(points.length * observed.cols) };
      for (let i = 0; i < points.length; i++) repeated.data.set(observed.data, i * observed.cols);
      return Array.from(currentFlow.logDensity(repeated, toMatrix(points)));
    };
    const logPosterior = async (points: number[][]): Promise<number[]> => {
      const logPrior = points.map((p) => prior.logDensity(p));
      // The flow is never asked about θ outside the prior's support.
      const inside = points.filter((_, i) => Number.isFinite(logPrior[i]));
      if (inside.length === 0) return logPrior;
      const logL = await logLikelihood(inside);
      let k = 0;
      return logPrior.map((lp) => (Number.isFinite(lp) ? lp + logL[k++] : lp));
    };
    const startRng = roundRng.fork(3);
    posterior = await sampler({
      logDensity: logPosterior,
      logLikelihood,
      prior,
      initial: [...posterior, ...Array.from({ length: 1000 }, () => prior.sample(startRng))],
      samples: options.posteriorSamples,
      seed: roundRng.nextUint32(),
    });

    const { mean, std } = moments(posterior);
    const summary: SnlRoundSummary = {
      round,
      simulatorCalls: theta.length,
      trainingRows: data.rows,
      epochs: trained.history.length,
      bestValLoss: trained.bestValLoss,
      posteriorMean: mean,
      posteriorStd: std,
    };
    summaries.push(summary);
    await options.onRound?.(summary, () => ({
      format: 'sciflow.snl-checkpoint/1',
      roundsDone: round + 1,
      theta: theta.map((t) => [...t]),
      x: x.map((v) => [...v]),
      flow: currentFlow.serialize(),
      posterior: posterior.map((p) => [...p]),
      summaries: [...summaries],
    }));
  }
  if (!flow) throw new Error('SNL needs at least one round');
  return { flow, posterior, simulatorCalls: theta.length, rounds: summaries };
}
