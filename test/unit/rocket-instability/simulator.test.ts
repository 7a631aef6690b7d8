import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../lib/random.ts';
import { DEFAULT_THRESHOLD, NOISE_SIGMA2, STABLE_MAX_GROWTH, UNSTABLE_MIN_GROWTH } from '../../../pipelines/rocket-instability/constants.ts';
import { thresholdCrossing } from '../../../pipelines/rocket-instability/features.ts';
import { drawSchedule, growthRate, integrateAmplitude, NONLINEARITY, stationaryLogDensity } from '../../../pipelines/rocket-instability/simulator.ts';
import { simulateTestRun } from '../../../pipelines/rocket-instability/stages.ts';

const supercritical = NONLINEARITY.supercritical;

test('noise-free limit: the amplitude grows at the linear rate ν, then settles on the fixed point √(8ν/κ)', () => {
  const nu = 5;
  const dt = 1e-4;
  // A tiny noise only to leave z = 0 (an unstable fixed point).
  const a = integrateAmplitude(60_000, dt, () => nu, supercritical, Rng.fromSeed(1), 1e-16);
  const at = (t: number) => a[Math.round(t / dt) - 1]!;
  const measuredRate = Math.log(at(2) / at(1));
  assert.ok(Math.abs(measuredRate - nu) < 0.02 * nu, `linear growth ${measuredRate} vs ${nu}`);
  const fixedPoint = Math.sqrt((8 * nu) / supercritical.kappa3);
  assert.ok(Math.abs(at(6) - fixedPoint) < 1e-3 * fixedPoint, `A(6 s) = ${at(6)} vs √(8ν/κ) = ${fixedPoint}`);
});

/** E[A] and E[A²] under the Fokker–Planck stationary density, by the trapezoid rule. */
function stationaryMoments(nu: number, n: typeof supercritical): [number, number] {
  const grid = Array.from({ length: 20_000 }, (_, i) => (i + 0.5) * 6e-4);
  const logP = grid.map((a) => stationaryLogDensity(a, nu, n));
  const max = Math.max(...logP);
  const p = logP.map((l) => Math.exp(l - max));
  const z = p.reduce((s, v) => s + v, 0);
  return [grid.reduce((s, a, i) => s + a * p[i]!, 0) / z, grid.reduce((s, a, i) => s + a * a * p[i]!, 0) / z];
}

for (const [label, nu, n] of [
  ['supercritical, stable (ν = −5 s⁻¹)', -5, NONLINEARITY.supercritical],
  ['supercritical, limit cycle (ν = +8 s⁻¹)', 8, NONLINEARITY.supercritical],
  ['subcritical, bistable (ν = −4 s⁻¹)', -4, NONLINEARITY.subcritical],
] as const) {
  test(`stationary amplitude moments match the Fokker–Planck density: ${label}`, () => {
    const dt = 5e-4;
    const a = integrateAmplitude(1_000_000, dt, () => nu, n, Rng.fromSeed(7));
    const burn = 40_000;
    let m1 = 0;
    let m2 = 0;
    for (let i = burn; i < a.length; i++) {
      m1 += a[i]!;
      m2 += a[i]! ** 2;
    }
    m1 /= a.length - burn;
    m2 /= a.length - burn;
    const [e1, e2] = stationaryMoments(nu, n);
    assert.ok(Math.abs(m1 / e1 - 1) < 0.04, `E[A] simulated ${m1} vs Fokker–Planck ${e1}`);
    assert.ok(Math.abs(m2 / e2 - 1) < 0.06, `E[A²] simulated ${m2} vs Fokker–Planck ${e2}`);
  });
}

test('stable linear regime: E[A²] = σ²/|ν| (two independent Ornstein–Uhlenbeck components)', () => {
  const [, e2] = stationaryMoments(-40, { kappa3: 0, kappa5: 0 });
  assert.ok(Math.abs(e2 / (NOISE_SIGMA2 / 40) - 1) < 1e-3, `${e2}`);
});

test('schedules: unstable runs cross ν = 0 and the threshold, stable runs stay below both; same seed, same run', () => {
  const rng = Rng.fromSeed(3);
  for (let i = 0; i < 20; i++) {
    const s = drawSchedule(rng, i % 2 === 0, i % 3 ? 'supercritical' : 'subcritical');
    const start = growthRate(s.start.chamberPressure, s.start.rof, s.h2Temperature, s.growthOffset);
    const end = growthRate(s.end.chamberPressure, s.end.rof, s.h2Temperature, s.growthOffset);
    if (s.unstable) assert.ok(start < STABLE_MAX_GROWTH && end > UNSTABLE_MIN_GROWTH, `${start} → ${end}`);
    else assert.ok(Math.max(start, end) < STABLE_MAX_GROWTH);
  }
  for (const index of [0, 1, 2, 3]) {
    const { schedule, run } = simulateTestRun(5, index, 8, 0.5);
    const crossing = thresholdCrossing(run.columns.t!, run.columns.p_dyn!, DEFAULT_THRESHOLD);
    assert.equal(Number.isNaN(crossing), !schedule.unstable, `run ${index}: crossing ${crossing}`);
    if (schedule.unstable) {
      // The envelope crosses after the growth rate has turned positive (or, subcritical, entered the bistable band).
      const turned = run.growth.findIndex((g) => g > (schedule.bifurcation === 'subcritical' ? -10 : 0)) / 1000;
      assert.ok(crossing > turned, `crossing ${crossing} s before ν turned at ${turned} s`);
    }
    assert.deepEqual(simulateTestRun(5, index, 8, 0.5).run.columns.p_dyn, run.columns.p_dyn);
  }
});
