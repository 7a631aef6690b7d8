/**
 * Synthetic ReportInputs shaped like real runs: the built-in `demo` pipeline (damped oscillator,
 * Metropolis chains) and a surrogate-vs-full-physics retrieval with two posteriors compared.
 * Deterministic (seeded), so reports rendered from them are byte-identical across runs.
 */
import { Rng } from '../../../lib/random.ts';
import type { ReportInput, ReportPosterior, ReportStage } from '../../../lib/report/index.ts';
import { comparePosteriors, simulationBasedCalibration, type SbcTrial } from '../../../lib/stats/index.ts';

const T0 = Date.UTC(2025, 4, 12, 9, 30, 0);
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

function stage(name: string, activity: string, start: number | null, seconds: number, extra: Partial<ReportStage> = {}): ReportStage {
  return {
    name,
    activity,
    status: 'completed',
    cached: false,
    attempts: 1,
    dependsOn: [],
    ...(start === null ? {} : { startedAt: at(start), finishedAt: at(start + seconds), durationMs: seconds * 1000 }),
    ...extra,
  };
}

/**
 * Correlated Gaussian draws: x = mean + L z with L the Cholesky factor of the covariance given by
 * `sds` and one correlation `rho` between the first two parameters.
 */
function gaussianPosterior(label: string, names: string[], means: number[], sds: number[], rho: number, n: number, seed: number): ReportPosterior {
  const rng = Rng.fromSeed(seed);
  const columns = names.map(() => new Float64Array(n));
  for (let i = 0; i < n; i++) {
    const z = names.map(() => rng.normal());
    columns.forEach((c, d) => {
      const correlated = d === 1 ? rho * z[0] + Math.sqrt(1 - rho * rho) * z[1] : z[d];
      c[i] = means[d] + sds[d] * correlated;
    });
  }
  return { label, paramNames: names, samples: Object.fromEntries(names.map((name, d) => [name, columns[d]])) };
}

export function demoReportInput(): ReportInput {
  const posterior = gaussianPosterior('Metropolis (4 chains)', ['omega', 'gamma', 'amplitude'], [1.702, 0.148, 1.19], [0.012, 0.009, 0.021], 0.55, 20_000, 7);
  posterior.truths = { omega: 1.7, gamma: 0.15, amplitude: 1.2 };
  const chains = [0, 1, 2, 3].map((k) => stage(`chains[${k}]`, 'mcmc', 2 + (k >= 2 ? 9 : 0), 8.5 + k * 0.4, { dependsOn: ['data'], attempts: k === 3 ? 2 : 1 }));
  return {
    run: { runId: 'demo-20250512-093000-7f3a', pipeline: 'demo', status: 'completed', createdAt: at(0), finishedAt: at(22) },
    stages: [
      stage('data', 'simulate', 1, 0.02, { cached: true }),
      ...chains,
      stage('summary', 'summarizeChains', 20.5, 1.1, { dependsOn: chains.map((c) => c.name) }),
    ],
    provenance: {
      config: { seed: 42, observations: 100, duration: 10, noise: 0.05, truth: { omega: 1.7, gamma: 0.15, amplitude: 1.2 }, chains: 4, steps: 40_000, burnIn: 5000 },
      configHash: 'sha256:4be1c0d2e8a5f7b90a1c3d5e7f9b2d4c6e8f0a1b3c5d7e9f1a2b4c6d8e0f1a2b',
      codeVersion: 'git:921bf37 (clean)',
      computeBackend: 'cpu (pure TypeScript)',
      host: 'worker-1.local',
      nodeVersion: 'v20.20.2',
    },
    posteriors: [posterior],
    tables: [
      {
        title: 'Chain diagnostics',
        columns: ['parameter', 'R̂', 'ESS (bulk)', 'acceptance'],
        rows: [
          ['omega', 1.002, 3810, 0.27],
          ['gamma', 1.004, 3522, 0.27],
          ['amplitude', 1.001, 3904, 0.27],
        ],
      },
    ],
  };
}

/** Nested-sampling-like output: uniform draws in a box weighted by a Gaussian likelihood. */
function weightedPosterior(label: string, names: string[], means: number[], sds: number[], n: number, seed: number): ReportPosterior {
  const rng = Rng.fromSeed(seed);
  const columns = names.map(() => new Float64Array(n));
  const weights = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let logW = 0;
    names.forEach((_, d) => {
      const z = -4 + 8 * rng.uniform();
      columns[d][i] = means[d] + sds[d] * z;
      logW -= 0.5 * z * z;
    });
    weights[i] = Math.exp(logW);
  }
  return { label, paramNames: names, samples: Object.fromEntries(names.map((name, d) => [name, columns[d]])), weights };
}

export const RETRIEVAL_PARAMS = ['T_eq', 'log_kappa_IR', 'log_gamma', 'R_p'];

