import { z } from 'zod';
import { checkpointSecondsKey, seedKey } from '../../lib/engine/common-keys.ts';
import type { PipelineDefinition, StageDefinition } from '../../lib/engine/pipeline.ts';
import type { Json } from '../../lib/engine/types.ts';
import { gasTorqueFigures } from './report.ts';
import { BINARY_PARAMS, sourceSchema, TORQUE_PARAMS } from './source.ts';
import { torqueProblem, torqueTruth, type Injection, type TorqueSettings } from './torque-model.ts';

/**
 * The `lisa-gas-torque` pipeline (after Copparoni et al. 2025): an intermediate-mass-ratio
 * inspiral whose gas-torque amplitude wanders in time (Ornstein–Uhlenbeck around Ā, relative
 * variability σ) is recovered by nested sampling with the constant-torque template; one recovery
 * per (variability level × seed), fanned out, then one table of biases (posterior median − truth,
 * in posterior σ) and 90 % interval coverage for binary and torque parameters.
 */
const DEFAULT_SOURCE = { totalMass: 1e5, massRatio: 0.01, redshift: 0.3 };
const torqueSchema = z
  .object({
    amplitude: z.number().positive().default(1e-4).describe('Mean torque amplitude Ā in da/dt = (da/dt)_GW [1 + A (a/10M)^n_r].'),
    slope: z.number().gt(-2.5).default(2).describe('Radial slope n_r (> −5/2).'),
    correlationTime: z.number().positive().default(0.1).describe('OU correlation time of A(t), in units of the observation time.'),
  })
  .strict();

const schema = z
  .object({
    seed: seedKey,
    source: sourceSchema.default(sourceSchema.parse(DEFAULT_SOURCE)),
    torque: torqueSchema.default(torqueSchema.parse({})),
    variability: z.array(z.number().nonnegative()).min(1).max(100).default([0, 0.003, 0.01, 0.03]).describe('Relative variability levels σ of the torque amplitude, A(t) = Ā (1 + σ ξ(t)).'),
    seeds: z.number().int().min(1).max(1000).default(2).describe('OU realisations (injections) per variability level.'),
    // Off by default: zero-noise injections isolate the systematic bias (with noise the median
    // scatters by ~1σ on its own).
    noise: z.boolean().default(false).describe('Add a noise realisation to each injection.'),
    priorHalfWidth: z.number().positive().default(10).describe('Prior box: injection ± this many Fisher σ (seven-parameter template) per parameter.'),
    nlive: z.number().int().min(50).max(100_000).default(200).describe('Live points per recovery.'),
    refinement: z.number().int().min(2).max(1000).default(20).describe("Fine-grid points per data bin for the injection's phase quadrature."),
    concurrency: z.number().int().min(1).max(64).default(2).describe('Recoveries run at once (each is one nested-sampling stage branch).'),
    checkpointSeconds: checkpointSecondsKey(5),
  })
  .strict();

export type GasTorqueConfig = z.infer<typeof schema>;

const PARAMS = [...BINARY_PARAMS, ...TORQUE_PARAMS];

export function torqueSettings(c: Pick<GasTorqueConfig, 'source' | 'torque' | 'refinement' | 'priorHalfWidth'>): TorqueSettings {
  return { source: c.source, ...c.torque, refinement: c.refinement, priorHalfWidth: c.priorHalfWidth };
}

/** Injections, level-major: branch i is level ⌊i / seeds⌋, realisation i mod seeds. */
export function injections(c: GasTorqueConfig): Injection[] {
  return c.variability.flatMap((variability) => Array.from({ length: c.seeds }, (_, s) => ({ variability, seed: c.seed * 1000 + s, noise: c.noise })));
}

export const lisaGasTorque: PipelineDefinition<typeof schema> = {
  name: 'lisa-gas-torque',
  description: 'LISA IMRI with stochastic gas torques: bias of constant-torque recoveries against torque variability',
  version: '1',
  schema,
  stages: (c): StageDefinition[] => {
    const settings = torqueSettings(c);
    const list = injections(c);
    const truth = torqueTruth(settings);
    return [
      {
        name: 'recover',
        activity: 'nestedSampling',
        params: { problem: 'gasTorque', settings: settings as unknown as Json, nlive: c.nlive },
        fanOut: { param: 'injection', values: list as unknown as Json[], concurrency: c.concurrency },
        heartbeatTimeoutMs: 60_000,
        checkpointMs: c.checkpointSeconds * 1000,
      },
      {
        name: 'bias',
        activity: 'posteriorBias',
        dependsOn: ['recover'],
        params: {
          stage: 'recover',
          output: 'posterior_samples',
          parameters: PARAMS,
          truth: Object.fromEntries(PARAMS.map((p, i) => [p, truth[i]!])),
          groups: Object.fromEntries(PARAMS.map((p) => [p, (TORQUE_PARAMS as readonly string[]).includes(p) ? 'torque' : 'binary'])),
          labels: list.map((inj) => ({ variability: inj.variability, seed: inj.seed })),
          mass: 0.9,
        },
      },
    ];
  },
  problems: {
    gasTorque: async (p) => {
      const problem = torqueProblem(p.settings as unknown as TorqueSettings, p.injection as unknown as Injection);
      return { paramNames: PARAMS, priorTransform: (u) => problem.prior.fromUnitCube(u), logLikelihood: problem.logLikelihood, truth: problem.truth };
    },
  },
  reportFigures: gasTorqueFigures,
};
