import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../lib/random.ts';
import { ornsteinUhlenbeckAmplitude, torqueDephasing, variableTorqueDephasing } from '../../../pipelines/lisa/gas-torque.ts';
import { detectorFrame, taylorF2PnPhase } from '../../../pipelines/lisa/waveform.ts';
import { torqueSignal } from '../../../pipelines/lisa/torque-model.ts';
import { binarySignal, injectedBinary, sourceGrid, sourceSchema } from '../../../pipelines/lisa/source.ts';

const binary = { ...detectorFrame(1e5, 0.01, 0.3), distance: 1e17, tc: 0, phic: 0 };
const f = Float64Array.from({ length: 50 }, (_, i) => 1e-3 * 30 ** (i / 49));

test('A = 0 gives TaylorF2 exactly', () => {
  const source = sourceSchema.parse({ totalMass: 1e5, massRatio: 0.01, redshift: 0.3, frequencyBins: 64 });
  const grid = sourceGrid(source);
  const theta = injectedBinary(source);
  const plain = binarySignal(grid, theta);
  assert.ok(plain.re.some((x) => x !== 0));
  for (const slope of [-2, 0, 2, 4]) {
    assert.deepEqual(torqueDephasing(grid.f, binary, { amplitude: 0, slope }), new Float64Array(grid.f.length).fill(-0));
    assert.deepEqual(torqueSignal(grid, [...theta, 0, slope]), plain);
  }
});

test('n_r = 0 is a chirp-mass rescaling: Ψ_N(Mc) + δΨ = Ψ_N(Mc (1 − A)^{−3/5}) exactly', () => {
  for (const amplitude of [1e-4, 1e-2, 0.2]) {
    const psi = taylorF2PnPhase(f, binary, 0);
    const dephasing = torqueDephasing(f, binary, { amplitude, slope: 0 });
    const rescaled = taylorF2PnPhase(f, { ...binary, chirpMass: binary.chirpMass * (1 - amplitude) ** -0.6 }, 0);
    for (let i = 0; i < f.length; i++) assert.ok(Math.abs(psi[i]! + dephasing[i]! - rescaled[i]!) < 1e-9 * Math.abs(psi[i]!), `A = ${amplitude}, f = ${f[i]}`);
  }
});

test('the torque dephasing is the double integral of δΨ″ = −2π A x^n (dt/df)_N (independent quadrature)', () => {
  // ∫_f^∞ (f' − f) δΨ″(f') df' by Simpson in ln f' on [f, 1e9 f] (the tail beyond is < 1e-5 of the total).
  const amplitude = 3e-4;
  for (const slope of [-1.5, 1, 3]) {
    const analytic = torqueDephasing([2e-3], binary, { amplitude, slope })[0]!;
    const m = binary.chirpMass * binary.eta ** -0.6;
    const second = (x: number) => -2 * Math.PI * amplitude * ((Math.PI * m * x) ** (-2 / 3) / 10) ** slope * (5 / 96) * Math.PI ** (-8 / 3) * binary.chirpMass ** (-5 / 3) * x ** (-11 / 3);
    const n = 40000;
    const h = Math.log(1e9) / n;
    let s = 0;
    for (let i = 0; i <= n; i++) {
      const x = 2e-3 * Math.exp(i * h);
      s += (i === 0 || i === n ? 1 : i % 2 ? 4 : 2) * (x - 2e-3) * second(x) * x;
    }
    const numeric = (s * h) / 3;
    assert.ok(Math.abs(numeric / analytic - 1) < 1e-4, `n = ${slope}: ${numeric} vs ${analytic}`);
  }
});

test('a constant amplitude path reproduces the analytic dephasing through the numerical integrator', () => {
  const fine = Float64Array.from({ length: 4000 }, (_, i) => 1e-3 * 30 ** (i / 3999));
  for (const slope of [0, 2]) {
    const numeric = variableTorqueDephasing(fine, new Float64Array(fine.length).fill(1e-4), binary, slope);
    const analytic = torqueDephasing(fine, binary, { amplitude: 1e-4, slope });
    for (let i = 0; i < fine.length; i += 97) assert.ok(Math.abs(numeric[i]! - analytic[i]!) < 1e-5 * Math.abs(analytic[0]!), `n = ${slope}, i = ${i}`);
  }
});

test('the Ornstein–Uhlenbeck amplitude has mean Ā and relative standard deviation σ', () => {
  const fine = Float64Array.from({ length: 400 }, (_, i) => 1e-3 * 30 ** (i / 399));
  const rng = Rng.fromSeed(5);
  const values: number[] = [];
  for (let r = 0; r < 400; r++) values.push(ornsteinUhlenbeckAmplitude(fine, binary.chirpMass, 2, 0.1, 1e5, rng)[200]!);
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1));
  assert.ok(Math.abs(mean - 2) < 0.05 && Math.abs(sd / 0.2 - 1) < 0.15, `mean ${mean}, sd ${sd}`);
});