export function comparisonReportInput(): ReportInput {
  const means = [1240, -1.6, -0.4, 1.12];
  const sds = [35, 0.12, 0.09, 0.015];
  const full = weightedPosterior('nested sampling (full physics)', RETRIEVAL_PARAMS, means, sds, 60_000, 11);
  // The surrogate is biased by 0.8σ in log_kappa_IR (BC 0.923) and 20 % too wide in R_p (BC 0.992).
  const surrogate = gaussianPosterior('nested sampling (surrogate) <fast>', RETRIEVAL_PARAMS, [means[0], means[1] + 0.8 * sds[1], means[2], means[3]], [sds[0], sds[1], sds[2], 1.2 * sds[3]], 0, 8000, 12);
  full.truths = { T_eq: 1250, log_kappa_IR: -1.58, log_gamma: -0.42, R_p: 1.118 };
  const { rows } = comparePosteriors(full, surrogate, { paramNames: RETRIEVAL_PARAMS, c2st: { seed: 1, maxSamplesPerClass: 300, folds: 3 } });
  const epochs = Array.from({ length: 80 }, (_, i) => i + 1);
  const noise = Rng.fromSeed(13);
  return {
    run: { runId: 'atmo-20250512-093000-c0de', pipeline: 'atmospheric-retrieval', status: 'failed', createdAt: at(0), finishedAt: at(905) },
    stages: [
      stage('simulate-spectra', 'simulate', 2, 0.05, { cached: true }),
      stage('train-surrogate', 'trainSurrogate', 3, 240, { dependsOn: ['simulate-spectra'], attempts: 2 }),
      stage('nested-sampling-full-physics', 'nestedSampling', 3, 860, { dependsOn: ['simulate-spectra'] }),
      stage('nested-sampling-surrogate', 'nestedSampling', 244, 95, { dependsOn: ['train-surrogate'] }),
      stage('compare', 'comparePosteriors', 864, 12, { dependsOn: ['nested-sampling-full-physics', 'nested-sampling-surrogate'] }),
      stage('forecast', 'forecast', 877, 3, { status: 'failed', attempts: 3, error: 'NaN likelihood at the start: check the opacity table path', dependsOn: ['compare'] }),
      stage('report', 'report', null, 0, { status: 'pending', attempts: 0, dependsOn: ['compare', 'forecast'] }),
    ],
    provenance: {
      config: { seed: 7, instrument: 'JWST/NIRSpec G395H', surrogate: { layers: [128, 128, 64], epochs: 80 }, sampler: { livePoints: 500, dlogz: 0.1 } },
      configHash: 'sha256:9d0e2f4a6c8e0a2c4e6a8c0e2a4c6e8a0c2e4a6c8e0a2c4e6a8c0e2a4c6e8a0c',
      codeVersion: 'git:921bf37-dirty',
      computeBackend: 'tfjs-node (cpu)',
      host: 'gpu-worker-2',
      nodeVersion: 'v20.20.2',
    },
    posteriors: [full, surrogate],
    evidences: [
      { label: 'nested sampling (full physics)', logZ: -512.31, logZerr: 0.21 },
      { label: 'nested sampling (surrogate) <fast>', logZ: -512.94, logZerr: 0.19 },
    ],
    trainingCurves: [
      {
        label: 'surrogate emulator',
        epoch: epochs,
        loss: epochs.map((e) => 0.02 + 2 * Math.exp(-e / 9) * (1 + 0.05 * noise.normal())),
        valLoss: epochs.map((e) => 0.028 + 2.1 * Math.exp(-e / 9) * (1 + 0.08 * noise.normal()) + 0.00008 * e),
      },
    ],
    comparisons: [{ reference: full.label, other: surrogate.label, rows }],
    calibrations: [{ label: 'neural posterior estimate (SNPE)', results: calibrationResults() }],
    tables: [{ title: 'Retrieval settings', columns: ['setting', 'value'], rows: [['live points', 500], ['dlogz', 0.1], ['resumed', true], ['note', null]] }],
  };
}

/** SBC of a conjugate Gaussian model: T_eq drawn from the exact posterior, R_p from one 40 % too narrow. */
function calibrationResults() {
  const rng = Rng.fromSeed(20);
  const trials: SbcTrial[] = Array.from({ length: 400 }, () => {
    const truth = { T_eq: rng.normal(), R_p: rng.normal() };
    const draws = (theta: number, scale: number) => {
      const x = theta + 0.5 * rng.normal();
      return Float64Array.from({ length: 99 }, () => x / 1.25 + scale * Math.sqrt(0.2) * rng.normal());
    };
    return { truth, draws: { T_eq: draws(truth.T_eq, 1), R_p: draws(truth.R_p, 0.6) } };
  });
  return simulationBasedCalibration(trials, ['T_eq', 'R_p']);
}

/**
 * The stage graph of an `atmospheric-retrieval` run with the default config (14 stages, listed as
 * the pipeline lists them), every stage completed in `seconds`.
 */
export function atmosphericStages(seconds = 252): ReportStage[] {
  const graph: [string, string, string[]][] = [
    ['retrieve-guided', 'nestedSampling', ['refine-surrogate', 'refine-training-set']],
    ['retrieve-refined-2', 'nestedSampling', ['refine-surrogate-2']],
    ['retrieve-full', 'nestedSampling', []],
    ['compare-guided', 'comparePosteriors', ['retrieve-full', 'retrieve-guided']],
    ['compare-preview', 'comparePosteriors', ['retrieve-full', 'retrieve-refined-2']],
    ['training-set', 'simulate', []],
    ['surrogate', 'trainSurrogate', ['training-set']],
    ['retrieve-surrogate', 'nestedSampling', ['surrogate']],
    ['refine-training-set', 'simulate', ['retrieve-surrogate']],
    ['refine-surrogate', 'trainSurrogate', ['refine-training-set']],
    ['retrieve-refined', 'nestedSampling', ['refine-surrogate']],
    ['refine-training-set-2', 'simulate', ['retrieve-guided']],
    ['refine-surrogate-2', 'trainSurrogate', ['refine-training-set-2']],
    ['surrogate-error', 'reweightPosterior', ['retrieve-full', 'refine-surrogate-2']],
  ];
  return graph.map(([name, activity, dependsOn]) => stage(name, activity, 0, seconds, { dependsOn }));
}
