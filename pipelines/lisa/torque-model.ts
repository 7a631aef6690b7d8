/**
 * The gas-torque bias study's injections and recovery problem: a signal whose torque amplitude
 * wanders (Ornstein–Uhlenbeck around Ā, gas-torque.ts) is recovered with the constant-torque
 * template, parameters (chirp_mass, mass_ratio, distance, tc, phic, torque_amplitude, torque_slope).
 */
import { Rng } from '../../lib/random.ts';
import { addSignals, drawNoise, whittleLogLikelihood, type FrequencyGrid } from './data-model.ts';
import { scoreCompressor } from './fisher.ts';
import { interpolateLog, ornsteinUhlenbeckAmplitude, torqueDephasing, variableTorqueDephasing } from './gas-torque.ts';
import { derivativeSteps } from './mbhb-model.ts';
import { boxPrior } from './prior.ts';
import { binaryFromParams, binarySignal, injectedBinary, sourceGrid, type SourceConfig } from './source.ts';
import type { Signal } from './waveform.ts';
import { YEAR_S } from './constants.ts';

export interface TorqueSettings {
  source: SourceConfig;
  /** Mean torque amplitude Ā and slope n_r of the injection. */
  amplitude: number;
  slope: number;
  /** Correlation time of the OU process, in units of the observation time. */
  correlationTime: number;
  /** Fine-grid points per data bin for the quadrature of the varying torque's phase. */
  refinement: number;
  priorHalfWidth: number;
}

export interface Injection {
  /** Relative variability σ: A(t) = Ā (1 + σ ξ(t)). */
  variability: number;
  /** Seeds the OU path (and the noise when `noise` is on). */
  seed: number;
  noise: boolean;
}

/** The constant-torque template on the data grid. */
export function torqueSignal(grid: FrequencyGrid, theta: readonly number[]): Signal {
  const dephasing = torqueDephasing(grid.f, binaryFromParams(theta), { amplitude: theta[5]!, slope: theta[6]! });
  return binarySignal(grid, theta, dephasing);
}

export function torqueTruth(settings: TorqueSettings): number[] {
  return [...injectedBinary(settings.source), settings.amplitude, settings.slope];
}

/**
 * The injected signal: the torque phase integrated numerically along A(t) on a grid `refinement`
 * times finer than the data's, then interpolated (in ln f) onto the data grid. Also returns the
 * amplitude path, for the report.
 */
export function injectSignal(grid: FrequencyGrid, settings: TorqueSettings, injection: Injection): { signal: Signal; fine: Float64Array; amplitude: Float64Array } {
  const truth = torqueTruth(settings);
  const binary = binaryFromParams(truth);
  const n = grid.f.length * settings.refinement;
  const f0 = grid.f[0]!;
  const f1 = grid.f[grid.f.length - 1]!;
  const fine = Float64Array.from({ length: n }, (_, i) => f0 * (f1 / f0) ** (i / (n - 1)));
  const tau = settings.correlationTime * settings.source.observationYears * YEAR_S;
  const amplitude = ornsteinUhlenbeckAmplitude(fine, binary.chirpMass, settings.amplitude, injection.variability, tau, Rng.fromSeed(injection.seed).fork(1));
  const dephasing = interpolateLog(fine, variableTorqueDephasing(fine, amplitude, binary, settings.slope), grid.f);
  let signal = binarySignal(grid, truth, dephasing);
  if (injection.noise) signal = addSignals(signal, drawNoise(grid, Rng.fromSeed(injection.seed).fork(2)));
  return { signal, fine, amplitude };
}

/** Prior box: truth ± priorHalfWidth Fisher σ of the seven-parameter template (q ≤ 1). */
export function torquePrior(grid: FrequencyGrid, settings: TorqueSettings): ReturnType<typeof boxPrior> {
  const truth = torqueTruth(settings);
  const steps = [...derivativeSteps(truth), Math.abs(settings.amplitude) * 1e-4, 1e-4];
  const { covariance } = scoreCompressor(grid, (t) => torqueSignal(grid, t), truth, steps);
  const k = settings.priorHalfWidth;
  const sigma = covariance.map((row, i) => Math.sqrt(row[i]!));
  return boxPrior(
    truth.map((t, i) => t - k * sigma[i]!),
    truth.map((t, i) => (i === 1 ? Math.min(1, t + k * sigma[i]!) : t + k * sigma[i]!)),
  );
}

export function torqueProblem(settings: TorqueSettings, injection: Injection) {
  const grid = sourceGrid(settings.source);
  const data = injectSignal(grid, settings, injection).signal;
  const prior = torquePrior(grid, settings);
  return {
    grid,
    prior,
    truth: torqueTruth(settings),
    logLikelihood: (batch: number[][]) => batch.map((theta) => whittleLogLikelihood(grid, data, torqueSignal(grid, theta))),
  };
}
