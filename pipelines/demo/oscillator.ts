/**
 * Demo physics: a damped harmonic oscillator x'' + 2γx' + ω²x = 0, x(0) = A, x'(0) = 0, observed
 * with Gaussian noise. The likelihood integrates the ODE numerically (classical RK4 with
 * `substeps` steps over the observation window) instead of using the closed form, so every
 * evaluation costs real work the way a simulator-based likelihood does; the closed form
 * x(t) = A e^{−γt} [cos(ω_d t) + (γ/ω_d) sin(ω_d t)], ω_d = √(ω² − γ²), checks the integrator.
 */
export interface OscillatorParams {
  omega: number;
  gamma: number;
  amplitude: number;
}

export const PARAM_NAMES = ['omega', 'gamma', 'amplitude'] as const;

/** Uniform prior box of the demo: ω ∈ [0.5, 3], γ ∈ [0, 0.5], A ∈ [0.5, 2]. */
export const PRIOR_BOX: [number, number][] = [
  [0.5, 3],
  [0, 0.5],
  [0.5, 2],
];

export function closedForm(p: OscillatorParams, t: number): number {
  const wd = Math.sqrt(p.omega * p.omega - p.gamma * p.gamma);
  return p.amplitude * Math.exp(-p.gamma * t) * (Math.cos(wd * t) + (p.gamma / wd) * Math.sin(wd * t));
}

/** x(t) at sorted times `times` by RK4 from t = 0 with step `tEnd / substeps`. */
export function integrate(p: OscillatorParams, times: ArrayLike<number>, substeps: number): Float64Array {
  const out = new Float64Array(times.length);
  const tEnd = times[times.length - 1]!;
  const h = tEnd / substeps;
  const w2 = p.omega * p.omega;
  const g2 = 2 * p.gamma;
  let x = p.amplitude;
  let v = 0;
  let t = 0;
  let k = 0;
  while (k < times.length && times[k]! <= 0) out[k++] = x;
  for (let step = 0; step < substeps && k < times.length; step++) {
    const a1 = -g2 * v - w2 * x;
    const x2 = x + 0.5 * h * v, v2 = v + 0.5 * h * a1;
    const a2 = -g2 * v2 - w2 * x2;
    const x3 = x + 0.5 * h * v2, v3 = v + 0.5 * h * a2;
    const a3 = -g2 * v3 - w2 * x3;
    const x4 = x + h * v3, v4 = v + h * a3;
    const a4 = -g2 * v4 - w2 * x4;
    const xNext = x + (h / 6) * (v + 2 * v2 + 2 * v3 + v4);
    const vNext = v + (h / 6) * (a1 + 2 * a2 + 2 * a3 + a4);
    const tNext = t + h;
    // Observations between grid points: cubic Hermite interpolation keeps RK4's accuracy.
    while (k < times.length && times[k]! <= tNext + 1e-12) {
      const s = (times[k]! - t) / h;
      const h00 = (1 + 2 * s) * (1 - s) ** 2, h10 = s * (1 - s) ** 2, h01 = s * s * (3 - 2 * s), h11 = s * s * (s - 1);
      out[k++] = h00 * x + h10 * h * v + h01 * xNext + h11 * h * vNext;
    }
    x = xNext;
    v = vNext;
    t = tNext;
  }
  return out;
}

/** Gaussian log-likelihood of observations y(t) with known noise σ. */
export function logLikelihood(p: OscillatorParams, times: Float64Array, y: Float64Array, sigma: number, substeps: number): number {
  const model = integrate(p, times, substeps);
  let chi2 = 0;
  for (let i = 0; i < y.length; i++) chi2 += ((y[i]! - model[i]!) / sigma) ** 2;
  return -0.5 * chi2 - y.length * Math.log(sigma * Math.sqrt(2 * Math.PI));
}
