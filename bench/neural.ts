/**
 * Neural benchmark: training throughput of the same models on every available tfjs backend, side by
 * side in one process, and what the learned likelihood saves inside nested sampling.
 *
 *   node --import tsx bench/neural.ts                   # all backends that load here
 *   SCIFLOW_BENCH_BACKENDS=tensorflow-gpu,wasm node --import tsx bench/neural.ts
 *
 * Writes bench/results/neural.json and bench/results/neural.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { BACKEND_CANDIDATES, selectBackend, type BackendChoice } from '../lib/nn/backend.ts';
import { LearnedLikelihood } from '../lib/nn/learned-likelihood.ts';
import { ConditionalMaf, DEFAULT_FLOW_TRAINING } from '../lib/nn/maf.ts';
import { toMatrix } from '../lib/nn/matrix.ts';
import { ensembleSampler } from '../lib/nn/posterior-sampler.ts';
import { fitSurrogate } from '../lib/nn/surrogate.ts';
import { Rng } from '../lib/random.ts';
import { nestedSample } from '../lib/sampling/nested/index.ts';
import { runSnl } from '../lib/nn/snl.ts';
import { bhattacharyyaToNormal } from '../test/unit/nn/helpers.ts';
import { banana, drawSpectrumParameters, gaussian5d, linearGaussian, linearGaussianSnlOptions, spectrum } from '../test/unit/nn/problems.ts';

const resultsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');

interface Throughput {
  backend: string;
  package: string;
  model: string;
  rowsPerEpoch: number;
  epochs: number;
  batchSize: number;
  /** Training rows processed per second, from the second epoch on (the first includes warm-up). */
  samplesPerSecond: number;
  firstEpochSeconds: number;
  /** Final validation loss, to show the backends computed the same thing. */
  finalValLoss: number;
  predictRowsPerSecond?: number;
}

/** Seconds between consecutive onEpoch calls → steady-state samples/s. */
function epochTimer() {
  const stamps: number[] = [performance.now()];
  return {
    tick: () => void stamps.push(performance.now()),
    summary(rows: number) {
      const first = (stamps[1] - stamps[0]) / 1000;
      const rest = (stamps[stamps.length - 1] - stamps[1]) / 1000;
      return { firstEpochSeconds: first, samplesPerSecond: (rows * (stamps.length - 2)) / rest };
    },
  };
}

async function surrogateThroughput(choice: BackendChoice): Promise<Throughput> {
  const rng = Rng.fromSeed(1);
  const inputs = Array.from({ length: 4000 }, () => drawSpectrumParameters(rng));
  const epochs = 12;
  const timer = epochTimer();
  const fit = await fitSurrogate(inputs, inputs.map(spectrum), {
    hiddenUnits: [64, 64],
    ensembleSize: 1,
    epochs,
    batchSize: 128,
    patience: epochs,
    testFraction: 0,
    seed: 1,
  }, { onEpoch: timer.tick });
  const rows = Math.round(inputs.length * 0.9);
  const query = Array.from({ length: 20000 }, (_, i) => inputs[i % inputs.length]);
  const t0 = performance.now();
  fit.surrogate.predict(query, 4096);
  const predictRowsPerSecond = query.length / ((performance.now() - t0) / 1000);
  fit.surrogate.dispose();
  return {
    backend: choice.backend,
    package: choice.package,
    model: 'surrogate MLP 3→64→64→50 (silu)',
    rowsPerEpoch: rows,
    epochs,
    batchSize: 128,
    ...timer.summary(rows),
    finalValLoss: fit.losses.valLoss.at(-1)!,
    predictRowsPerSecond,
  };
}

async function flowThroughput(choice: BackendChoice): Promise<Throughput> {
  const rng = Rng.fromSeed(5);
  const data = toMatrix(Array.from({ length: 4000 }, () => banana.draw(rng)));
  const flow = ConditionalMaf.create({ dim: 2, contextDim: 0, blocks: 2, hiddenUnits: [32, 32], activation: 'tanh' }, { x: data, context: null }, 1);
  const epochs = 10;
  const timer = epochTimer();
  const result = await flow.train(data, null, { ...DEFAULT_FLOW_TRAINING, epochs, patience: epochs, seed: 2 }, { onEpoch: timer.tick });
  flow.dispose();
  const rows = data.rows - Math.round(data.rows * DEFAULT_FLOW_TRAINING.validationFraction);
  return {
    backend: choice.backend,
    package: choice.package,
    model: 'MAF 2 blocks × MADE 32-32 (tanh), 2-D',
    rowsPerEpoch: rows,
    epochs,
    batchSize: DEFAULT_FLOW_TRAINING.batchSize,
    ...timer.summary(rows),
    finalValLoss: result.history.at(-1)!.valLoss,
  };
}

