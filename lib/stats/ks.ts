/**
 * One-sample Kolmogorov–Smirnov test against the uniform distribution on [0, 1].
 */

/** D = sup |F̂(u) − u| of the empirical CDF of `values` (each in [0, 1]). */
export function ksStatisticUniform(values: ArrayLike<number>): number {
  const u = Float64Array.from(values).sort();
  const n = u.length;
  let d = 0;
  for (let i = 0; i < n; i++) d = Math.max(d, (i + 1) / n - u[i], u[i] - i / n);
  return d;
}

/**
 * Kolmogorov survival function Q(λ) = 2 Σ_{k≥1} (−1)^{k−1} e^{−2k²λ²} = P(K > λ);
 * Q(1.358) ≈ 0.05, Q(1.628) ≈ 0.01.
 */
export function kolmogorovSurvival(lambda: number): number {
  if (lambda < 0.2) return 1; // the series converges slowly there and the value is 1 to 1e-9
  let sum = 0;
  for (let k = 1; k <= 100; k++) {
    const term = Math.exp(-2 * k * k * lambda * lambda);
    sum += (k % 2 === 1 ? 1 : -1) * term;
    if (term < 1e-16) break;
  }
  return Math.min(1, Math.max(0, 2 * sum));
}

/** Asymptotic p-value of D for n points with Stephens' small-n correction λ = (√n + 0.12 + 0.11/√n)·D. */
export function ksPValue(d: number, n: number): number {
  const sqrtN = Math.sqrt(n);
  return kolmogorovSurvival((sqrtN + 0.12 + 0.11 / sqrtN) * d);
}
