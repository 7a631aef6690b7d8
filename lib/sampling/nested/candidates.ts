/**
 * Evaluated candidate points and the FIFO queue that holds those not used yet.
 *
 * Why a queue: a candidate drawn uniformly from a bound that contains the contour {L > L₁} and
 * found to have L > L₂ ≥ L₁ is a uniform draw from {L > L₂}. So candidates evaluated in one batch
 * but not needed now stay valid for later iterations as long as they beat the threshold then;
 * batching the likelihood costs no extra calls. Slice-chain results are reused the same way.
 */
import type { NestedProblem } from './types.ts';

export interface Candidate {
  u: Float64Array;
  theta: Float64Array;
  logL: number;
}

/** Maps unit-cube points to parameters through the prior transform (checking its length). */
export function toParameters(problem: Pick<NestedProblem, 'ndim' | 'priorTransform'>, us: Float64Array[]): number[][] {
  return us.map((u) => {
    const theta = problem.priorTransform(Array.from(u));
    if (theta.length !== problem.ndim) {
      throw new Error(`priorTransform returned ${theta.length} values, expected ndim = ${problem.ndim}`);
    }
    return theta;
  });
}

/** Transforms unit-cube points to parameters and evaluates them in one likelihood batch. */
export async function evaluateBatch(problem: NestedProblem, us: Float64Array[], contour = -Infinity): Promise<Candidate[]> {
  const thetas = toParameters(problem, us);
  const logLs = await problem.logLikelihood(thetas, contour);
  if (logLs.length !== us.length) {
    throw new Error(`logLikelihood returned ${logLs.length} values for a batch of ${us.length} points`);
  }
  return us.map((u, i) => {
    const logL = logLs[i];
    if (Number.isNaN(logL) || logL === Infinity || typeof logL !== 'number') {
      throw new Error(`logLikelihood returned ${logL} at θ = [${thetas[i].join(', ')}]; it must be a finite number or −Infinity`);
    }
    return { u, theta: Float64Array.from(thetas[i]), logL };
  });
}

export class CandidateQueue {
  private items: Candidate[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(candidates: Candidate[]): void {
    for (const c of candidates) this.items.push(c);
  }

  /** Removes and returns the first candidate with ln L > threshold, discarding those before it. */
  takeAbove(threshold: number): Candidate | null {
    while (this.head < this.items.length) {
      const c = this.items[this.head++];
      if (c.logL > threshold) {
        this.compact();
        return c;
      }
    }
    this.items = [];
    this.head = 0;
    return null;
  }

  /** Drops every queued candidate (e.g. those drawn under a surrogate margin proven too small). */
  clear(): void {
    this.items = [];
    this.head = 0;
  }

  toArray(): Candidate[] {
    return this.items.slice(this.head);
  }

  private compact(): void {
    if (this.head > 64 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}
