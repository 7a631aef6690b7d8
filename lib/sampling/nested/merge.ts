/**
 * Merging independent static nested-sampling runs of one problem into one run (Skilling 2006;
 * Higson et al. 2019, "Dynamic nested sampling", §2; dynesty's merge_runs). A run with N live
 * points is N "threads"; K runs together are Σ N_k threads. Sorted by ln L, every point is either
 * replaced inside its run (a dead point: the live count stays) or ends a thread (one of its run's
 * final live points: the count drops by one). With n threads alive, a dead point shrinks the volume
 * by e^{−1/n} and a thread's end by n/(n+1) — the conventions of the single run (evidence.ts), so
 * merging one run returns it unchanged. K runs of N points estimate ln Z and the posterior as one
 * run of K·N points would, and they can run at the same time on K workers.
 */
import { normaliseLogWeights } from '../weights.ts';
import { kishEss } from '../../stats/weighted.ts';
import { addDeadPoint, emptyEvidence } from './evidence.ts';

export interface RunPoints {
  /** The run's points in its own order: its `niter` dead points, then its `nlive` final live points by ascending ln L. */
  theta: readonly (readonly number[])[];
  logL: ArrayLike<number>;
  nlive: number;
  niter: number;
}

export interface MergedRun {
  theta: number[][];
  logL: number[];
  logWeight: number[];
  /** Normalised posterior weights. */
  weight: Float64Array;
  logZ: number;
  /** √(H / Σ N_k). */
  logZerr: number;
  information: number;
  /** Σ N_k. */
  nlive: number;
  niter: number;
  ess: number;
}

export function mergeNestedRuns(runs: readonly RunPoints[]): MergedRun {
  if (!runs.length) throw new Error('mergeNestedRuns needs at least one run');
  const points: { run: number; index: number; logL: number; endsThread: boolean }[] = [];
  runs.forEach((r, run) => {
    if (r.theta.length !== r.niter + r.nlive || r.logL.length !== r.theta.length) throw new Error(`run ${run}: expected niter + nlive = ${r.niter + r.nlive} points, got ${r.theta.length}`);
    for (let index = 0; index < r.theta.length; index++) points.push({ run, index, logL: r.logL[index]!, endsThread: index >= r.niter });
  });
  // Ascending ln L; ties keep each run's own order (a run's final live points follow its dead ones).
  points.sort((a, b) => a.logL - b.logL || a.run - b.run || a.index - b.index);
  let threads = runs.reduce((n, r) => n + r.nlive, 0);
  const nlive = threads;
  const evidence = emptyEvidence();
  const merged: MergedRun = { theta: [], logL: [], logWeight: [], weight: new Float64Array(0), logZ: 0, logZerr: 0, information: 0, nlive, niter: 0, ess: 0 };
  for (const p of points) {
    const shrink = p.endsThread ? Math.log(threads / (threads + 1)) : -1 / threads;
    merged.logWeight.push(addDeadPoint(evidence, p.logL, evidence.logVolume + shrink));
    merged.theta.push([...runs[p.run]!.theta[p.index]!]);
    merged.logL.push(p.logL);
    if (p.endsThread) threads--;
  }
  merged.weight = normaliseLogWeights(merged.logWeight);
  merged.logZ = evidence.logZ;
  merged.information = evidence.h;
  merged.logZerr = Math.sqrt(Math.max(evidence.h, 0) / nlive);
  merged.niter = runs.reduce((n, r) => n + r.niter, 0);
  merged.ess = kishEss(merged.weight);
  return merged;
}
