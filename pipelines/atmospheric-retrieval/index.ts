import { join } from 'node:path';
import { z } from 'zod';
import type { InferenceProblem, PipelineDefinition, StageDefinition } from '../../lib/engine/pipeline.ts';
import type { InputFile, Json } from '../../lib/engine/types.ts';
import { selectBackend } from '../../lib/nn/backend.ts';
import { numberColumn, tableFromColumns } from '../../lib/store/parquet.ts';
import { UserError } from '../../lib/engine/errors.ts';
import { DEFAULT_RESOLUTION, PARAM_NAMES } from './constants.ts';
import { DATA_DIR, DEPTHS_FILE } from './data.ts';
import type { Resolution } from './forward.ts';
import { atmosphericFigures } from './report.ts';
import {
  cachedForwardModel,
  cachedSpectrum,
  fullLogLikelihood,
  posteriorRegion,
  refinedLogLikelihood,
  sampleRegion,
  stackedPrediction,
  injectionRng,
  injectObservation,
  priorTransform,
  samplePrior,
  surrogateFromArtifact,
  surrogateLogLikelihood,
  withModelError,
  type Observation,
  type SurrogateLevel,
} from './retrieval.ts';
import type { Table } from 'apache-arrow';

/**
 * The `atmospheric-retrieval` pipeline: the dayside emission spectrum of HD 189733 b retrieved with
 * a neural surrogate of radiative transfer (after Himes et al. 2022, PSJ 3, 91) and checked against
 * the same retrieval with the full forward model. Stages: training set from the prior → surrogate
 * (deep ensemble) → nested sampling with the surrogate and with the full model → posterior
 * comparison. The training set and surrogate depend only on prior, model, size and seed, so a new
 * data set (or a scheduled re-analysis) reuses them from the cache.
 *
 * Local refinement (data-dependent, `refinement.rounds` rounds): the prior-trained surrogate is
 * accurate to a few per cent over the whole 9-D prior, which is still large against the error bars
 * in the small posterior region. Each round draws θ from a widened Gaussian around the previous
 * retrieval's posterior (`refine-training-set`), simulates the full model there and stores its
 * residual after the networks so far, trains a residual network on it (`refine-surrogate`), and
 * reruns nested sampling (`retrieve-refined`) with the stacked networks inside the new region and
 * the earlier levels, penalised, outside it (retrieval.ts: refinedLogLikelihood). Earlier rounds
 * inflate the band errors by their network's held-out RMSE (so each posterior, and the next
 * region, stays wide enough); the last round — the headline, compared against the full model in
 * `compare` — uses `finalErrorScale`. The base surrogate's comparison stays as `compare-base`.
 */

/** Size keys each preset fills in when the user did not set them. */
const PRESETS = {
  default: { trainingSize: 8000, epochs: 60, ensembleSize: 2, nlive: 100, refinementSize: 4000 },
  full: { trainingSize: 50000, epochs: 300, ensembleSize: 5, nlive: 500, refinementSize: 20000 },
} as const;

const refinementSchema = z
  .object({
    /** Refinement rounds after the base-surrogate retrieval (0: none; the headline is then the base surrogate). */
    rounds: z.number().int().min(0).max(5).default(2),
    /** Full-model spectra simulated per round in the region (preset: 4000 / 20000). */
    trainingSize: z.number().int().min(50).optional(),
    /** The region is N(mean, widen² Σ) of the previous posterior, truncated to the prior. */
    widen: z.number().positive().default(1.5),
    /**
     * A round's surrogate is used where the Mahalanobis distance² (in the widened covariance) is
     * below this (default: the χ²₉ 99 % quantile, where its training draws are dense); outside, the
     * previous level.
     */
    maxD2: z.number().positive().default(21.67),
    /** Training epochs per member of each round's residual network (default: the base surrogate's). */
    epochs: z.number().int().min(1).optional(),
    /**
     * The same for the earlier rounds' levels inside a later round's retrieval: their residual
     * errors then lower their likelihood's normalisation, so spurious peaks outside the innermost
     * region do not draw the posterior away from it.
     */
    outerErrorScale: z.number().min(0).default(1),
    /** Nats taken off ln L outside the innermost region (see refinedLogLikelihood): the retrieval is confined to the region. */
    outsidePenalty: z.number().min(0).default(0),
    /** Ensemble members of each round's residual network. */
    ensembleSize: z.number().int().min(1).default(2),
    /**
     * The innermost level's error multiple in the last round (the headline): 0 compares like with
     * like against the full model's evidence; the earlier rounds' inflation keeps their posteriors
     * (and so the next regions) wide enough to hold the full-model posterior.
     */
    finalErrorScale: z.number().min(0).default(1),
    /** Multiple of the innermost local surrogate's held-out RMSE added in quadrature to the band errors (like surrogateErrorScale). */
    errorScale: z.number().min(0).default(1),
  })
  .strict();

