import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BANDS, DEFAULT_RESOLUTION, HE_TO_H2, MOLECULE_DATA, SYSTEM } from '../../../pipelines/atmospheric-retrieval/constants.ts';
import { bandQuadrature, type Passband } from '../../../pipelines/atmospheric-retrieval/data.ts';
import { composition, ForwardModel, planckWavenumber } from '../../../pipelines/atmospheric-retrieval/forward.ts';
import { bandStrength, crossSection } from '../../../pipelines/atmospheric-retrieval/opacity.ts';
import { expintE1, expintE2, irradiationTemperature, lineTemperatureProfile } from '../../../pipelines/atmospheric-retrieval/profile.ts';
import { cachedSpectrum } from '../../../pipelines/atmospheric-retrieval/retrieval.ts';

const rel = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol * Math.abs(b), `${what}: ${a} vs ${b}`);

/** Composite Simpson on [a, b] with n (even) intervals. */
function simpson(f: (x: number) => number, a: number, b: number, n: number): number {
  const h = (b - a) / n;
  let s = f(a) + f(b);
  for (let i = 1; i < n; i++) s += (i % 2 ? 4 : 2) * f(a + i * h);
  return (s * h) / 3;
}

test('E1 matches tabulated values (Abramowitz & Stegun table 5.1)', () => {
  rel(expintE1(1), 0.219383934395520, 1e-13, 'E1(1)');
  rel(expintE1(0.5), 0.559773594776161, 1e-13, 'E1(0.5)');
  rel(expintE1(5), 0.001148295591275, 1e-12, 'E1(5)');
});

test('E2 agrees with its defining integral ∫₁^∞ e^{−xt} t^{−2} dt (t = 1/s substitution)', () => {
  for (const x of [0.01, 0.3, 1, 2.5, 10]) {
    // E2(x) = ∫₀¹ e^{−x/s} ds (s = 1/t), smooth on [0, 1].
    const numeric = simpson((s) => (s === 0 ? 0 : Math.exp(-x / s)), 0, 1, 20000);
    rel(expintE2(x), numeric, 1e-7, `E2(${x})`);
  }
  assert.equal(expintE2(0), 1);
});

test('Line et al. profile: top and deep limits of the two-stream solution', () => {
  const p = { logKappa: -2, logGamma1: -0.5, logGamma2: 0.4, alpha: 0.3, beta: 1 };
  const g1 = 10 ** p.logGamma1;
  const g2 = 10 ** p.logGamma2;
  const tirr4 = irradiationTemperature(p.beta) ** 4;
  const tint4 = SYSTEM.internalTemperature ** 4;
  const [top, deep] = lineTemperatureProfile(p, Float64Array.from([1e-12, 1e12]));
  // τ → 0: ξ(γ, 0) = ⅔ + ⅔γ.
  const top4 = 0.75 * tint4 * (2 / 3) + 0.75 * tirr4 * ((1 - p.alpha) * (2 / 3) * (1 + g1) + p.alpha * (2 / 3) * (1 + g2));
  rel(top!, top4 ** 0.25, 1e-6, 'T(τ→0)');
  // τ → ∞: ξ → ⅔ + 2/(3γ), and the internal term grows as τ.
  const tau = (10 ** p.logKappa * 1e12) / SYSTEM.gravity;
  const deep4 = 0.75 * tint4 * (2 / 3 + tau) + 0.75 * tirr4 * ((1 - p.alpha) * (2 / 3 + 2 / (3 * g1)) + p.alpha * (2 / 3 + 2 / (3 * g2)));
  rel(deep!, deep4 ** 0.25, 1e-9, 'T(τ→∞)');
  // T_irr for β = 1 is the equilibrium temperature scale √(R_s/2a) T_s ≈ 1190 K for HD 189733 b.
  rel(irradiationTemperature(1), 1190, 0.01, 'T_irr');
});

test('each band envelope integrates over ν to its strength S(T)', () => {
  // H2O alone at 1500 K: the sum of its band strengths (the rotation band is one-sided near ν = 0,
  // so integrate from 0 and compare with the bands whose envelopes lie well inside the range).
  const T = 1500;
  const total = simpson((nu) => crossSection('CO', nu, T), 1000, 8000, 14000);
  const expected = BANDS.filter((b) => b.molecule === 'CO').reduce((s, b) => s + bandStrength(b, T), 0);
  // The Lorentzian far wings (2 % of the strength) lose a little outside [1000, 8000] cm⁻¹.
  rel(total, expected, 2e-3, '∫σ_CO dν');
});

