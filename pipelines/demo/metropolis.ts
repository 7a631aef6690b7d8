import { Rng, type RngState } from '../../lib/random.ts';

/**
 * Random-walk Metropolis in the unit cube (the prior is uniform there, so the target is the
 * likelihood alone). Gaussian proposals with a per-dimension step; points outside the cube are
 * rejected. The whole state — position, its logL, counters, generator — is plain JSON, so the
 * chain checkpoints and resumes to exactly the numbers an uninterrupted chain gives.
 */
export interface ChainState {
  u: number[];
  logL: number;
  step: number;
  accepted: number;
  rng: RngState;
  samples: number[][];
  logLs: number[];
}

export function startChain(u0: number[], logL0: number, seedRng: Rng): ChainState {
  return { u: u0, logL: logL0, step: 0, accepted: 0, rng: seedRng.state(), samples: [], logLs: [] };
}

export async function advanceChain(
  state: ChainState,
  steps: number,
  stepSizes: number[],
  logLikelihood: (u: number[]) => number,
): Promise<ChainState> {
  const rng = Rng.fromState(state.rng);
  for (let i = 0; i < steps; i++) {
    const proposal = state.u.map((x, d) => x + stepSizes[d]! * rng.normal());
    const inside = proposal.every((x) => x > 0 && x < 1);
    const logLp = inside ? logLikelihood(proposal) : -Infinity;
    if (Math.log(rng.uniform()) < logLp - state.logL) {
      state.u = proposal;
      state.logL = logLp;
      state.accepted += 1;
    }
    state.samples.push(state.u.slice());
    state.logLs.push(state.logL);
    state.step += 1;
  }
  state.rng = rng.state();
  return state;
}

/** Gelman–Rubin potential scale reduction R̂ of one parameter over m chains of equal length. */
export function gelmanRubin(chains: number[][]): number {
  const m = chains.length;
  const n = chains[0]!.length;
  const means = chains.map((c) => c.reduce((a, b) => a + b, 0) / n);
  const grand = means.reduce((a, b) => a + b, 0) / m;
  const between = (n / (m - 1)) * means.reduce((a, mu) => a + (mu - grand) ** 2, 0);
  const within = chains.reduce((a, c, j) => a + c.reduce((s, x) => s + (x - means[j]!) ** 2, 0) / (n - 1), 0) / m;
  return Math.sqrt(((n - 1) / n) * within + between / n) / Math.sqrt(within);
}