interface LearnedRun {
  seeds: [number, number];
  nlive: number;
  analyticLogZ: number;
  plainLogZ: number;
  learnedLogZ: number;
  deltaLogZ: number;
  plainTrueCalls: number;
  learnedTrueCalls: number;
  auditCalls: number;
  networkCalls: number;
  trainings: number;
  fallbacks: number;
  saving: number;
  plainSeconds: number;
  learnedSeconds: number;
  /** What the cost-aware switch chose with the product defaults, and that run's wall time. */
  autoChoice: string | null;
  autoSeconds: number;
}

/** The unit test's 5-D Gaussian: plain nested sampling against the learned likelihood. */
async function learnedLikelihoodSavings(plainSeed: number, learnedSeed: number): Promise<LearnedRun> {
  let calls = 0;
  const trueLogLikelihood = async (batch: number[][]) => ((calls += batch.length), batch.map(gaussian5d.logLikelihood));
  const problem = { ndim: gaussian5d.ndim, priorTransform: gaussian5d.priorTransform };
  const nlive = 1000;

  let t0 = performance.now();
  const plain = await nestedSample({ ...problem, logLikelihood: trueLogLikelihood }, { nlive, seed: plainSeed });
  const plainSeconds = (performance.now() - t0) / 1000;
  const plainTrueCalls = calls;
  // The method itself: trained on the path (reproducible swap points), cost-aware switch off.
  const learned = new LearnedLikelihood(trueLogLikelihood, { warmupCalls: 2000, swapAfter: 0, minTrueCallMs: null, seed: learnedSeed });
  t0 = performance.now();
  const withNetwork = await nestedSample({ ...problem, logLikelihood: learned.logLikelihood }, { nlive, seed: learnedSeed });
  const learnedSeconds = (performance.now() - t0) / 1000;
  const stats = learned.stats();
  await learned.dispose();
  // The product defaults on this ~µs likelihood: the cost-aware switch should run exact.
  t0 = performance.now();
  const auto = new LearnedLikelihood(trueLogLikelihood, { warmupCalls: 2000, seed: learnedSeed });
  await nestedSample({ ...problem, logLikelihood: auto.logLikelihood }, { nlive, seed: learnedSeed });
  const autoSeconds = (performance.now() - t0) / 1000;
  await auto.dispose();
  return {
    seeds: [plainSeed, learnedSeed],
    nlive,
    analyticLogZ: gaussian5d.analyticLogZ,
    plainLogZ: plain.logZ,
    learnedLogZ: withNetwork.logZ,
    deltaLogZ: withNetwork.logZ - plain.logZ,
    plainTrueCalls,
    learnedTrueCalls: stats.trueCalls,
    auditCalls: stats.auditCalls,
    networkCalls: stats.networkCalls,
    trainings: stats.trainings,
    fallbacks: stats.fallbacks,
    saving: 1 - stats.trueCalls / plainTrueCalls,
    plainSeconds,
    learnedSeconds,
    autoChoice: auto.stats().costChoice,
    autoSeconds,
  };
}

interface SnlRun {
  rounds: number;
  simulatorCalls: number;
  bhattacharyya: number[];
  /** Likelihood evaluations the built-in ensemble MCMC needs for the same number of draws. */
  mcmcLikelihoodCalls: number;
  mcmcBhattacharyya: number[];
  seconds: number;
}

/** The unit test's SNL run, against ensemble MCMC on the exact likelihood. */
async function snlAgainstMcmc(): Promise<SnlRun> {
  const { prior, posterior: truth } = linearGaussian;
  const marginalsBc = (draws: number[][]) =>
    truth.mean.map((m, k) => bhattacharyyaToNormal(draws.map((d) => d[k]), m, truth.std[k]));
  const t0 = performance.now();
  const snl = await runSnl(linearGaussianSnlOptions());
  const seconds = (performance.now() - t0) / 1000;
  snl.flow.dispose();

  let mcmcLikelihoodCalls = 0;
  const rng = Rng.fromSeed(1);
  const mcmc = await ensembleSampler()({
    logDensity: async (points) => ((mcmcLikelihoodCalls += points.length), points.map((p) => prior.logDensity(p) + linearGaussian.logLikelihood(p))),
    initial: Array.from({ length: 1000 }, () => prior.sample(rng)),
    samples: 4000,
    seed: 2,
  });
  return {
    rounds: snl.rounds.length,
    simulatorCalls: snl.simulatorCalls,
    bhattacharyya: marginalsBc(snl.posterior),
    mcmcLikelihoodCalls,
    mcmcBhattacharyya: marginalsBc(mcmc),
    seconds,
  };
}

