/** Shared helpers for the stats tests: seeded Gaussian draws and the Gaussian closed forms. */
import { Rng } from '../../../lib/random.ts';

export function normalDraws(n: number, mean: number, sd: number, seed: number): Float64Array {
  const rng = Rng.fromSeed(seed);
  return Float64Array.from({ length: n }, () => mean + sd * rng.normal());
}

/** BC between N(μ₁,σ₁²) and N(μ₂,σ₂²). */
export function gaussianBhattacharyya(mu1: number, s1: number, mu2: number, s2: number): number {
  const v = s1 * s1 + s2 * s2;
  return Math.sqrt((2 * s1 * s2) / v) * Math.exp(-((mu1 - mu2) ** 2) / (4 * v));
}

export function normalPdf(x: number, mean = 0, sd = 1): number {
  const z = (x - mean) / sd;
  return Math.exp(-0.5 * z * z) / (sd * Math.sqrt(2 * Math.PI));
}

/** Φ(x) = ½ + ½ erf(x/√2) with the Maclaurin series erf(z) = 2/√π Σ (−1)ⁿ z^{2n+1} / (n!(2n+1)), ~1e-15 for |z| ≤ 5. */
export function normalCdf(x: number): number {
  const z = x / Math.SQRT2;
  if (Math.abs(z) > 5) return z > 0 ? 1 : 0;
  let term = z;
  let sum = z;
  for (let n = 1; n < 200; n++) {
    term *= (-z * z) / n;
    sum += term / (2 * n + 1);
    if (Math.abs(term) < 1e-17) break;
  }
  return 0.5 + sum / Math.sqrt(Math.PI);
}
