/**
 * The trainer of a learned nested-sampling bound (lib/sampling/nested/rank-network.ts): an MLP
 * regressing each evaluated point's rank in ln L, scaled to [0, 1], on its unit-cube coordinates —
 * ranks rather than ln L itself, as in nautilus (Lange 2023), so that the steep fall-off far from the
 * peak does not dominate the loss. Trained here on TensorFlow.js, handed to the sampler as plain
 * weights that it evaluates in JavaScript.
 */
import type { RankNetworkJson, RankTrainer } from '../sampling/nested/rank-network.ts';
import { mlpShapes } from './mlp.ts';
import { fitSurrogate, type SerializedSurrogate, type SurrogateConfig } from './surrogate.ts';

/** Small and quick: a training on 10 000 points takes a few seconds on the wasm backend. */
export const DEFAULT_RANK_TRAINING: Partial<SurrogateConfig> = {
  hiddenUnits: [64, 64],
  activation: 'silu',
  epochs: 40,
  batchSize: 256,
  patience: 8,
  validationFraction: 0.1,
  testFraction: 0,
  learningRate: { kind: 'cosine', initial: 3e-3, final: 1e-4 },
};

/** A RankTrainer for NestedProblem.rankTrainer; `overrides` change the network or its training (always one member: the sampler evaluates one network). */
export function rankTrainer(overrides: Partial<SurrogateConfig> = {}): RankTrainer {
  return async (u, logL, d, seed) => {
    const n = logL.length;
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => logL[a] - logL[b]);
    const rank = new Array<number[]>(n);
    order.forEach((i, r) => (rank[i] = [r / Math.max(n - 1, 1)]));
    const inputs = Array.from({ length: n }, (_, i) => Array.from(u.subarray(i * d, i * d + d)));
    const fit = await fitSurrogate(inputs, rank, { ...DEFAULT_RANK_TRAINING, ...overrides, pcaComponents: null, ensembleSize: 1, seed });
    try {
      return toRankNetwork(fit.surrogate.serialize());
    } finally {
      fit.surrogate.dispose();
    }
  };
}

function toRankNetwork(s: SerializedSurrogate): RankNetworkJson {
  const shapes = mlpShapes(s.architecture);
  const parameters = s.members[0].parameters;
  const layers = [];
  for (let l = 0; l < shapes.length; l += 2) {
    const [inputs, outputs] = shapes[l];
    layers.push({ inputs, outputs, weights: parameters[l], bias: parameters[l + 1] });
  }
  // The output scaling is monotone (a positive factor and a shift), so the raw output ranks alike.
  return { activation: s.architecture.activation, inputMean: s.inputScaling.mean, inputStd: s.inputScaling.std, layers };
}