test('composition: H2/He fill the rest at He/H2 = 0.17; μ from the mixture', () => {
  const c = composition([-20, -20, -20, -20]);
  rel(c.h2 + c.he, 1, 1e-12, 'H2 + He');
  rel(c.he / c.h2, HE_TO_H2, 1e-12, 'He/H2');
  rel(c.mu, (MOLECULE_DATA.H2.mass + HE_TO_H2 * MOLECULE_DATA.He.mass) / (1 + HE_TO_H2), 1e-9, 'μ');
  const rich = composition([6, 6, 6, 6]);
  rel(rich.molecules.reduce((a, b) => a + b, 0), 1, 1e-12, 'absorbers capped at the whole gas');
  assert.equal(rich.h2, 0);
});

test('band quadrature: weights sum to one per band, so a flat spectrum integrates to itself', () => {
  const { bands } = cachedSpectrum();
  const q = bandQuadrature(bands, 3, 16);
  for (let b = 0; b < bands.length; b++) {
    let s = 0;
    for (let j = q.start[b]!; j < q.start[b + 1]!; j++) s += q.weight[j]!;
    rel(s, 1, 1e-12, bands[b]!.name);
  }
  // A top hat's midpoint rule is exact for a spectrum linear in ν: the band value is the mid-band value.
  const hat: Passband = { name: 'hat', centreUm: 2, loUm: 1.9, hiUm: 2.1, topHat: true, filter: { wavelength: Float64Array.from([1.89, 1.9, 2.1, 2.11]), transmission: Float64Array.from([0, 1, 1, 0]) } };
  const h = bandQuadrature([hat], 7, 7);
  const value = h.wavenumber.reduce((s, nu, j) => s + h.weight[j]! * (3 + 0.01 * nu), 0);
  rel(value, 3 + 0.01 * 0.5 * (1e4 / 2.1 + 1e4 / 1.9), 1e-12, 'linear spectrum over a top hat');
});

test('an isothermal atmosphere emits a blackbody: depth = B(T)/B(T⋆) (Rp/Rs)², band by band', () => {
  const { bands } = cachedSpectrum();
  const model = new ForwardModel(bands, { ...DEFAULT_RESOLUTION, layers: 20 });
  const T = 1300;
  const depths = model.depthsForProfile(new Float64Array(21).fill(T), [4, 3, 2, -1]);
  const q = model.quadrature;
  for (let b = 0; b < bands.length; b++) {
    let expected = 0;
    for (let j = q.start[b]!; j < q.start[b + 1]!; j++) {
      const nu = q.wavenumber[j]!;
      expected += (q.weight[j]! * planckWavenumber(nu, T)) / planckWavenumber(nu, SYSTEM.starTemperature);
    }
    rel(depths[b]!, expected * SYSTEM.radiusRatio ** 2, 1e-10, bands[b]!.name);
  }
});

test('a profile hotter at depth shows absorption bands: H2O raises the contrast at 6 µm vs its absence', () => {
  const { bands } = cachedSpectrum();
  const model = new ForwardModel(bands, { ...DEFAULT_RESOLUTION, layers: 30 });
  const levels = Float64Array.from({ length: 31 }, (_, i) => 800 + 40 * i); // T rises downwards
  const withWater = model.depthsForProfile(levels, [4, -5, -5, -5]);
  const dry = model.depthsForProfile(levels, [-5, -5, -5, -5]);
  const irs6um = bands.findIndex((b) => b.name === 'IRS_07');
  // Absorption moves the photosphere up to cooler layers: lower emission in the 6.3 µm band.
  assert.ok(withWater[irs6um]! < 0.8 * dry[irs6um]!, `${withWater[irs6um]} vs ${dry[irs6um]}`);
  // Both stay within the bounds set by the coldest and hottest layer's blackbody.
  const nu = 1e4 / bands[irs6um]!.centreUm;
  const scale = SYSTEM.radiusRatio ** 2 / planckWavenumber(nu, SYSTEM.starTemperature);
  for (const d of [withWater[irs6um]!, dry[irs6um]!]) assert.ok(d > 0.95 * planckWavenumber(nu, 800) * scale && d < 1.05 * planckWavenumber(nu, 2000) * scale);
});
