/**
 * Test-run simulator: an operating-point schedule (commanded chamber pressure and mixture ratio,
 * i.e. the two flow-rate commands) drives the linear growth rate ν of the 1T mode through the
 * noisy Stuart–Landau amplitude equation; sensors are read off the state. See constants.ts for
 * the equations, the numbers and their sources.
 */
import type { Rng } from '../../lib/random.ts';
import {
  CHAMBER_LAG_S,
  DT,
  GROWTH,
  H2_TEMPERATURE_DRIFT,
  KAPPA3_SUBCRITICAL,
  KAPPA5_SUBCRITICAL,
  KAPPA_SUPERCRITICAL,
  NOISE_SIGMA2,
  OPERATING_RANGE,
  REFERENCE,
  RUN_COLUMNS,
  SCHEDULE,
  SENSORS,
  STABLE_MAX_GROWTH,
  SUBSTEPS,
  UNSTABLE_MIN_GROWTH,
} from './constants.ts';

export type Bifurcation = 'supercritical' | 'subcritical';

/** Cubic and quintic saturation coefficients of the amplitude equation. */
export interface Nonlinearity {
  kappa3: number;
  kappa5: number;
}

export const NONLINEARITY: Record<Bifurcation, Nonlinearity> = {
  supercritical: { kappa3: KAPPA_SUPERCRITICAL, kappa5: 0 },
  subcritical: { kappa3: KAPPA3_SUBCRITICAL, kappa5: KAPPA5_SUBCRITICAL },
};

/** Linear growth rate ν [s⁻¹] at an operating point. */
export function growthRate(chamberPressure: number, rof: number, h2Temperature: number, offset = 0): number {
  return (
    GROWTH.nu0 +
    GROWTH.perBar * (chamberPressure - REFERENCE.chamberPressure) +
    GROWTH.perRof * (rof - REFERENCE.rof) +
    GROWTH.perKelvin * (h2Temperature - REFERENCE.h2Temperature) +
    offset
  );
}

/** Deterministic radial drift νA − κ₃A³/8 − κ₅A⁵ (without the noise-induced Γ/(4ω²A) term). */
export function radialDrift(amplitude: number, nu: number, n: Nonlinearity): number {
  const a2 = amplitude * amplitude;
  return amplitude * (nu - (n.kappa3 * a2) / 8 - n.kappa5 * a2 * a2);
}

/**
 * Unnormalised log of the stationary amplitude density (Fokker–Planck of the amplitude equation
 * with noise intensity σ²): ln P(A) = ln A + (2/σ²)(νA²/2 − κ₃A⁴/32 − κ₅A⁶/6).
 */
export function stationaryLogDensity(amplitude: number, nu: number, n: Nonlinearity, sigma2 = NOISE_SIGMA2): number {
  const a2 = amplitude * amplitude;
  return Math.log(amplitude) + (2 / sigma2) * ((nu * a2) / 2 - (n.kappa3 * a2 * a2) / 32 - (n.kappa5 * a2 * a2 * a2) / 6);
}

/**
 * Euler–Maruyama steps of the complex amplitude dz = (ν − κ₃|z|²/8 − κ₅|z|⁴) z dt + σ (dW₁ + i dW₂):
 * its modulus A = |z| follows the amplitude equation, Itô drift σ²/(2A) = Γ/(4ω²A) included.
 * `nu(i)` gives ν for step i of length dt; returns A after every step.
 */
export function integrateAmplitude(
  steps: number,
  dt: number,
  nu: (i: number) => number,
  n: Nonlinearity,
  rng: Rng,
  sigma2 = NOISE_SIGMA2,
): Float64Array {
  const z = { x: 0, y: 0 };
  const noise = Math.sqrt(sigma2 * dt);
  const out = new Float64Array(steps);
  for (let i = 0; i < steps; i++) out[i] = amplitudeStep(z, nu(i), n, dt, noise, rng);
  return out;
}

/** One Euler–Maruyama step of the complex amplitude z (updated in place); returns |z|. */
function amplitudeStep(z: { x: number; y: number }, nu: number, n: Nonlinearity, dt: number, noiseSd: number, rng: Rng): number {
  const r2 = z.x * z.x + z.y * z.y;
  const rate = nu - (n.kappa3 * r2) / 8 - n.kappa5 * r2 * r2;
  z.x += rate * z.x * dt + noiseSd * rng.normal();
  z.y += rate * z.y * dt + noiseSd * rng.normal();
  return Math.hypot(z.x, z.y);
}

/** The scripted operating-point ramp of one test run. */
export interface RunSchedule {
  bifurcation: Bifurcation;
  /** Commanded chamber pressure [bar] and mixture ratio at the start and end of the ramp. */
  start: { chamberPressure: number; rof: number };
  end: { chamberPressure: number; rof: number };
  holdSeconds: number;
  rampSeconds: number;
  /** Set point of the H2 injection temperature [K]. */
  h2Temperature: number;
  /** Hidden per-run growth-rate offset [s⁻¹]. */
  growthOffset: number;
  /** Scripted to end above UNSTABLE_MIN_GROWTH (true) or stay below STABLE_MAX_GROWTH. */
  unstable: boolean;
}

const uniform = (rng: Rng, [lo, hi]: readonly [number, number]): number => lo + (hi - lo) * rng.uniform();

