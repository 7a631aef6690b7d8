/**
 * Forecast inputs from a test run: at each forecast origin t, the means of every sensor channel
 * over past blocks of the last 500 ms (finer near t, where the amplitude's current trend lives)
 * and the planned flow-rate commands at future times up to the horizon (the controls are scripted,
 * so they are known ahead, as in Sengupta et al. 2021). The target is the dynamic-pressure
 * envelope at t + horizon.
 */
import { SAMPLE_RATE_HZ } from './constants.ts';

export const SENSOR_CHANNELS = ['p_dyn', 'oh_star', 'p_inj', 't_inj', 'p_c'] as const;
export const CONTROL_CHANNELS = ['u_lox', 'u_h2'] as const;
export type Channel = (typeof SENSOR_CHANNELS)[number] | (typeof CONTROL_CHANNELS)[number];

/** Past blocks [from, to) in ms before the origin; their union is the 500 ms window. */
export const PAST_BLOCKS_MS: readonly (readonly [number, number])[] = [
  [0, 10],
  [10, 30],
  [30, 60],
  [60, 100],
  [100, 200],
  [200, 350],
  [350, 500],
];
export const WINDOW_MS = 500;

/**
 * The sensor sets of the ablation study. The planned controls are inputs of every variant: they
 * are commands, not measurements, and a sensor failure cannot take them away.
 */
export const SENSOR_SETS = {
  all: [...SENSOR_CHANNELS],
  'dynamic-pressure': ['p_dyn'],
  'no-dynamic-pressure': ['oh_star', 'p_inj', 't_inj', 'p_c'],
  injector: ['p_inj', 't_inj'],
} as const satisfies Record<string, readonly Channel[]>;
export type SensorSet = keyof typeof SENSOR_SETS;
export const SENSOR_SET_NAMES = Object.keys(SENSOR_SETS) as SensorSet[];

/** Future command times [ms after the origin]: every 100 ms up to the horizon. */
export function futureControlTimes(horizonMs: number): number[] {
  return Array.from({ length: Math.ceil(horizonMs / 100) }, (_, i) => Math.min((i + 1) * 100, horizonMs));
}

export interface FeatureColumn {
  name: string;
  channel: Channel;
}

/** Feature columns of a sensor set, in model-input order. */
export function featureColumns(sensors: readonly Channel[], horizonMs: number): FeatureColumn[] {
  const past = [...sensors, ...CONTROL_CHANNELS].flatMap((channel) =>
    PAST_BLOCKS_MS.map(([from, to]) => ({ name: `${channel}_past_${from}_${to}`, channel })),
  );
  const future = CONTROL_CHANNELS.flatMap((channel) => futureControlTimes(horizonMs).map((ms) => ({ name: `${channel}_plan_${ms}`, channel })));
  return [...past, ...future];
}

export interface FeatureOptions {
  horizonMs: number;
  /** Spacing of forecast origins [ms]. */
  strideMs: number;
}

/** Every feature of every channel (ablations select columns), the origin times and the targets. */
export function extractFeatures(series: Record<string, ArrayLike<number>>, options: FeatureOptions): Record<string, Float64Array> {
  const samples = (ms: number) => Math.round((ms * SAMPLE_RATE_HZ) / 1000);
  const n = series.t!.length;
  const horizon = samples(options.horizonMs);
  const first = samples(WINDOW_MS);
  const origins: number[] = [];
  for (let i = first; i + horizon < n; i += Math.max(1, samples(options.strideMs))) origins.push(i);
  const out: Record<string, Float64Array> = {
    t: Float64Array.from(origins, (i) => series.t![i]!),
    target: Float64Array.from(origins, (i) => series.p_dyn![i + horizon]!),
  };
  for (const channel of [...SENSOR_CHANNELS, ...CONTROL_CHANNELS]) {
    const values = series[channel]!;
    // Prefix sums make every block mean O(1).
    const prefix = new Float64Array(n + 1);
    for (let i = 0; i < n; i++) prefix[i + 1] = prefix[i]! + values[i]!;
    for (const [from, to] of PAST_BLOCKS_MS) {
      const [a, b] = [samples(from), samples(to)];
      // Samples i−b+1 … i−a (the origin's own sample is the newest).
      out[`${channel}_past_${from}_${to}`] = Float64Array.from(origins, (i) => (prefix[i - a + 1]! - prefix[i - b + 1]!) / (b - a));
    }
  }
  for (const channel of CONTROL_CHANNELS) {
    for (const ms of futureControlTimes(options.horizonMs)) out[`${channel}_plan_${ms}`] = Float64Array.from(origins, (i) => series[channel]![i + samples(ms)]!);
  }
  return out;
}

/**
 * The first time the envelope, averaged over `smoothingMs`, exceeds the threshold (NaN if never):
 * the smoothing keeps a single noisy sample from counting as an instability.
 */
export function thresholdCrossing(t: ArrayLike<number>, envelope: ArrayLike<number>, threshold: number, smoothingMs = 20): number {
  const w = Math.max(1, Math.round((smoothingMs * SAMPLE_RATE_HZ) / 1000));
  let sum = 0;
  for (let i = 0; i < envelope.length; i++) {
    sum += envelope[i]!;
    if (i >= w) sum -= envelope[i - w]!;
    if (i >= w - 1 && sum / w > threshold) return t[i]!;
  }
  return NaN;
}
