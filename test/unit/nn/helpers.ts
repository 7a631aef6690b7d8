/**
 * Shared fixtures for the lib/nn tests: backend setup and a Bhattacharyya coefficient against an
 * analytic normal marginal.
 */
import { selectBackend } from '../../../lib/nn/backend.ts';
import { normalCdf } from './problems.ts';

/** The tests run on whatever selectBackend picks (wasm where the native packages are absent). */
export async function useDefaultBackend(): Promise<string> {
  return (await selectBackend({ env: {} })).backend;
}

/**
 * BC = Σ_b √(p̂_b q_b) between the histogram p̂ of `samples` and the exact bin masses q of
 * N(mean, std²), on `bins` equal bins spanning mean ± 5 std. 1 means identical.
 */
export function bhattacharyyaToNormal(samples: readonly number[], mean: number, std: number, bins = 30): number {
  const lo = mean - 5 * std;
  const width = (10 * std) / bins;
  const counts = new Array<number>(bins).fill(0);
  for (const s of samples) {
    const b = Math.floor((s - lo) / width);
    if (b >= 0 && b < bins) counts[b]++;
  }
  let bc = 0;
  for (let b = 0; b < bins; b++) {
    const q = normalCdf((lo + (b + 1) * width - mean) / std) - normalCdf((lo + b * width - mean) / std);
    bc += Math.sqrt((counts[b] / samples.length) * q);
  }
  return bc;
}

export const mean = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0) / values.length;
