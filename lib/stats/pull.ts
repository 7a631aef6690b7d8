/**
 * Pulls, with one sign convention everywhere in sciflow: (observed − expected) / σ. For a fit's
 * residuals that is (data − model)/σ, positive where the data lie above the model; for a posterior
 * against an injected truth it is (estimate − truth)/σ, positive where the posterior lies above
 * the truth. Tables, stage outputs and figures all compute theirs here.
 */

export function pull(observed: number, expected: number, sigma: number): number {
  return (observed - expected) / sigma;
}

export interface FitResiduals {
  /** (data − model)/σ per data point. */
  residuals: Float64Array;
  /** χ² = Σ residuals². */
  chiSquare: number;
  /** Degrees of freedom: data points − free parameters. */
  dof: number;
}

/** Residuals and χ² of a model against data with independent Gaussian errors σ. */
export function fitResiduals(data: ArrayLike<number>, model: ArrayLike<number>, sigma: ArrayLike<number>, freeParameters: number): FitResiduals {
  if (model.length !== data.length || sigma.length !== data.length) throw new Error(`data, model and σ differ in length (${data.length}, ${model.length}, ${sigma.length})`);
  const residuals = Float64Array.from({ length: data.length }, (_, i) => pull(data[i]!, model[i]!, sigma[i]!));
  const chiSquare = residuals.reduce((s, r) => s + r * r, 0);
  return { residuals, chiSquare, dof: data.length - freeParameters };
}