const surrogateSchema = z
  .object({
    hiddenUnits: z.array(z.number().int().min(1)).min(1).default([96, 96]),
    /** Members of the deep ensemble (preset: 2 / 5). */
    ensembleSize: z.number().int().min(1).optional(),
    /** Training epochs per member, early-stopped (preset: 60 / 300). */
    epochs: z.number().int().min(1).optional(),
    batchSize: z.number().int().min(1).default(256),
    patience: z.number().int().min(1).default(25),
    /** Regress this many PCA coefficients of the standardised depths (null: all 79 depths). */
    pcaComponents: z.number().int().min(1).nullable().default(null),
  })
  .strict();

const schema = z
  .object({
    seed: z.number().int().nonnegative().default(42),
    /** `default`: the README's job (≤ 10 min on 2 cores); `full`: larger training set, ensemble and nlive. */
    preset: z.enum(['default', 'full']).default('default'),
    /** Folder with eclipse_depths.csv and filters/ (default: the HD 189733 b copy in pipelines/atmospheric-retrieval/data). */
    dataDir: z.string().optional(),
    /** `real`: retrieve the observed spectrum; `synthetic`: inject θ (drawn from the prior), add noise at the real error bars, retrieve. */
    mode: z.enum(['real', 'synthetic']).default('real'),
    /** Synthetic mode: number of injected parameter sets (one retrieval each, fanned out). */
    injections: z.number().int().min(1).max(100).default(5),
    /** Spectra simulated from the prior to train the surrogate (preset: 8000 / 50000). */
    trainingSize: z.number().int().min(100).optional(),
    surrogate: surrogateSchema.default(surrogateSchema.parse({})),
    /** Data-dependent local refinement of the surrogate around the posterior (see the module comment). */
    refinement: refinementSchema.default(refinementSchema.parse({})),
    /**
     * Multiple of the surrogate's held-out RMSE per band (from training, data-independent) added in
     * quadrature to each band's error in the surrogate likelihood; 0 trusts the surrogate as exact.
     */
    surrogateErrorScale: z.number().min(0).default(1),
    /**
     * Correct the surrogate retrieval to the full model by importance weights on its own samples
     * (lib/sampling/reweight.ts): the full model runs only on points with surrogate posterior mass.
     * Off by default: with the default surrogate its effective sample size collapsed to ~1
     * (bench/results/atmospheric-retrieval.md) — the surrogate posterior is far wider than the full one.
     */
    correction: z.boolean().default(false),
    /** Points within this many nats of the largest surrogate log-weight get the full model. */
    correctionCut: z.number().positive().default(15),
    /** Live points of both nested-sampling runs (preset: 100 / 500). */
    nlive: z.number().int().min(20).optional(),
    dlogz: z.number().positive().default(0.5),
    /**
     * Slice steps per new live point in every retrieval. The sampler's default (ndim + 3 = 12) mixes
     * too little on this multimodal posterior: two full-model runs with different seeds ended
     * 3.2 apart in ln Z (errors ±0.35); with 24 and 36 steps, pairs agreed within their errors.
     */
    slices: z.number().int().min(1).default(24),
    /** Also run the full-model (reference) retrieval and compare the two posteriors. */
    reference: z.boolean().default(true),
    /**
     * Rerun the full-model retrieval with another sampler seed and compare it with the first
     * (`compare-reference`): the nested-sampling noise floor under every BC, C2ST and Δ ln Z of the
     * surrogate comparisons. Doubles the reference's cost.
     */
    referenceCheck: z.boolean().default(false),
    /**
     * Independent full-model runs (own sampler seeds) merged into the reference (`merge-full`):
     * K runs of nlive points give the posterior and evidence of one run of K·nlive, and run side by
     * side on K workers. The check, when on, is another K runs (`merge-full-check`).
     */
    referenceRuns: z.number().int().min(1).max(64).default(1),
    /** Run the classifier two-sample test in the comparison (adds ~10 s). */
    c2st: z.boolean().default(true),
    /** Radiative-transfer resolution (layers, angles, wavenumber nodes per band). */
    resolution: z
      .object({
        layers: z.number().int().min(10).default(DEFAULT_RESOLUTION.layers),
        angles: z.number().int().min(1).max(16).default(DEFAULT_RESOLUTION.angles),
        topHatNodes: z.number().int().min(1).default(DEFAULT_RESOLUTION.topHatNodes),
        broadNodes: z.number().int().min(2).default(DEFAULT_RESOLUTION.broadNodes),
      })
      .strict()
      .default({ layers: DEFAULT_RESOLUTION.layers, angles: DEFAULT_RESOLUTION.angles, topHatNodes: DEFAULT_RESOLUTION.topHatNodes, broadNodes: DEFAULT_RESOLUTION.broadNodes }),
    checkpointSeconds: z.number().positive().default(10),
  })
  .strict();

