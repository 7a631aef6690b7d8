import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadCosmologyData, parseChronometers, parseSupernovae } from '../../../pipelines/cosmology/data.ts';
import { hubbleE } from '../../../lib/cosmology/distances.ts';
import { chronometerChi2, cosmologyLogLikelihood, MarginalisedSupernovae } from '../../../pipelines/cosmology/likelihood.ts';
import { MODELS } from '../../../pipelines/cosmology/models.ts';

const data = loadCosmologyData();
const REFERENCE = { omegaM: 0.3 };
const H_REF = 0.7;

/** D_L/D_H for flat ΛCDM by composite Simpson on a fine grid — independent of the pipeline's quadrature. */
function luminosityDistanceSimpson(z: number): number {
  const n = 4000;
  const f = (x: number) => 1 / Math.sqrt(REFERENCE.omegaM * (1 + x) ** 3 + 1 - REFERENCE.omegaM);
  let s = f(0) + f(z);
  for (let k = 1; k < n; k++) s += (k % 2 ? 4 : 2) * f((k * z) / n);
  return (1 + z) * ((s * z) / (3 * n));
}

/** Inverse by Gauss–Jordan elimination with partial pivoting (the pipeline uses Cholesky). */
function gaussJordanInverse(m: number[][]): number[][] {
  const n = m.length;
  const a = m.map((row, i) => [...row, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[p]![c]!)) p = r;
    [a[c], a[p]] = [a[p]!, a[c]!];
    const pivot = a[c]![c]!;
    a[c] = a[c]!.map((v) => v / pivot);
    for (let r = 0; r < n; r++) if (r !== c) a[r] = a[r]!.map((v, j) => v - a[r]![c]! * a[c]![j]!);
  }
  return a.map((row) => row.slice(n));
}

const sn = data.supernovae;
const n = sn.mb.length;
const fullCovariance = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => sn.covSys[i * n + j]! + (i === j ? sn.dmb[i]! ** 2 : 0)));
const residuals = Array.from(sn.mb, (m, i) => m - 5 * Math.log10(luminosityDistanceSimpson(sn.zcmb[i]!)));

/** χ²(M') = (Δ − M')ᵀ C⁻¹ (Δ − M') with a dense inverse. */
function chi2AtOffset(inverse: number[][], offset: number): number {
  let chi2 = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) chi2 += (residuals[i]! - offset) * inverse[i]![j]! * (residuals[j]! - offset);
  return chi2;
}

test('data files parse to 31 chronometers and 40 supernova bins with a symmetric 40×40 covariance', () => {
  assert.equal(data.chronometers.z.length, 31);
  assert.equal(n, 40);
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) assert.ok(Math.abs(sn.covSys[i * n + j]! - sn.covSys[j * n + i]!) < 1e-12);
  assert.deepEqual(Array.from(parseChronometers('# z H err\n\n0.1, 70, 5\r\n0.2 75 6\n').H), [70, 75]);
  assert.throws(() => parseSupernovae('#name zcmb zhel mb dmb\n0 0.1 0.1 20 0.1\n', '# c\n1\n2\n'), /expected 1/);
  assert.throws(() => parseSupernovae('#name zhel mb dmb\n0 0.1 20 0.1\n', '# c\n1\n'), /no column zcmb/);
});

test('chronometer χ² at a reference point equals a direct sum', () => {
  const { z, H, sigma } = data.chronometers;
  let expected = 0;
  for (let i = 0; i < z.length; i++) expected += ((H[i]! - 70 * Math.sqrt(0.3 * (1 + z[i]!) ** 3 + 0.7)) / sigma[i]!) ** 2;
  assert.ok(Math.abs(chronometerChi2(data.chronometers, H_REF, REFERENCE) - expected) < 1e-9 * expected);
});

test('marginalised supernova χ² equals a dense Gauss–Jordan computation of a − b²/e + ln(e/2π)', () => {
  const inverse = gaussJordanInverse(fullCovariance);
  const e = inverse.flat().reduce((s, v) => s + v, 0);
  const b = inverse.reduce((s, row) => s + row.reduce((t, v, j) => t + v * residuals[j]!, 0), 0);
  const expected = chi2AtOffset(inverse, 0) - (b * b) / e + Math.log(e / (2 * Math.PI));
  const actual = new MarginalisedSupernovae(sn).chi2(REFERENCE);
  assert.ok(Math.abs(actual - expected) < 1e-6, `${actual} vs ${expected}`);
});

test('analytic M marginalisation equals integrating exp(−χ²/2) over M on a grid', () => {
  const inverse = gaussJordanInverse(fullCovariance);
  const mean = residuals.reduce((s, v) => s + v, 0) / n;
  // The M' posterior has width 1/√e ≈ 0.01 mag: ±0.5 mag covers it many times over.
  const steps = 4000;
  const lo = mean - 0.5;
  const dm = 1 / steps;
  const values = Array.from({ length: steps + 1 }, (_, k) => -0.5 * chi2AtOffset(inverse, lo + k * dm));
  const peak = Math.max(...values);
  const integral = values.reduce((s, v, k) => s + (k === 0 || k === steps ? 0.5 : 1) * Math.exp(v - peak), 0) * dm;
  const numeric = -2 * (peak + Math.log(integral));
  const analytic = new MarginalisedSupernovae(sn).chi2(REFERENCE);
  assert.ok(Math.abs(numeric - analytic) < 1e-6, `${numeric} vs ${analytic}`);
});

test('batched ln L = −½ (χ²_H + χ²_SN) and −∞ outside the support; h only enters through H(z)', () => {
  const logL = cosmologyLogLikelihood(MODELS.lcdm, data);
  const [l1, l2] = logL([
    [0.3, 0.7],
    [0.3, 0.6],
  ]);
  const snChi2 = new MarginalisedSupernovae(sn).chi2(REFERENCE);
  assert.ok(Math.abs(l1! + 0.5 * (chronometerChi2(data.chronometers, 0.7, REFERENCE) + snChi2)) < 1e-9);
  assert.ok(Math.abs(l2! + 0.5 * (chronometerChi2(data.chronometers, 0.6, REFERENCE) + snChi2)) < 1e-9);
  const [closed] = cosmologyLogLikelihood(MODELS.oklcdm, data)([[0.05, 0.7, -0.3]]);
  assert.equal(closed, -Infinity);
  assert.ok(hubbleE({ omegaM: 0.3 }, 0) === 1);
});
