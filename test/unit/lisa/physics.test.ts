import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../lib/random.ts';
import { CONFUSION_FITS, MISSION_YEARS, T_SUN_S, MPC_M, C_M_S, PLANCK18, YEAR_S } from '../../../pipelines/lisa/constants.ts';
import { sensitivity } from '../../../pipelines/lisa/sensitivity.ts';
import { drawNoise, innerProduct, logFrequencyGrid, snr, whittleLogLikelihood } from '../../../pipelines/lisa/data-model.ts';
import { detectorFrame, iscoFrequency, luminosityDistanceSeconds, taylorF2, taylorF2PnPhase } from '../../../pipelines/lisa/waveform.ts';
import { scoreCompressor } from '../../../pipelines/lisa/fisher.ts';
import { derivativeSteps } from '../../../pipelines/lisa/mbhb-model.ts';
import { binarySignal, injectedBinary, sourceGrid, sourceSchema } from '../../../pipelines/lisa/source.ts';

/**
 * Robson, Cornish & Liu 2019 written out again from the paper, in the form of their Eq. 13
 * (S_n = 10/(3L²) (P_OMS + 2(1 + cos²(f/f*)) P_acc/(2πf)⁴)(1 + 0.6 (f/f*)²) + S_c), not through
 * the pipeline's P_n/R decomposition.
 */
function robsonEq13(f: number, years: keyof typeof CONFUSION_FITS): number {
  const L = 2.5e9;
  const fStar = 299792458 / (2 * Math.PI * L);
  const poms = (1.5e-11) ** 2 * (1 + (2e-3 / f) ** 4);
  const pacc = (3e-15) ** 2 * (1 + (0.4e-3 / f) ** 2) * (1 + (f / 8e-3) ** 4);
  const instrument = (10 / (3 * L * L)) * (poms + (2 * (1 + Math.cos(f / fStar) ** 2) * pacc) / (2 * Math.PI * f) ** 4) * (1 + 0.6 * (f / fStar) ** 2);
  const { alpha, beta, kappa, gamma, fk } = CONFUSION_FITS[years];
  return instrument + 9e-45 * f ** (-7 / 3) * Math.exp(-(f ** alpha) + beta * f * Math.sin(kappa * f)) * (1 + Math.tanh(gamma * (fk - f)));
}

test('LISA sensitivity matches Robson et al. Eq. 13 at several frequencies for every mission duration', () => {
  for (const years of MISSION_YEARS) {
    for (const f of [3e-5, 1e-4, 5e-4, 1e-3, 3e-3, 1e-2, 5e-2, 0.2]) {
      const ours = sensitivity(f, years);
      const reference = robsonEq13(f, years);
      // Two algebraic forms of the same model: agreement to round-off.
      assert.ok(Math.abs(ours / reference - 1) < 1e-12, `${years} yr, f = ${f}: ${ours} vs ${reference}`);
    }
  }
  // The confusion noise matters where it should: ~1 mHz, and more for shorter missions there.
  assert.ok(sensitivity(1e-3, '0.5') > sensitivity(1e-3, '4') && sensitivity(1e-3, '4') > 2 * sensitivity(1e-3, null));
  assert.ok(Math.abs(sensitivity(3e-2, '4') / sensitivity(3e-2, null) - 1) < 1e-6);
});

/** D_L by the trapezoid rule on 1/E(z), flat ΛCDM. */
function luminosityDistanceMpc(z: number): number {
  const n = 20000;
  let s = 0;
  for (let i = 0; i <= n; i++) {
    const zi = (z * i) / n;
    const w = i === 0 || i === n ? 0.5 : 1;
    s += w / Math.sqrt(PLANCK18.omegaM * (1 + zi) ** 3 + 1 - PLANCK18.omegaM);
  }
  return (1 + z) * (299792.458 / PLANCK18.h0) * (s * z) / n;
}