export type AtmosphericConfig = z.infer<typeof schema>;

/** The config's size keys with the preset's values where the user left them unset. */
export function resolveSizes(c: AtmosphericConfig) {
  const p = PRESETS[c.preset];
  return {
    trainingSize: c.trainingSize ?? p.trainingSize,
    epochs: c.surrogate.epochs ?? p.epochs,
    ensembleSize: c.surrogate.ensembleSize ?? p.ensembleSize,
    nlive: c.nlive ?? p.nlive,
    refinementSize: c.refinement.trainingSize ?? p.refinementSize,
  };
}

/** Stage names of refinement round r (1-based): `refine-training-set`, …, then `-2`, `-3` suffixes. */
export function refinementStages(r: number) {
  const suffix = r === 1 ? '' : `-${r}`;
  return { set: `refine-training-set${suffix}`, surrogate: `refine-surrogate${suffix}`, retrieve: `retrieve-refined${suffix}` };
}

/** The retrieval stage whose posterior is the headline: the last refinement round's, else the base surrogate's. */
export function headlineStage(c: AtmosphericConfig): string {
  return c.refinement.rounds > 0 ? refinementStages(c.refinement.rounds).retrieve : 'retrieve-surrogate';
}

function thetaRows(table: Table): number[][] {
  const cols = PARAM_NAMES.map((p) => numberColumn(table, p));
  return Array.from({ length: table.numRows }, (_, i) => cols.map((c) => c[i]!));
}

/** Load a trained surrogate and its observation with the held-out RMSE folded in. */
async function surrogateLevel(
  load: (stage: string, name: string, branch?: number) => Promise<Table>,
  stage: string,
  branch: number,
  obs: Observation,
  scale: number,
): Promise<Omit<SurrogateLevel, 'region' | 'maxD2'>> {
  const artifact = await load(stage, 'surrogate', branch);
  const surrogate = surrogateFromArtifact(String(artifact.getChild('json')!.get(0)));
  if (surrogate.outputDim !== obs.depth.length) throw new UserError(`the surrogate predicts ${surrogate.outputDim} bands, the data have ${obs.depth.length}`);
  const rmse = numberColumn(await load(stage, 'output_errors', branch), 'rmse');
  return { surrogate, obs: withModelError(obs, rmse, scale) };
}

function resolution(p: { [key: string]: Json }): Resolution {
  return { ...DEFAULT_RESOLUTION, ...(p.resolution as Partial<Resolution>) };
}

function observation(p: { [key: string]: Json }): Observation {
  const dir = String(p.dataDir);
  const data = cachedSpectrum(dir);
  if (p.injection === undefined) return { depth: data.depth, error: data.error };
  // Injection i: θ and noise from its own stream of the run seed, identical in every stage.
  const rng = injectionRng(Number(p.runSeed), Number(p.injection));
  return injectObservation(cachedForwardModel(dir, resolution(p)), data.error, rng);
}

function problem(logLikelihood: InferenceProblem['logLikelihood'], obs: Observation): InferenceProblem {
  return { paramNames: [...PARAM_NAMES], priorTransform, logLikelihood, ...(obs.truth && { truth: obs.truth }) };
}

