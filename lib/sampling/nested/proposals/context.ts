import type { Rng } from '../../../random.ts';
import type { Bound } from '../bound.ts';
import type { Candidate } from '../candidates.ts';

/** What a proposal may use to produce new points above the current likelihood threshold. */
export interface ProposalContext {
  ndim: number;
  rng: Rng;
  bound: Bound;
  /** New points must have ln L strictly above this. */
  threshold: number;
  /** The live points' unit-cube coordinates, point after point (differential slice directions). */
  liveU: Float64Array;
  /** Evaluates unit-cube points as one likelihood batch (and counts the calls). */
  evaluate(us: Float64Array[]): Promise<Candidate[]>;
}