test('optimal SNR of a 1e6 M_sun equal-mass binary at z = 1 over its last year matches an independent integral', () => {
  const z = 1;
  // Detector-frame chirp mass and distance, computed here from scratch.
  const mc = (((5e5 * 5e5) ** 0.6) / 1e6 ** 0.2) * (1 + z) * T_SUN_S;
  const dl = (luminosityDistanceMpc(z) * MPC_M) / C_M_S;
  assert.ok(Math.abs(dl / luminosityDistanceSeconds(z) - 1) < 1e-6);
  const m = 2e6 * T_SUN_S;
  const fIsco = 1 / (6 ** 1.5 * Math.PI * m);
  // Newtonian time to coalescence τ(f) = 5/256 Mc (π Mc f)^{-8/3}: start one year before.
  const fStart = ((5 / 256) * (mc / YEAR_S)) ** (3 / 8) / (Math.PI * mc);
  // ρ² = (16/5) ∫ |A₀|²/S_n df, A₀ = √(5/24) π^{-2/3} Mc^{5/6} f^{-7/6}/D_L; Simpson in ln f.
  const n = 20000;
  const h = Math.log(fIsco / fStart) / n;
  let integral = 0;
  for (let i = 0; i <= n; i++) {
    const f = fStart * Math.exp(i * h);
    const a0 = (Math.sqrt(5 / 24) * Math.PI ** (-2 / 3) * mc ** (5 / 6) * f ** (-7 / 6)) / dl;
    const w = i === 0 || i === n ? 1 : i % 2 ? 4 : 2;
    integral += (w * f * a0 * a0) / robsonEq13(f, '4');
  }
  const reference = Math.sqrt((16 / 5) * ((integral * h) / 3));

  const b = { ...detectorFrame(1e6, 1, z), distance: luminosityDistanceSeconds(z), tc: 0, phic: 0 };
  assert.ok(Math.abs(b.chirpMass / mc - 1) < 1e-12 && Math.abs(iscoFrequency(b) / fIsco - 1) < 1e-12);
  const grid = logFrequencyGrid(fStart, fIsco, 256, '4');
  const ours = snr(grid, taylorF2(grid.f, b));
  assert.ok(Math.abs(ours / reference - 1) < 2e-3, `SNR ${ours} vs ${reference}`);
  assert.ok(reference > 1000 && reference < 2500, `SNR ${reference}`);
});

test('noise realisations have (n|n) ≈ 2 per bin', () => {
  const grid = logFrequencyGrid(1e-4, 1e-2, 200, '4');
  const rng = Rng.fromSeed(3);
  let total = 0;
  const draws = 200;
  for (let i = 0; i < draws; i++) {
    const n = drawNoise(grid, rng);
    total += innerProduct(grid, n, n);
  }
  // Mean 400, standard error √(2·400/200) = 2.
  assert.ok(Math.abs(total / draws - 400) < 8, `${total / draws}`);
});

test('zero-noise injection: the Whittle likelihood peaks at the injected parameters, with the Fisher curvature', () => {
  const source = sourceSchema.parse({ totalMass: 1e6, massRatio: 0.5, redshift: 1, frequencyBins: 128 });
  const grid = sourceGrid(source);
  const truth = injectedBinary(source);
  const model = (t: readonly number[]) => binarySignal(grid, t);
  const data = model(truth);
  const { covariance, fisher } = scoreCompressor(grid, model, truth, derivativeSteps(truth));
  const sigma = covariance.map((r, i) => Math.sqrt(r[i]!));
  assert.ok(Object.is(Math.abs(whittleLogLikelihood(grid, data, model(truth))), 0));
  const rng = Rng.fromSeed(9);
  for (let trial = 0; trial < 40; trial++) {
    const delta = sigma.map((s) => 0.3 * s * rng.normal());
    const logL = whittleLogLikelihood(grid, data, model(truth.map((t, i) => t + delta[i]!)));
    assert.ok(logL < 0);
    // Small offsets: −2 ln L = Δθᵀ F Δθ to within the model's nonlinearity.
    const quadratic = delta.reduce((s, di, i) => s + di * delta.reduce((t, dj, j) => t + fisher[i]![j]! * dj, 0), 0);
    assert.ok(Math.abs(-2 * logL / quadratic - 1) < 0.05, `−2lnL ${-2 * logL} vs ΔθᵀFΔθ ${quadratic}`);
  }
});

test('TaylorF2 to 2PN: dΨ/df = −2π τ(f) with the textbook 2PN time to coalescence', () => {
  // τ = 5/256 (M/η) v⁻⁸ [1 + (743/252 + 11η/3) v² − 32π/5 v³ + (3058673/508032 + 5429η/504 + 617η²/72) v⁴]
  // (the TaylorT2 t(v) of Blanchet 2014, Living Rev. Relativ. 17, 2, truncated at 2PN), v = (πMf)^{1/3}.
  for (const q of [1, 0.3, 0.01]) {
    const b = detectorFrame(1e6, q, 1);
    const m = b.chirpMass * b.eta ** -0.6;
    const eta = b.eta;
    for (const f of [1e-4, 5e-4, 1.5e-3]) {
      const v = Math.cbrt(Math.PI * m * f);
      const tau = (5 / 256) * (m / eta) * v ** -8 * (1 + (743 / 252 + (11 / 3) * eta) * v * v - ((32 * Math.PI) / 5) * v ** 3 + (3058673 / 508032 + (5429 / 504) * eta + (617 / 72) * eta * eta) * v ** 4);
      const h = f * 1e-5;
      const [up, down] = [taylorF2PnPhase([f + h], b, 4)[0]!, taylorF2PnPhase([f - h], b, 4)[0]!];
      const derivative = (up - down) / (2 * h);
      assert.ok(Math.abs(derivative / (-2 * Math.PI * tau) - 1) < 1e-6, `q = ${q}, f = ${f}: ${derivative} vs ${-2 * Math.PI * tau}`);
    }
  }
});
