import { Rng, type RngState } from '../../lib/random.ts';

/**
 * Adaptive random-walk Metropolis in the unit cube (the prior is uniform there, so the target is
 * the likelihood alone). Gaussian proposals with a per-dimension step; during burn-in the steps
 * are set every ADAPT_EVERY iterations to 2.38/√d times the chain's own spread (Roberts &
 * Rosenthal's optimal scaling), then frozen so the kept samples come from a fixed Markov kernel.
 * The whole state is plain JSON, so the chain checkpoints and resumes to exactly the numbers an
 * uninterrupted chain gives.
 */
export interface ChainState {
  u: number[];
  logL: number;
  step: number;
  accepted: number;
  stepSizes: number[];
  rng: RngState;
  samples: number[][];
  logLs: number[];
}

const ADAPT_EVERY = 100;

/** Start from the best of `draws` prior samples: chains begin in the bulk, not in a far local mode. */
export function startChain(ndim: number, draws: number, initialStep: number, logLikelihood: (u: number[]) => number, rng: Rng): ChainState {
  let best = { u: [] as number[], logL: -Infinity };
  for (let i = 0; i < draws; i++) {
    const u = Array.from({ length: ndim }, () => rng.uniform());
    const logL = logLikelihood(u);
    if (logL > best.logL) best = { u, logL };
  }
  return { ...best, step: 0, accepted: 0, stepSizes: new Array(ndim).fill(initialStep), rng: rng.state(), samples: [], logLs: [] };
}

export function advanceChain(state: ChainState, steps: number, adaptUntil: number, logLikelihood: (u: number[]) => number): ChainState {
  const rng = Rng.fromState(state.rng);
  for (let i = 0; i < steps; i++) {
    const proposal = state.u.map((x, d) => x + state.stepSizes[d]! * rng.normal());
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
    if (state.step <= adaptUntil && state.step % ADAPT_EVERY === 0 && state.step >= 2 * ADAPT_EVERY) adapt(state);
  }
  state.rng = rng.state();
  return state;
}

function adapt(state: ChainState): void {
  const recent = state.samples.slice(-state.step / 2);
  const scale = 2.38 / Math.sqrt(state.u.length);
  state.stepSizes = state.stepSizes.map((old, d) => {
    const mean = recent.reduce((a, s) => a + s[d]!, 0) / recent.length;
    const sd = Math.sqrt(recent.reduce((a, s) => a + (s[d]! - mean) ** 2, 0) / (recent.length - 1));
    return sd > 0 ? scale * sd : old / 2;
  });
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
