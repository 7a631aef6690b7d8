/**
 * Turns the dead points and the final live points into the run's evidence and weighted posterior.
 */
import { Rng } from '../../random.ts';
import { kishEss } from '../../stats/weighted.ts';
import { normaliseLogWeights, systematicResample } from '../weights.ts';
import { addDeadPoint, liveLogVolumes, type EvidenceState } from './evidence.ts';
import type { DrawLog } from './importance.ts';
import type { NestedResult, StopReason } from './types.ts';

export interface RunRecord {
  evidence: EvidenceState;
  nlive: number;
  ndim: number;
  seed: number;
  deadTheta: Float64Array;
  deadLogL: Float64Array;
  deadLogWeight: Float64Array;
  liveTheta: Float64Array;
  liveLogL: Float64Array;
  ncall: number;
  niter: number;
  stopReason: StopReason;
  paramNames: string[];
}

/**
 * `count` equal-weight draws by systematic resampling, from a stream of their own derived from the
 * seed, so taking a result never perturbs the run.
 */
function equalWeightDraws(weights: Float64Array, theta: number[][], count: number, seed: number): number[][] {
  return systematicResample(weights, count, Rng.fromSeed(seed).fork(0x5eed)).map((i) => theta[i]);
}

/**
 * Adds the live points in ascending ln L, each with its share of the remaining volume (see
 * liveLogVolumes), then derives ln Z ± √(H/N), the Kish ESS and an equal-weight resample. The
 * resampling uses its own stream derived from the seed, so calling this never perturbs the run.
 */
export function assembleResult(run: RunRecord): NestedResult {
  const { nlive, ndim: d } = run;
  const evidence = { ...run.evidence };
  const order = Array.from(run.liveLogL.keys()).sort((a, b) => run.liveLogL[a] - run.liveLogL[b] || a - b);
  const logVolumes = liveLogVolumes(evidence.logVolume, nlive);

  const nDead = run.deadLogL.length;
  const theta: number[][] = [];
  const logWeight: number[] = [];
  const logL: number[] = [];
  for (let i = 0; i < nDead; i++) {
    theta.push(Array.from(run.deadTheta.subarray(i * d, (i + 1) * d)));
    logWeight.push(run.deadLogWeight[i]);
    logL.push(run.deadLogL[i]);
  }
  order.forEach((j, k) => {
    logWeight.push(addDeadPoint(evidence, run.liveLogL[j], logVolumes[k]));
    theta.push(Array.from(run.liveTheta.subarray(j * d, (j + 1) * d)));
    logL.push(run.liveLogL[j]);
  });

  const weights = normaliseLogWeights(logWeight);
  const equalWeight = equalWeightDraws(weights, theta, theta.length, run.seed);
  return {
    logZ: evidence.logZ,
    logZerr: Math.sqrt(Math.max(evidence.h, 0) / nlive),
    information: evidence.h,
    ncall: run.ncall,
    niter: run.niter,
    nlive,
    efficiency: run.ncall > 0 ? run.niter / run.ncall : 0,
    ess: kishEss(weights),
    stopReason: run.stopReason,
    paramNames: run.paramNames,
    samples: { theta, logWeight, logL },
    equalWeight,
  };
}

/** Weights below e^−30 of the largest add < N·1e−13 of the total: such points are left out of the samples. */
const LOG_WEIGHT_FLOOR = -30;

/**
 * The importance-nested result (importance.ts) of the same run: ln Z, its error, the ESS and the
 * weighted posterior from every evaluated point; the plain nested estimate moves to `nested`. The
 * equal-weight draws keep the plain result's count so both kinds of run give tables of one size.
 */
export function importanceResult(plain: NestedResult, draws: DrawLog, seed: number): NestedResult {
  const ins = draws.evidence();
  const d = plain.paramNames.length;
  const thetaAll = draws.theta.view();
  const logLAll = draws.logL.view();
  let maxLogWeight = -Infinity;
  for (const w of ins.logWeights) if (w > maxLogWeight) maxLogWeight = w;
  const theta: number[][] = [];
  const logWeight: number[] = [];
  const logL: number[] = [];
  ins.logWeights.forEach((w, i) => {
    if (!(w - maxLogWeight > LOG_WEIGHT_FLOOR)) return;
    const j = ins.from + i;
    theta.push(Array.from(thetaAll.subarray(j * d, (j + 1) * d)));
    logWeight.push(w);
    logL.push(logLAll[j]);
  });
  const production = draws.production;
  const equalWeight = equalWeightDraws(normaliseLogWeights(logWeight), theta, plain.equalWeight.length, seed);
  return {
    ...plain,
    logZ: ins.logZ,
    logZerr: ins.logZerr,
    ess: ins.ess,
    samples: { theta, logWeight, logL },
    equalWeight,
    nested: { logZ: plain.logZ, logZerr: plain.logZerr, points: draws.size },
    ...(production && { exploration: { logZ: production.logZ, logZerr: production.logZerr, points: production.from } }),
  };
}