export const atmosphericRetrieval: PipelineDefinition<typeof schema> = {
  name: 'atmospheric-retrieval',
  description: 'HD 189733 b emission spectrum: nested-sampling retrieval with a neural surrogate of radiative transfer vs the full model',
  version: '1',
  schema,
  dataFiles: (c) => [{ key: 'dataDir', path: join(c.dataDir ?? DATA_DIR, DEPTHS_FILE) }],
  stages,
  simulators: {
    /** θ from the uniform prior and the band-integrated depths of the full model, one row each. */
    'training-set': (p, rng) => {
      const model = cachedForwardModel(DATA_DIR, resolution(p));
      const n = Number(p.size);
      const thetas = Array.from({ length: n }, () => samplePrior(rng));
      const depths = thetas.map((t) => Array.from(model.depths(t)));
      const columns: Record<string, number[] | number[][]> = Object.fromEntries(PARAM_NAMES.map((name, d) => [name, thetas.map((t) => t[d]!)]));
      return tableFromColumns({ ...columns, depths });
    },
    /**
     * θ from the widened region around an upstream retrieval's posterior (params.source; branch =
     * the injection in synthetic mode) and the full model's depths, one row each.
     */
    'refine-set': async (p, rng, load) => {
      const model = cachedForwardModel(DATA_DIR, resolution(p));
      const branch = p.injection === undefined ? 0 : Number(p.injection);
      const posterior = await load(String(p.source), 'posterior_samples', branch);
      const region = posteriorRegion(thetaRows(posterior), numberColumn(posterior, 'weight'), Number(p.widen));
      const thetas = Array.from({ length: Number(p.size) }, () => sampleRegion(region, rng));
      // Residual targets: the full model minus the stacked prediction of the levels below.
      await selectBackend();
      const below = await Promise.all(
        (p.below as string[]).map(async (stage) => surrogateFromArtifact(String((await load(stage, 'surrogate', stage === 'surrogate' ? 0 : branch)).getChild('json')!.get(0)))),
      );
      const previous = stackedPrediction(below, thetas);
      below.forEach((s) => s.dispose());
      const nb = model.nBands;
      const depths = thetas.map((t, r) => Array.from(model.depths(t), (d, i) => d - previous[r * nb + i]!));
      const columns: Record<string, number[] | number[][]> = Object.fromEntries(PARAM_NAMES.map((name, d) => [name, thetas.map((t) => t[d]!)]));
      return tableFromColumns({ ...columns, depths });
    },
  },
  problems: {
    full: async (p) => {
      const obs = observation(p);
      return problem(fullLogLikelihood(cachedForwardModel(String(p.dataDir), resolution(p)), obs), obs);
    },
    surrogate: async (p, load) => {
      await selectBackend();
      const obs = observation(p);
      const artifact = await load('surrogate', 'surrogate');
      const surrogate = surrogateFromArtifact(String(artifact.getChild('json')!.get(0)));
      if (surrogate.outputDim !== obs.depth.length) throw new UserError(`the surrogate predicts ${surrogate.outputDim} bands, the data have ${obs.depth.length}`);
      const rmse = numberColumn(await load('surrogate', 'output_errors'), 'rmse');
      return problem(surrogateLogLikelihood(surrogate, withModelError(obs, rmse, Number(p.surrogateErrorScale))), obs);
    },
    /**
     * Nested surrogates: the base surrogate everywhere, each refinement round's surrogate inside its
     * region (params.levels, innermost last; regions rebuilt from the same posterior samples the
     * training set was drawn around).
     */
    refined: async (p, load) => {
      await selectBackend();
      const obs = observation(p);
      const branch = p.injection === undefined ? 0 : Number(p.injection);
      const levels: SurrogateLevel[] = [{ ...(await surrogateLevel(load, 'surrogate', 0, obs, Number(p.surrogateErrorScale))), region: null, maxD2: Infinity }];
      const refinedLevels = p.levels as { surrogate: string; source: string }[];
      for (const [j, level] of refinedLevels.entries()) {
        const posterior = await load(level.source, 'posterior_samples', branch);
        const region = posteriorRegion(thetaRows(posterior), numberColumn(posterior, 'weight'), Number(p.widen));
        // The innermost level (the one this retrieval refines) at refinement.errorScale, the levels between at outerErrorScale.
        const scale = Number(j === refinedLevels.length - 1 ? p.refinementErrorScale : p.outerErrorScale);
        levels.push({ ...(await surrogateLevel(load, level.surrogate, branch, obs, scale)), region, maxD2: Number(p.maxD2) });
      }
      return problem(refinedLogLikelihood(levels, Number(p.outsidePenalty)), obs);
    },
  },
  reportFigures: atmosphericFigures,
};

