/**
 * Where a refinement round trains its fresh surrogate: on the previous retrieval's posterior
 * itself. A curved, multimodal posterior is poorly described by a Gaussian around its mean (draws
 * from N(mean, 1.5² Σ) sat a median 503 nats below the best ln L), so the training inputs are the
 * posterior's own samples — drawn by weight — each moved by a small Gaussian jitter N(0, j² Σ)
 * (j ≈ 0.15: the network also learns the slopes around every sample) and folded (symmetry.ts), so
 * the network sees one copy of the profile's mirror symmetry only. Far from the posterior such a
 * network extrapolates; the guided retrieval uses a coarse radiative-transfer grid there instead
 * (retrieval.ts: guideLikelihood).
 */
import { cholesky } from '../../lib/nn/linalg.ts';
import type { Rng } from '../../lib/random.ts';
import { resampleIndices } from '../../lib/stats/index.ts';
import { fold, insidePrior } from './symmetry.ts';

export interface WeightedSamples {
  thetas: readonly (readonly number[])[];
  weights: ArrayLike<number>;
}

/** Weighted covariance of the samples (Σ of the jitter), with a tiny diagonal floor so it always factorises. */
export function posteriorCovariance({ thetas, weights }: WeightedSamples): number[][] {
  const d = thetas[0]!.length;
  let total = 0;
  for (let i = 0; i < thetas.length; i++) total += weights[i]!;
  const mean = new Array<number>(d).fill(0);
  thetas.forEach((t, i) => t.forEach((x, a) => (mean[a]! += (weights[i]! / total) * x)));
  const cov = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  thetas.forEach((t, i) => {
    const w = weights[i]! / total;
    for (let a = 0; a < d; a++) for (let b = 0; b <= a; b++) cov[a]![b]! += w * (t[a]! - mean[a]!) * (t[b]! - mean[b]!);
  });
  for (let a = 0; a < d; a++) {
    for (let b = 0; b < a; b++) cov[b]![a] = cov[a]![b]!;
    // A posterior collapsed onto a prior bound would otherwise have a singular covariance.
    cov[a]![a] = cov[a]![a]! + 1e-12 * (1 + mean[a]! * mean[a]!);
  }
  return cov;
}

/** Tries per row before the jitter is dropped (a sample pinned against a prior bound). */
const JITTER_TRIES = 100;

/**
 * `size` training inputs: posterior samples drawn by weight, each plus N(0, jitter² Σ), folded;
 * a jittered point outside the prior is redrawn (after JITTER_TRIES the sample itself is used).
 */
export function posteriorTrainingThetas(posterior: WeightedSamples, size: number, jitter: number, rng: Rng): number[][] {
  const chol = cholesky(posteriorCovariance(posterior));
  const d = chol.length;
  const picks = resampleIndices(posterior.thetas.length, posterior.weights, size, rng);
  return Array.from(picks, (i) => {
    const centre = posterior.thetas[i]!;
    for (let attempt = 0; attempt < JITTER_TRIES; attempt++) {
      const z = Array.from({ length: d }, () => rng.normal());
      const theta = centre.map((x, a) => {
        let s = x;
        for (let b = 0; b <= a; b++) s += jitter * chol[a]![b]! * z[b]!;
        return s;
      });
      if (insidePrior(theta)) return fold(theta);
    }
    return fold(centre);
  });
}
