/**
 * Masks of a conditional MADE (Germain et al. 2015): an MLP on [x, θ] whose outputs for variable i
 * depend only on x_{<i} and the context θ, so one pass yields every conditional of an
 * autoregressive density.
 *
 * Degrees: input x_i has degree i (1…D); hidden unit k of every layer gets degree m_k cycling over
 * {lo, …, D−1}, where lo = 0 when there is a context (degree-0 units see θ only, so the first
 * variable can depend on θ) and lo = 1 otherwise. Context inputs connect to every first-layer unit.
 * Connections allowed:  x_i → h_k if m_k ≥ i;  h_k → h_k' if m_k' ≥ m_k;  h_k → output_i if i > m_k.
 * Outputs are [μ_1…μ_D, α_1…α_D], both masked by the output rule.
 */

export interface MadeShape {
  dim: number;
  contextDim: number;
  hiddenUnits: number[];
}

export function hiddenDegrees(shape: MadeShape, units: number): number[] {
  const { dim, contextDim } = shape;
  const lo = contextDim > 0 || dim === 1 ? 0 : 1;
  const span = Math.max(dim - lo, 1);
  return Array.from({ length: units }, (_, k) => lo + (k % span));
}

/** One 0/1 mask per weight matrix, row-major [fan_in × fan_out], in layer order. */
export function madeMasks(shape: MadeShape): Float32Array[] {
  const { dim, contextDim, hiddenUnits } = shape;
  const inputDegrees = Array.from({ length: dim }, (_, i) => i + 1);
  const layers = hiddenUnits.map((units) => hiddenDegrees(shape, units));
  const masks: Float32Array[] = [];

  const first = layers[0];
  const m0 = new Float32Array((dim + contextDim) * first.length);
  for (let r = 0; r < dim + contextDim; r++) {
    for (let k = 0; k < first.length; k++) {
      m0[r * first.length + k] = r >= dim || first[k] >= inputDegrees[r] ? 1 : 0;
    }
  }
  masks.push(m0);

  for (let l = 1; l < layers.length; l++) {
    const [from, to] = [layers[l - 1], layers[l]];
    const m = new Float32Array(from.length * to.length);
    for (let r = 0; r < from.length; r++) {
      for (let k = 0; k < to.length; k++) m[r * to.length + k] = to[k] >= from[r] ? 1 : 0;
    }
    masks.push(m);
  }

  const last = layers[layers.length - 1];
  const out = new Float32Array(last.length * 2 * dim);
  for (let r = 0; r < last.length; r++) {
    for (let i = 0; i < dim; i++) {
      const allowed = inputDegrees[i] > last[r] ? 1 : 0;
      out[r * 2 * dim + i] = allowed; // μ_i
      out[r * 2 * dim + dim + i] = allowed; // α_i
    }
  }
  masks.push(out);
  return masks;
}