function stages(c: AtmosphericConfig, inputs: InputFile[]): StageDefinition[] {
  const sizes = resolveSizes(c);
  const long = { timeoutMs: 4 * 60 * 60 * 1000, checkpointMs: c.checkpointSeconds * 1000 };
  // The training set depends on prior, model, size and seed only — never on the observed data.
  const trainingSet: StageDefinition = {
    name: 'training-set',
    activity: 'simulate',
    params: { simulator: 'training-set', size: sizes.trainingSize, resolution: c.resolution },
    ...long,
    // The simulator runs without heartbeats (≈ 1 ms per spectrum).
    heartbeatTimeoutMs: 60 * 60 * 1000,
  };
  const { ensembleSize, epochs } = sizes;
  const surrogate: StageDefinition = {
    name: 'surrogate',
    activity: 'trainSurrogate',
    dependsOn: ['training-set'],
    params: {
      training: { stage: 'training-set', output: 'observations' },
      inputs: [...PARAM_NAMES],
      outputs: 'depths',
      surrogate: { ...c.surrogate, ensembleSize, epochs },
    },
    ...long,
    heartbeatTimeoutMs: 5 * 60 * 1000,
  };
  const synthetic = c.mode === 'synthetic';
  // The data file's hash is a param of the retrievals, so new data means new retrievals (only).
  const retrieval = {
    dataDir: c.dataDir ?? DATA_DIR,
    data: inputs.map((f) => f.sha256),
    resolution: c.resolution,
    nlive: sizes.nlive,
    dlogz: c.dlogz,
    // Slice proposals: ~60 calls per iteration whatever the posterior's shape; uniform sampling in
    // ellipsoids fell below 0.5 % efficiency on this 9-D posterior (measured: 349k calls by
    // iteration 1000 vs 102k calls for the whole slice run at 100 live points).
    proposal: 'slice',
    slices: c.slices,
    // Slice chains advanced in lock-step: the surrogate sees batches of this size (one tfjs call
    // per batch instead of per point).
    parallelProposals: 16,
    // Common random numbers: both samplers make the same draws until their likelihoods differ.
    samplerSeed: c.seed + 1,
    ...(synthetic && { runSeed: c.seed }),
  };
  const fanOut = synthetic ? { fanOut: { param: 'injection', values: Array.from({ length: c.injections }, (_, i) => i), concurrency: 1 } } : {};
  const ns = (name: string, problemName: string, dependsOn: string[], extra: { [key: string]: Json } = {}): StageDefinition => ({
    name,
    activity: 'nestedSampling',
    dependsOn,
    params: { problem: problemName, ...retrieval, ...extra },
    ...long,
    heartbeatTimeoutMs: 2 * 60 * 1000,
    ...fanOut,
  });
  const out = [trainingSet, surrogate, ns('retrieve-surrogate', 'surrogate', ['surrogate'], { surrogateErrorScale: c.surrogateErrorScale })];
  let headline = out.at(-1)!;
  // Refinement rounds: region around the previous retrieval → full-model spectra there → local
  // surrogate → retrieval with the nested surrogates.
  const injections = Array.from({ length: c.injections }, (_, i) => i);
  const levels: { surrogate: string; source: string }[] = [];
  let previous = 'retrieve-surrogate';
  for (let r = 1; r <= c.refinement.rounds; r++) {
    const names = refinementStages(r);
    const below = ['surrogate', ...levels.map((l) => l.surrogate)];
    out.push({
      name: names.set,
      activity: 'simulate',
      dependsOn: [previous, ...below],
      params: { simulator: 'refine-set', source: previous, below, size: sizes.refinementSize, widen: c.refinement.widen, resolution: c.resolution },
      ...long,
      heartbeatTimeoutMs: 60 * 60 * 1000,
      ...(synthetic && { fanOut: { param: 'injection', values: injections, concurrency: 1 } }),
    });
    out.push({
      ...surrogate,
      name: names.surrogate,
      dependsOn: [names.set],
      params: {
        ...surrogate.params,
        training: { stage: names.set, output: 'observations' },
        surrogate: { ...c.surrogate, ensembleSize: c.refinement.ensembleSize, epochs: c.refinement.epochs ?? epochs },
      },
      ...(synthetic && { fanOut: { param: 'trainingBranch', values: injections, concurrency: 1 } }),
    });
    levels.push({ surrogate: names.surrogate, source: previous });
    const dependsOn = ['surrogate', ...levels.flatMap((l) => [l.surrogate, l.source])];
    out.push(
      ns(names.retrieve, 'refined', [...new Set(dependsOn)], {
        surrogateErrorScale: c.surrogateErrorScale,
        refinementErrorScale: r === c.refinement.rounds ? c.refinement.finalErrorScale : c.refinement.errorScale,
        outerErrorScale: c.refinement.outerErrorScale,
        outsidePenalty: c.refinement.outsidePenalty,
        widen: c.refinement.widen,
        maxD2: c.refinement.maxD2,
        levels: levels.map((l) => ({ ...l })),
      }),
    );
    previous = names.retrieve;
    headline = out.at(-1)!;
  }
  if (c.correction) {
    out.push({
      name: 'correct-surrogate',
      activity: 'reweightPosterior',
      dependsOn: ['retrieve-surrogate'],
      params: { problem: 'full', samples: { stage: 'retrieve-surrogate' }, cut: c.correctionCut, ...retrieval },
      ...long,
      ...fanOut,
    });
  }
  if (!c.reference) return out;
  // After the surrogate side, not beside it: stages share one worker thread, and a full-model batch
  // running concurrently would inflate the surrogate retrieval's wall time (the speed-up's denominator).
  // The reference: `retrieve-full` (same sampler seed as the surrogate runs: common random
  // numbers), merged with referenceRuns − 1 more runs of their own seeds when asked. The others
  // wait for `retrieve-full` (its wall time is the speed-up's numerator, so nothing shares its
  // worker), then run side by side.
  const fullRuns = (name: string, seed: number, dependsOn: string[]): string => {
    const names = Array.from({ length: c.referenceRuns }, (_, k) => (k === 0 ? name : `${name}-${k + 1}`));
    names.forEach((n, k) => out.push(ns(n, 'full', k === 0 ? dependsOn : ['retrieve-full'], { samplerSeed: seed + 1000 * k })));
    if (names.length === 1) return name;
    const merged = name.replace('retrieve-', 'merge-');
    out.push({ name: merged, activity: 'mergeNestedRuns', dependsOn: names, params: { runs: names, parameters: [...PARAM_NAMES] }, ...fanOut });
    return merged;
  };
  const reference = fullRuns('retrieve-full', c.seed + 1, c.correction ? ['correct-surrogate', previous] : [previous]);
  // The headline surrogate's likelihood on the reference's own samples: ln L error where the
  // full-model posterior lives, free of sampler noise (summary deltaLogLMean / deltaLogLSd).
  out.push({
    name: 'surrogate-error',
    activity: 'reweightPosterior',
    dependsOn: [reference, ...(headline.dependsOn ?? [])],
    params: { ...headline.params, samples: { stage: reference }, cut: c.correctionCut },
    ...long,
    ...fanOut,
  });
  const check = c.referenceCheck ? fullRuns('retrieve-full-check', c.seed + 2, ['retrieve-full']) : undefined;
  const branches = synthetic ? c.injections : 1;
  // `compare`: the headline (last refinement round, or the base surrogate without refinement).
  const compared = [
    [headlineStage(c), ''],
    ...(c.refinement.rounds > 0 ? [['retrieve-surrogate', '-base']] : []),
    ...(c.correction ? [['correct-surrogate', '-corrected']] : []),
    ...(check ? [[check, '-reference']] : []),
  ];
  for (const [stage, suffix] of compared) {
    for (let b = 0; b < branches; b++) {
      const branch: { [key: string]: Json } = synthetic ? { branch: b } : {};
      out.push({
        name: `compare${suffix}${synthetic ? `-${b}` : ''}`,
        activity: 'comparePosteriors',
        dependsOn: [reference, stage!],
        params: {
          reference: { stage: reference, output: 'posterior_samples', ...branch },
          other: { stage: stage!, output: 'posterior_samples', ...branch },
          parameters: [...PARAM_NAMES],
          c2st: c.c2st,
        },
      });
    }
  }
  return out;
}