const fmt = (v: number, digits = 0) => v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

function markdown(report: Awaited<ReturnType<typeof run>>): string {
  const lines = [
    '# Neural components: backend throughput and learned-likelihood savings',
    '',
    `Generated by \`bench/neural.ts\` on ${report.generatedAt}.`,
    '',
    `Machine: ${report.machine.cpus}× ${report.machine.cpuModel}, ${report.machine.memoryGiB} GiB, Node ${report.machine.node}, ` +
      `${report.machine.platform}. GPU: ${report.machine.gpu}.`,
    '',
    '## Training throughput per backend (same models, same run)',
    '',
    'Steady-state training rows per second from the second epoch on (the first epoch, which includes',
    'kernel set-up, is listed separately). Final validation losses agree across backends to float32',
    'rounding, so each backend trained the same network.',
    '',
    '| backend | package | model | batch | rows/epoch | train samples/s | first epoch s | final val loss | predict rows/s |',
    '| --- | --- | --- | --: | --: | --: | --: | --: | --: |',
    ...report.throughput.map(
      (t) =>
        `| ${t.backend} | ${t.package} | ${t.model} | ${t.batchSize} | ${t.rowsPerEpoch} | ${fmt(t.samplesPerSecond)} | ` +
        `${fmt(t.firstEpochSeconds, 2)} | ${t.finalValLoss.toExponential(4)} | ${t.predictRowsPerSecond ? fmt(t.predictRowsPerSecond) : '–'} |`,
    ),
    '',
    'Backends not measured here:',
    '',
    ...report.unavailable.map((u) => `- \`${u.candidate}\`: ${u.reason}`),
    '',
    '## Learned likelihood inside nested sampling',
    '',
    '5-D Gaussian likelihood (σ = 0.3) under a uniform prior on [−1, 1]⁵, 1000 live points, the',
    'nested sampler of lib/sampling (multi-ellipsoid bound, uniform proposals). The learned run uses',
    '`LearnedLikelihood` with its defaults except warmupCalls = 2000, training on the sampling path',
    '(swapAfter 0: reproducible swap points) and the cost-aware switch off; true calls',
    'include the audits. "default" is a third run with the product defaults (switch on, threshold',
    '1 ms per true call): which path it chose, and its wall time.',
    '',
    '| seeds (plain, learned) | analytic ln Z | plain ln Z | learned ln Z | Δ ln Z | plain true calls | learned true calls (audits) | network calls | trainings / fallbacks | saving | plain s | learned s | default: path, s |',
    '| --- | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --- |',
    ...report.learnedLikelihood.map(
      (r) =>
        `| ${r.seeds.join(', ')} | ${r.analyticLogZ.toFixed(3)} | ${r.plainLogZ.toFixed(3)} | ${r.learnedLogZ.toFixed(3)} | ` +
        `${r.deltaLogZ.toFixed(3)} | ${r.plainTrueCalls} | ${r.learnedTrueCalls} (${r.auditCalls}) | ${r.networkCalls} | ` +
        `${r.trainings} / ${r.fallbacks} | ${(100 * r.saving).toFixed(1)}% | ${r.plainSeconds.toFixed(2)} | ${r.learnedSeconds.toFixed(1)} | ${r.autoChoice}, ${r.autoSeconds.toFixed(2)} |`,
    ),
    '',
    `The learned runs ran on the \`${report.learnedLikelihoodBackend}\` backend. With a likelihood this cheap the`,
    'network costs more wall time than it saves, which is why the default run stays exact;',
    'bench/results/learned-likelihood-cost.md measures from which cost per true call the learned path',
    'finishes sooner.',
    '',
    '## Sequential neural likelihood',
    '',
    'Linear-Gaussian simulator (10 data values, 2 parameters, score-compressed to 2 summaries), 3 rounds',
    'of 500 simulations, 4000 posterior draws; Bhattacharyya coefficients of each marginal against the',
    'analytic posterior. The reference is the built-in ensemble MCMC on the exact likelihood, drawing the',
    'same number of samples (its default burn-in and thinning): every likelihood call there would be a',
    'simulator call in a pipeline whose likelihood needs a forward-model run.',
    '',
    '| method | simulator / likelihood calls | BC θ₀ | BC θ₁ |',
    '| --- | --: | --: | --: |',
    `| SNL (${report.snl.rounds} rounds) | ${report.snl.simulatorCalls} | ${report.snl.bhattacharyya.map((b) => b.toFixed(4)).join(' | ')} |`,
    `| ensemble MCMC, exact likelihood | ${report.snl.mcmcLikelihoodCalls} | ${report.snl.mcmcBhattacharyya.map((b) => b.toFixed(4)).join(' | ')} |`,
    '',
    `SNL used ${(100 * report.snl.simulatorCalls / report.snl.mcmcLikelihoodCalls).toFixed(1)}% of the MCMC's calls (${report.snl.seconds.toFixed(1)} s including training).`,
    '',
    '## Where this was measured',
    '',
    ...report.notes.map((n) => `- ${n}`),
    '',
  ];
  return lines.join('\n');
}

