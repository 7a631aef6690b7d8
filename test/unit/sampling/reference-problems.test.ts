/**
 * Independent checks of the reference evidences added for the nested-sampling benchmark: each
 * truth is recomputed here by plain numerical quadrature of densities written out afresh from their
 * definitions (no closed-form CDFs, no shared code with lib/sampling/reference-problems.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gaussianShells, logGamma } from '../../../lib/sampling/reference-problems.ts';

/** Composite Simpson rule with n (even) intervals. */
function simpson(f: (x: number) => number, a: number, b: number, n: number): number {
  const h = (b - a) / n;
  let sum = f(a) + f(b);
  for (let i = 1; i < n; i++) sum += (i % 2 === 1 ? 4 : 2) * f(a + i * h);
  return (sum * h) / 3;
}

// The LogGamma problem (Beaujean & Caldwell 2013) as densities, straight from its definition.
const S = 1 / 30;
const logGammaPdf = (x: number, loc: number) => {
  const y = (x - loc) / S;
  return Math.exp(y - Math.exp(y)) / S;
};
const normalPdf = (x: number, mean: number) => Math.exp(-0.5 * ((x - mean) / S) ** 2) / (S * Math.sqrt(2 * Math.PI));

/** The 1-D density of coordinate i (1-based) of the d-dimensional LogGamma problem. */
function loggammaFactor(i: number, d: number): (x: number) => number {
  if (i === 1) return (x) => 0.5 * logGammaPdf(x, 1 / 3) + 0.5 * logGammaPdf(x, 2 / 3);
  if (i === 2) return (x) => 0.5 * normalPdf(x, 1 / 3) + 0.5 * normalPdf(x, 2 / 3);
  return i <= (d + 2) / 2 ? (x) => logGammaPdf(x, 2 / 3) : (x) => normalPdf(x, 2 / 3);
}

/** Deterministic points in [lo, hi]^d (a Weyl sequence), so a failure reproduces. */
function points(count: number, d: number, lo: number, hi: number): number[][] {
  return Array.from({ length: count }, (_, n) => Array.from({ length: d }, (_, k) => lo + (hi - lo) * (((n + 1) * Math.sqrt(2 + k) + 0.5 * k) % 1)));
}

describe('reference problems: LogGamma (d = 2, 10)', () => {
  for (const d of [2, 10]) {
    it(`loggamma-${d}d: truth = Σ ln ∫₀¹ (factor density), by Simpson quadrature`, () => {
      let expected = 0;
      // h = 5e-6 against a width of 1/30: Simpson's error is far below 1e-13 per factor.
      for (let i = 1; i <= d; i++) expected += Math.log(simpson(loggammaFactor(i, d), 0, 1, 200_000));
      const problem = logGamma(d);
      // ln Z ≈ −2.27e-5: a truth that ignored the tails (0) or any one factor's tail would miss by ≥ 2e-9.
      assert.ok(Math.abs(problem.truth - expected) < 1e-11, `truth ${problem.truth} vs quadrature ${expected}`);
      assert.ok(problem.truth < -2e-5 && problem.truth > -3e-5, `truth ${problem.truth}`);
    });

    it(`loggamma-${d}d: ln L equals the sum of the factors' ln densities inside the cube`, () => {
      const problem = logGamma(d);
      const batch = points(200, d, 0.2, 0.8);
      const values = problem.logLikelihood(batch) as number[];
      batch.forEach((x, n) => {
        const expected = x.reduce((sum, xi, k) => sum + Math.log(loggammaFactor(k + 1, d)(xi)), 0);
        assert.ok(Math.abs(values[n] - expected) < 1e-9 * Math.max(1, Math.abs(expected)), `x = ${x}: ${values[n]} vs ${expected}`);
      });
    });

    it(`loggamma-${d}d: ln L is finite on every corner and edge of the cube`, () => {
      const problem = logGamma(d);
      const grid = Array.from({ length: 21 }, (_, j) => j / 20);
      const batch: number[][] = [];
      // Edges: all coordinates but one at 0 or 1, that one on a grid (which includes the corners).
      for (let k = 0; k < d; k++) {
        for (let mask = 0; mask < 1 << (d - 1); mask++) {
          const corner = Array.from({ length: d - 1 }, (_, j) => (mask >> j) & 1);
          for (const t of grid) batch.push([...corner.slice(0, k), t, ...corner.slice(k)]);
        }
      }
      const values = problem.logLikelihood(batch) as number[];
      values.forEach((v, n) => assert.ok(Number.isFinite(v), `ln L(${batch[n]}) = ${v}`));
    });
  }
});

/** Γ(n/2) for a positive integer n, from Γ(1) = 1 and Γ(1/2) = √π. */
function gammaHalf(n: number): number {
  let g = n % 2 === 0 ? 1 : Math.sqrt(Math.PI);
  for (let m = n % 2 === 0 ? 2 : 1; m + 2 <= n; m += 2) g *= m / 2;
  return g;
}

describe('reference problems: Gaussian shells', () => {
  // Z = 2 S_{d−1} ∫ r^{d−1} N(r; 2, 0.1²) dr / 12^d, S_{d−1} = 2π^{d/2}/Γ(d/2); r from 0.5 to 4 (−15σ to +20σ,
  // and r^{d−1} shifts the integrand's peak only to ≈ 2.09 at d = 20).
  for (const d of [2, 5, 10, 20]) {
    it(`shells-${d}d: truth matches a Simpson radial integral`, () => {
      const radial = simpson((r) => r ** (d - 1) * Math.exp(-0.5 * ((r - 2) / 0.1) ** 2) / (0.1 * Math.sqrt(2 * Math.PI)), 0.5, 4, 40_000);
      const sphere = (2 * Math.PI ** (d / 2)) / gammaHalf(d);
      const expected = Math.log(2 * sphere * radial) - d * Math.log(12);
      const { truth } = gaussianShells(d);
      assert.ok(Math.abs(truth - expected) < 1e-12, `truth ${truth} vs quadrature ${expected}`);
    });
  }
});