/**
 * Draw a schedule whose growth rate (at the set-point temperature) ends above
 * UNSTABLE_MIN_GROWTH (`unstable`) or never rises above STABLE_MAX_GROWTH, by rejection.
 */
export function drawSchedule(rng: Rng, unstable: boolean, bifurcation: Bifurcation): RunSchedule {
  for (;;) {
    const point = () => ({ chamberPressure: uniform(rng, OPERATING_RANGE.chamberPressure), rof: uniform(rng, OPERATING_RANGE.rof) });
    const start = point();
    const end = point();
    const h2Temperature = uniform(rng, OPERATING_RANGE.h2Temperature);
    const growthOffset = GROWTH.hiddenOffsetSd * rng.normal();
    const holdSeconds = uniform(rng, SCHEDULE.initialHold);
    const rampSeconds = uniform(rng, SCHEDULE.ramp);
    const nu = (p: { chamberPressure: number; rof: number }) => growthRate(p.chamberPressure, p.rof, h2Temperature, growthOffset);
    // ν is linear in (p_c, ROF), so along a straight ramp its maximum is at an end point.
    const startNu = nu(start);
    const endNu = nu(end);
    const ok = unstable ? startNu < STABLE_MAX_GROWTH && endNu > UNSTABLE_MIN_GROWTH : Math.max(startNu, endNu) < STABLE_MAX_GROWTH;
    if (ok) return { bifurcation, start, end, holdSeconds, rampSeconds, h2Temperature, growthOffset, unstable };
  }
}

/** One simulated test run: sensor columns at 1 kHz (see RUN_COLUMNS) plus the hidden truth. */
export interface SimulatedRun {
  columns: Record<string, Float64Array>;
  /** True amplitude and growth rate (not sensor readings; for tests and figures). */
  amplitude: Float64Array;
  growth: Float64Array;
}

const H2_FLOW_REF = 1 / (1 + REFERENCE.rof);

/** Flow-rate commands (normalised mass flows, 1 = reference total flow) for a commanded point. */
export function controls(chamberPressure: number, rof: number): { lox: number; h2: number } {
  const total = chamberPressure / REFERENCE.chamberPressure;
  return { lox: (total * rof) / (1 + rof), h2: total / (1 + rof) };
}

export function simulateRun(schedule: RunSchedule, durationSeconds: number, rng: Rng): SimulatedRun {
  const n = Math.round(durationSeconds / DT);
  const columns = Object.fromEntries(RUN_COLUMNS.map((k) => [k, new Float64Array(n)]));
  const amplitude = new Float64Array(n);
  const growth = new Float64Array(n);
  const nonlinearity = NONLINEARITY[schedule.bifurcation];
  const noise = Math.sqrt(NOISE_SIGMA2 * (DT / SUBSTEPS));
  const s = SENSORS;
  let pc = schedule.start.chamberPressure;
  let drift = 0;
  const z = { x: 0, y: 0 };
  let [ex, ey] = [0, 0];
  for (let i = 0; i < n; i++) {
    const t = i * DT;
    const f = Math.min(Math.max((t - schedule.holdSeconds) / schedule.rampSeconds, 0), 1);
    const pcCommand = schedule.start.chamberPressure + f * (schedule.end.chamberPressure - schedule.start.chamberPressure);
    const rof = schedule.start.rof + f * (schedule.end.rof - schedule.start.rof);
    const u = controls(pcCommand, rof);
    pc += (DT / CHAMBER_LAG_S) * (pcCommand - pc);
    drift += -(DT / H2_TEMPERATURE_DRIFT.tau) * drift + H2_TEMPERATURE_DRIFT.sd * Math.sqrt((2 * DT) / H2_TEMPERATURE_DRIFT.tau) * rng.normal();
    const h2Temperature = schedule.h2Temperature + s.injectorTemperature.perFlow * (u.h2 / H2_FLOW_REF - 1) + drift;
    const nu = growthRate(pc, rof, h2Temperature, schedule.growthOffset);
    let a = 0;
    for (let k = 0; k < SUBSTEPS; k++) a = amplitudeStep(z, nu, nonlinearity, DT / SUBSTEPS, noise, rng);
    // Envelope detector: smoothed complex amplitude plus in-band measurement noise (Rice-distributed modulus).
    const w = DT / s.dynamicPressure.smoothing;
    ex += Math.min(w, 1) * (z.x - ex);
    ey += Math.min(w, 1) * (z.y - ey);
    columns.t![i] = t;
    columns.p_dyn![i] = Math.hypot(ex + s.dynamicPressure.noise * rng.normal(), ey + s.dynamicPressure.noise * rng.normal());
    columns.oh_star![i] = s.ohStar.perBar * pc + s.ohStar.perAmplitude * a * (1 + s.ohStar.multiplicativeNoise * rng.normal()) + s.ohStar.noise * rng.normal();
    columns.p_inj![i] = pc * (1 + s.injectorPressure.dropFraction * (u.h2 / H2_FLOW_REF) ** 2) + s.injectorPressure.perAmplitude * a * rng.normal() + s.injectorPressure.noise * rng.normal();
    columns.t_inj![i] = h2Temperature + s.injectorTemperature.noise * rng.normal();
    columns.p_c![i] = pc + s.chamberPressure.noise * rng.normal();
    columns.u_lox![i] = u.lox;
    columns.u_h2![i] = u.h2;
    amplitude[i] = a;
    growth[i] = nu;
  }
  return { columns, amplitude, growth };
}