async function run() {
  const requested = (process.env.SCIFLOW_BENCH_BACKENDS?.split(',').map((s) => s.trim()) ?? [...BACKEND_CANDIDATES]).filter(Boolean);
  const throughput: Throughput[] = [];
  const unavailable: { candidate: string; reason: string }[] = [];
  for (const candidate of requested) {
    let choice: BackendChoice;
    try {
      choice = await selectBackend({ env: { SCIFLOW_TF_BACKEND: candidate } });
    } catch (error) {
      unavailable.push({ candidate, reason: (error as Error).message });
      console.log(`skip ${candidate}: ${(error as Error).message}`);
      continue;
    }
    for (const measure of [surrogateThroughput, flowThroughput]) {
      const t = await measure(choice);
      console.log(`${t.backend.padEnd(10)} ${t.model.padEnd(40)} ${fmt(t.samplesPerSecond)} samples/s`);
      throughput.push(t);
    }
  }

  const defaultChoice = await selectBackend();
  const learnedLikelihood: LearnedRun[] = [];
  for (const [plainSeed, learnedSeed] of [
    [11, 12],
    [21, 22],
  ]) {
    const r = await learnedLikelihoodSavings(plainSeed, learnedSeed);
    console.log(`learned likelihood seeds ${plainSeed}/${learnedSeed}: Δ ln Z ${r.deltaLogZ.toFixed(3)}, saving ${(100 * r.saving).toFixed(1)}%`);
    learnedLikelihood.push(r);
  }

  const snl = await snlAgainstMcmc();
  console.log(`SNL: ${snl.simulatorCalls} simulations vs ${snl.mcmcLikelihoodCalls} MCMC likelihood calls`);

  const gpuNote = 'none: this task was not lent a GPU machine, so no GPU backend was measured';
  return {
    generatedAt: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      platform: `${os.platform()} ${os.arch()}`,
      gpu: gpuNote,
    },
    tfjsVersion: tf.version.tfjs,
    throughput,
    unavailable,
    learnedLikelihoodBackend: defaultChoice.backend,
    learnedLikelihood,
    snl,
    notes: [
      'All numbers above come from one run of this script on the machine described at the top (a shared 2-core container; other jobs ran beside it, so absolute rates are indicative, ratios between rows more so).',
      '@tensorflow/tfjs-node and -node-gpu are optional dependencies whose install downloads libtensorflow; without internet they are absent here, so the `tensorflow` backends are listed as unavailable.',
      'wasm runs single-threaded SIMD in Node (tfjs-backend-wasm 4.22 disables its thread pool under Node).',
      'To measure a GPU: on a CUDA machine with internet, `npm install @tensorflow/tfjs-node-gpu@4.22.0` (its install downloads libtensorflow and needs the CUDA and cuDNN versions named in the tfjs-node README), then run `SCIFLOW_BENCH_BACKENDS=tensorflow-gpu,tensorflow,wasm,cpu node --import tsx bench/neural.ts` and keep the first-epoch column: GPU kernels pay their set-up there.',
    ],
  };
}

const report = await run();
mkdirSync(resultsDir, { recursive: true });
writeFileSync(path.join(resultsDir, 'neural.json'), JSON.stringify(report, null, 2) + '\n');
writeFileSync(path.join(resultsDir, 'neural.md'), markdown(report));
console.log(`wrote ${path.join(resultsDir, 'neural.md')} and neural.json`);
