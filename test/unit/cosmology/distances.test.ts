import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DistanceGrid, gaussLegendre, hubbleE, luminosityDistances } from '../../../lib/cosmology/distances.ts';

const Z = [0, 0.01, 0.1, 0.35, 0.5, 1, 1.5, 2.3];
const relClose = (actual: number, expected: number, tol: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= tol * Math.max(Math.abs(expected), 1e-300), `${what}: ${actual} vs ${expected}`);

test('Gauss–Legendre rule integrates polynomials of degree 2n − 1 exactly', () => {
  const { nodes, weights } = gaussLegendre(8);
  const integral = nodes.reduce((s, x, i) => s + weights[i]! * x ** 14, 0);
  relClose(integral, 2 / 15, 1e-13, '∫x¹⁴');
});

test('Einstein–de Sitter: D_C = 2 D_H (1 − 1/√(1+z))', () => {
  const dc = new DistanceGrid(Z).comoving({ omegaM: 1 })!;
  Z.forEach((z, i) => relClose(dc[i]!, 2 * (1 - 1 / Math.sqrt(1 + z)), 1e-6, `z=${z}`));
});

test('de Sitter: D_C = z D_H', () => {
  const dc = new DistanceGrid(Z).comoving({ omegaM: 0 })!;
  Z.forEach((z, i) => relClose(dc[i]!, z, 1e-6, `z=${z}`));
});

test('Milne (empty, open): D_L = D_H (z + z²/2) exercises the sinh branch', () => {
  const grid = new DistanceGrid(Z);
  const dl = luminosityDistances(grid, { omegaM: 0, omegaK: 1 }, Z)!;
  Z.forEach((z, i) => relClose(dl[i]!, z + (z * z) / 2, 1e-6, `z=${z}`));
});

test('wCDM with w = −1 and CPL with wa = 0 reduce to ΛCDM / wCDM', () => {
  const grid = new DistanceGrid(Z);
  const lcdm = grid.comoving({ omegaM: 0.3 })!;
  const w = grid.comoving({ omegaM: 0.3, w0: -1 + 1e-12 })!;
  Z.forEach((z, i) => relClose(w[i]!, lcdm[i]!, 1e-9, `z=${z}`));
  const wcdm = grid.comoving({ omegaM: 0.3, w0: -0.8 })!;
  const cpl = grid.comoving({ omegaM: 0.3, w0: -0.8, wa: 0 })!;
  assert.deepEqual(cpl, wcdm);
  // A constant w ≠ −1 gives ρ_DE ∝ (1+z)^{3(1+w)}: check E(z) against that closed form.
  const e = hubbleE({ omegaM: 0.3, w0: -0.8 }, 1.2);
  relClose(e, Math.sqrt(0.3 * 2.2 ** 3 + 0.7 * 2.2 ** (3 * 0.2)), 1e-14, 'E(1.2)');
});

test('flat ΛCDM D_C agrees with an independent fine-step Simpson integration to 1e-6', () => {
  const grid = new DistanceGrid(Z);
  const dc = grid.comoving({ omegaM: 0.31 })!;
  Z.forEach((z, i) => {
    const n = 20_000;
    const f = (x: number) => 1 / hubbleE({ omegaM: 0.31 }, x);
    let s = f(0) + f(z);
    for (let k = 1; k < n; k++) s += (k % 2 ? 4 : 2) * f((k * z) / n);
    relClose(dc[i]!, (s * z) / (3 * n), 1e-6, `z=${z}`);
  });
});

test('closed model with a bounce before z_max is outside the support', () => {
  assert.equal(new DistanceGrid([2]).comoving({ omegaM: 0.05, omegaK: -0.3 }), null);
});
