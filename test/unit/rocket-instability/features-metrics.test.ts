import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../lib/random.ts';
import { fitLinear, predictLinear } from '../../../pipelines/rocket-instability/baselines.ts';
import { extractFeatures, featureColumns, SENSOR_SETS, thresholdCrossing } from '../../../pipelines/rocket-instability/features.ts';
import { assignRoles } from '../../../pipelines/rocket-instability/forecaster.ts';
import { firstAlarm, judgeWarning, normalCdf, scoreForecasts } from '../../../pipelines/rocket-instability/metrics.ts';

/** A 2 s series at 1 kHz where every channel is a known function of the sample index. */
function rampSeries(n = 2000) {
  const i = Float64Array.from({ length: n }, (_, k) => k);
  const f = (a: number, b: number) => i.map((k) => a * k + b);
  return { t: i.map((k) => k / 1000), p_dyn: f(1, 0), oh_star: f(2, 1), p_inj: f(3, 2), t_inj: f(-1, 5), p_c: f(0.5, 70), u_lox: f(0.001, 0.8), u_h2: f(-0.001, 0.2) };
}

test('features: block means, future controls and targets line up with the origin', () => {
  const f = extractFeatures(rampSeries(), { horizonMs: 500, strideMs: 50 });
  // Origins at samples 500, 550, …, 1450 (the last whose target at +500 exists).
  assert.deepEqual(Array.from(f.t!).map((t) => Math.round(t * 1000)), Array.from({ length: 20 }, (_, k) => 500 + 50 * k));
  const o = 700;
  const row = Array.from(f.t!).findIndex((t) => Math.round(t * 1000) === o);
  // Block [from, to) ms back holds samples o−to+1 … o−from; on p_dyn = k their mean is o − (from + to − 1)/2.
  assert.equal(f.p_dyn_past_0_10![row], o - 4.5);
  assert.equal(f.p_dyn_past_350_500![row], o - (350 + 499) / 2);
  assert.equal(f.oh_star_past_30_60![row], 2 * (o - (30 + 59) / 2) + 1);
  assert.ok(Math.abs(f.u_h2_plan_300![row]! - (-0.001 * (o + 300) + 0.2)) < 1e-12);
  assert.equal(f.target![row], o + 500);
  // Every model input exists, and the ablation sets only drop sensors, never the planned controls.
  for (const [set, sensors] of Object.entries(SENSOR_SETS)) {
    const cols = featureColumns(sensors, 500);
    assert.ok(cols.every((c) => f[c.name]), set);
    assert.equal(cols.filter((c) => c.name.includes('_plan_')).length, 10);
    assert.equal(cols.length, (sensors.length + 2) * 7 + 10);
  }
});

test('threshold crossing uses the 20 ms mean, so one spike is not an instability', () => {
  const t = Float64Array.from({ length: 1000 }, (_, k) => k / 1000);
  const a = new Float64Array(1000).fill(0.2);
  a[300] = 5;
  assert.ok(Number.isNaN(thresholdCrossing(t, a, 1)));
  for (let k = 600; k < 1000; k++) a[k] = 1.5;
  // Mean over 20 samples with s samples at 1.5 and 20 − s at 0.2 exceeds 1 once s > 12.3: at sample 612.
  assert.equal(thresholdCrossing(t, a, 1), 0.612);
});

test('normal CDF, Gaussian scores and coverage against exact references', () => {
  assert.ok(Math.abs(normalCdf(1.6448536269514722) - 0.95) < 2e-7);
  assert.ok(Math.abs(normalCdf(-1) - 0.15865525393145707) < 2e-7);
  assert.ok(Math.abs(normalCdf(0) - 0.5) < 2e-7);
  const rng = Rng.fromSeed(2);
  const n = 20_000;
  const truth = Float64Array.from({ length: n }, () => 2 * rng.normal());
  const s = scoreForecasts(truth, new Float64Array(n), new Float64Array(n).fill(4));
  assert.ok(Math.abs(s.coverage90 - 0.9) < 0.01, `coverage ${s.coverage90}`);
  // Expected NLL of N(0, σ²) data under N(0, σ²): ½ ln(2πσ²) + ½.
  assert.ok(Math.abs(s.nll - (0.5 * Math.log(2 * Math.PI * 4) + 0.5)) < 0.02, `nll ${s.nll}`);
  assert.ok(Math.abs(s.rmse - 2) < 0.03);
});

test('linear AR baseline recovers exact coefficients; warnings need persistence and lead', () => {
  const rng = Rng.fromSeed(4);
  const rows = Array.from({ length: 300 }, () => [rng.normal(), 10 + rng.normal(), rng.normal()]);
  const y = rows.map(([a, b, c]) => 1.5 + 2 * a! - 0.5 * b! + 0.25 * c!);
  const inputs = { rows: 300, cols: 3, data: Float32Array.from(rows.flat()) };
  const model = fitLinear(inputs, y, 0);
  [1.5, 2, -0.5, 0.25].forEach((w, j) => assert.ok(Math.abs(model.weights[j]! - w) < 1e-4, `w${j} = ${model.weights[j]}`));
  assert.ok(model.variance < 1e-8);
  assert.ok(Math.abs(predictLinear(model, inputs).mean[7]! - y[7]!) < 1e-4);

  const t = [0, 0.1, 0.2, 0.3, 0.4, 0.5];
  const mean = [0, 2, 0, 2, 2, 2];
  const variance = t.map(() => 0.01);
  const rule = { threshold: 1, probability: 0.5, persistence: 2 };
  assert.equal(firstAlarm(t, mean, variance, rule), 0.4);
  assert.deepEqual(judgeWarning(0.8, 0.4, 0.3, 2), { crossing: 0.8, alarm: 0.4, lead: 0.4, hit: true, falseAlarm: false });
  assert.equal(judgeWarning(0.6, 0.4, 0.3, 2).hit, false);
  assert.equal(judgeWarning(NaN, 0.4, 0.3, 2).falseAlarm, true);
  assert.equal(judgeWarning(5, 0.4, 0.3, 2).falseAlarm, true);
});

test('roles: whole runs, stratified by stability, stable under adding a run to the other class', () => {
  const runs = Array.from({ length: 20 }, (_, i) => ({ run: `run-${i}`, crossing: i % 2 ? NaN : 3 }));
  const roles = assignRoles(runs, 0.3, 0.2);
  for (const unstable of [true, false]) {
    const members = runs.filter((r) => !Number.isNaN(r.crossing) === unstable).map((r) => roles.get(r.run));
    assert.deepEqual([members.filter((r) => r === 'test').length, members.filter((r) => r === 'validation').length], [3, 2]);
  }
  const more = assignRoles([...runs, { run: 'run-new', crossing: NaN }], 0.3, 0.2);
  runs.filter((r) => !Number.isNaN(r.crossing)).forEach((r) => assert.equal(more.get(r.run), roles.get(r.run)));
});
