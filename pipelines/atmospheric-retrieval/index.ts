import { join } from 'node:path';
import { z } from 'zod';
import type { InferenceProblem, PipelineDefinition, StageDefinition } from '../../lib/engine/pipeline.ts';
import type { InputFile, Json } from '../../lib/engine/types.ts';
import { selectBackend } from '../../lib/nn/backend.ts';
import { numberColumn, tableFromColumns } from '../../lib/store/parquet.ts';
import { checkpointSecondsKey, seedKey } from '../../lib/engine/common-keys.ts';
import { UserError } from '../../lib/engine/errors.ts';
import { DEFAULT_RESOLUTION, GUIDE_RESOLUTION, PARAM_NAMES } from './constants.ts';
import { DATA_DIR, DEPTHS_FILE, loadEclipseSpectrum } from './data.ts';
import type { Resolution } from './forward.ts';
import { posteriorTrainingThetas } from './refinement.ts';
import { atmosphericFigures } from './report.ts';
import {
  cachedForwardModel,
  cachedSpectrum,
  fullLogLikelihood,
  gaussianLogLikelihood,
  guideLikelihood,
  injectionRng,
  injectObservation,
  priorTransform,
  samplePrior,
  surrogateFromArtifact,
  surrogateLikelihood,
  withModelError,
  type Observation,
} from './retrieval.ts';
import type { Table, Vector } from 'apache-arrow';

/**
 * The `atmospheric-retrieval` pipeline: the dayside emission spectrum of HD 189733 b retrieved with
 * the full radiative-transfer model, guided by neural surrogates (after Himes et al. 2022, PSJ 3,
 * 91), and checked against plain full-model retrievals. Every retrieval samples the prior folded
 * onto one copy of the temperature profile's exact mirror symmetry (symmetry.ts).
 *
 * - Search: `training-set` (spectra from the prior) → `surrogate` (deep ensemble) — both depend only
 *   on prior, model, size and seed, so new data take them from the cache — → `retrieve-surrogate`,
 *   a first posterior with the prior-trained surrogate (its band errors widened by its held-out
 *   RMSE, so this search posterior covers the full model's; never a reported figure).
 * - Refinement rounds (`refinement.rounds`): `refine-training-set` (full-model spectra at the
 *   previous retrieval's own samples, jittered and folded: refinement.ts) → `refine-surrogate` (a
 *   FRESH ensemble) → `retrieve-refined` (nested sampling on that surrogate alone).
 * - `retrieve-guided` (the headline): exact nested sampling — slice chains on the last-but-one
 *   round's surrogate (ensemble-mean ln L̃, ensemble spread of ln L) near its training set's best
 *   ln L and a coarse radiative-transfer grid elsewhere; one full-model call per block of steps
 *   decides (lib/sampling/nested/proposals/guided.ts).
 * - The last round trains on the guided posterior; its retrieval is the `preview`: a network that
 *   learned where the exact posterior lies, sampled alone — fast to rerun, approximate, reported
 *   with its honest BC and Δ ln Z.
 * - Reference: `retrieve-full` (or `referenceRuns` runs merged, `merge-full`), compared with the
 *   guided (`compare-guided`) and preview (`compare-preview`) posteriors, each BC beside its
 *   estimator's resolution floor; `referenceCheck` reruns the reference with other seeds
 *   (`compare-reference`), `surrogate-error` is the preview surrogate's ln L on the reference's samples.
 */

/** Size keys each preset fills in when the user did not set them. */
const PRESETS = {
  default: { trainingSize: 8000, epochs: 60, ensembleSize: 2, nlive: 100, refinementSize: 4000, refinementEpochs: 150 },
  full: { trainingSize: 50000, epochs: 300, ensembleSize: 5, nlive: 500, refinementSize: 20000, refinementEpochs: 300 },
} as const;

const refinementSchema = z
  .object({
    rounds: z.number().int().min(0).max(5).default(2).describe('Refinement rounds after the search retrieval (0: none; the guide and preview are then the prior-trained surrogate).'),
    trainingSize: z.number().int().min(50).max(1_000_000).optional().describe('Full-model spectra simulated per round (preset: 4000 / 20000).'),
    jitter: z.number().min(0).max(10).default(0.15).describe('Each training input is a previous-posterior sample plus N(0, jitter² Σ_posterior).'),
    epochs: z.number().int().min(1).max(10_000).optional().describe("Training epochs per member of each round's fresh ensemble, early-stopped (preset: 150 / 300)."),
    ensembleSize: z.number().int().min(2).max(32).default(2).describe("Members of each round's ensemble: their disagreement is the guide's spread."),
  })
  .strict();

const surrogateSchema = z
  .object({
    hiddenUnits: z.array(z.number().int().min(1)).min(1).default([96, 96]).describe("Widths of each member's hidden layers."),
    ensembleSize: z.number().int().min(1).max(32).optional().describe('Members of the deep ensemble (preset: 2 / 5).'),
    epochs: z.number().int().min(1).max(10_000).optional().describe('Training epochs per member, early-stopped (preset: 60 / 300).'),
    batchSize: z.number().int().min(1).default(256).describe('Training batch size.'),
    patience: z.number().int().min(1).default(25).describe('Epochs without a better held-out loss before a member stops training.'),
    pcaComponents: z.number().int().min(1).nullable().default(null).describe('Regress this many PCA coefficients of the standardised depths (null: all 79 depths).'),
  })
  .strict();

/**
 * The guided retrieval: the sampler's margin m₀ (nats), spread factor k and audit fraction
 * (lib/sampling/README.md), and where its surrogate trusts the network (retrieval.ts: guideLikelihood).
 */
const guideSchema = z
  .object({
    // 4, not the sampler's 2: the coarse grid underestimates ln L by up to ~3.4 nats near the peak
    // (measured on a guided run's points), and a failure doubles the excess it finds.
    margin: z.number().min(0).max(1000).default(4).describe("The guided sampler's margin m₀ [nats]: slice chains run on the surrogate inside L̃ > L* − (m₀ + k·spread)."),
    spreadFactor: z.number().min(0).max(100).default(2).describe("k in m₀ + k·spread: how much the surrogate's per-point spread widens the margin."),
    auditFraction: z.number().min(0).max(1).default(0.01).describe('Fraction of surrogate-rejected slice points re-checked with the full model.'),
    // 1, not the sampler's 3: here the lowered contour is wide (the guide's errors span several
    // nats), a 1-step block is kept 30–40 % of the time and longer ones far less, so kept steps cost
    // fewest surrogate and full-model calls in 1-step blocks.
    blockSteps: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(1)
      .describe('Slice steps per block: one exact call per block, which keeps the block only if it ends inside the contour.'),
    // Like the full model, the guided run needs more than `slices` here: at 24 kept steps two seeds
    // gave ln Z 393.94 / 394.74, at 72 393.94 / 393.60, against 393.5 from importance sampling. 48
    // keeps the default job within 10 minutes; the bench sets referenceSlices (equal mixing).
    slices: z.number().int().min(1).max(1000).default(48).describe('Kept slice steps per new live point of the guided retrieval (rejected blocks do not count).'),
    // K merged runs of N live points resolve the posterior like one run of K·N, so the guided run is
    // compared with the reference at equal resolution, and its cost per live point.
    nlive: z
      .number()
      .int()
      .min(20)
      .max(100_000)
      .optional()
      .describe('Live points of the guided retrieval (default: nlive × referenceRuns with the reference on, else nlive).'),
    trustDepth: z.number().min(0).max(10_000).default(8).describe("The network answers within this many nats below its training set's best ln L…"),
    maxSpread: z.number().min(0).max(10_000).default(2).describe("…where its members' ln L agree to this many nats; the coarse grid answers elsewhere."),
    relativeSpread: z.number().min(0).max(1).default(0.1).describe("The coarse grid's spread: this fraction of its depth below that best ln L."),
  })
  .strict()
  // At spreadFactor × relativeSpread ≥ 1 every point below the peak would pass the lowered contour.
  .refine((g) => g.spreadFactor * g.relativeSpread < 1, { message: 'guide.spreadFactor × guide.relativeSpread must be below 1' });

const fields = z
  .object({
    seed: seedKey,
    preset: z
      .enum(['default', 'full'])
      .default('default')
      .describe("`default`: the README's job (≤ 10 min on 2 cores); `full`: larger training sets, ensembles and nlive. Fills the size keys left unset."),
    dataDir: z.string().optional().describe('Folder with eclipse_depths.csv and filters/ (default: the HD 189733 b copy in pipelines/atmospheric-retrieval/data).'),
    mode: z
      .enum(['real', 'synthetic'])
      .default('real')
      .describe('`real`: retrieve the observed spectrum; `synthetic`: inject θ (drawn from the prior), add noise at the real error bars, retrieve.'),
    injections: z.number().int().min(1).max(100).default(5).describe('Synthetic mode: number of injected parameter sets (one retrieval each, fanned out).'),
    trainingSize: z.number().int().min(100).max(1_000_000).optional().describe('Spectra simulated from the prior to train the surrogate (preset: 8000 / 50000).'),
    surrogate: surrogateSchema.default(surrogateSchema.parse({})),
    // The search retrieval's posterior is where round 1 trains: wide enough to hold the full model's.
    searchErrorScale: z
      .number()
      .min(0)
      .max(100)
      .default(1)
      .describe("The search retrieval only: multiple of the prior-trained surrogate's held-out RMSE per band added in quadrature to the band errors. No reported figure uses an inflated likelihood."),
    refinement: refinementSchema.default(refinementSchema.parse({})),
    guide: guideSchema.default(guideSchema.parse({})),
    nlive: z.number().int().min(20).max(100_000).optional().describe('Live points of every nested-sampling run (preset: 100 / 500).'),
    dlogz: z.number().positive().default(0.5).describe('Stop a nested-sampling run when the evidence still to come, ln(Z + L_max X) − ln Z, is below this.'),
    // The sampler's default (ndim + 3 = 12) mixes too little on this multimodal posterior: two
    // full-model runs with different seeds ended 3.2 apart in ln Z (errors ±0.35).
    slices: z.number().int().min(1).max(1000).default(24).describe('Slice steps per new live point in the surrogate and guided retrievals.'),
    // Agreeing with each other is not enough: at 24 steps pairs of full-model runs agreed within
    // their errors, yet both sat in a chemistry that holds ~1 % of the posterior mass, 2.4 nats below
    // the exact prior Monte Carlo evidence (bench/results/atmospheric-evidence.md); at 72 steps the
    // runs find the dominant one.
    referenceSlices: z.number().int().min(1).max(1000).default(72).describe('Slice steps of the full-model reference runs.'),
    // Four guided runs per setting: ln Z spread between seeds 1.0 → 0.53 nats.
    sliceDirections: z
      .enum(['differential', 'covariance'])
      .default('differential')
      .describe(
        "Slice directions of every retrieval (lib/sampling NestedSamplerOptions.whitening): `differential` slices along the difference of two random live points and follows this curved, two-chemistry posterior; `covariance` whitens random directions by the live points' covariance.",
      ),
    reference: z.boolean().default(true).describe('Also run the full-model (reference) retrieval and compare the guided and preview posteriors with it.'),
    referenceCheck: z
      .boolean()
      .default(false)
      .describe("Rerun the full-model retrieval with other sampler seeds and compare it with the first (`compare-reference`): the nested-sampling noise floor under every comparison. Doubles the reference's cost."),
    referenceRuns: z
      .number()
      .int()
      .min(1)
      .max(64)
      .default(1)
      .describe('Independent full-model runs (own sampler seeds) merged into the reference (`merge-full`): K runs of nlive points give the posterior and evidence of one run of K·nlive, side by side on K workers. The check, when on, is another K runs.'),
    c2st: z.boolean().default(true).describe('Run the classifier two-sample test in the comparisons (adds ~10 s each).'),
    resolution: z
      .object({
        layers: z.number().int().min(10).max(1000).default(DEFAULT_RESOLUTION.layers).describe('Atmospheric layers between 1e-6 and 100 bar.'),
        angles: z.number().int().min(1).max(16).default(DEFAULT_RESOLUTION.angles).describe('Gauss–Legendre nodes in μ = cos θ on [0, 1].'),
        topHatNodes: z.number().int().min(1).max(1000).default(DEFAULT_RESOLUTION.topHatNodes).describe('Wavenumber nodes across a top-hat spectral bin (NICMOS, IRS).'),
        broadNodes: z.number().int().min(2).max(1000).default(DEFAULT_RESOLUTION.broadNodes).describe('Wavenumber nodes across a broad filter (IRAC, MIPS).'),
      })
      .strict()
      .default({ layers: DEFAULT_RESOLUTION.layers, angles: DEFAULT_RESOLUTION.angles, topHatNodes: DEFAULT_RESOLUTION.topHatNodes, broadNodes: DEFAULT_RESOLUTION.broadNodes }),
    checkpointSeconds: checkpointSecondsKey(10),
  })
  .strict();

const schema = fields.transform(fillDerivedSizes);

/**
 * The preset's sizes in the keys the user left unset, and the guided run's live points, filled when
 * the config is parsed: the stored config (manifest, report, `validate --json`) holds the sizes the
 * run uses, and parses to itself.
 */
function fillDerivedSizes(c: z.infer<typeof fields>) {
  const p = PRESETS[c.preset];
  const nlive = c.nlive ?? p.nlive;
  return {
    ...c,
    trainingSize: c.trainingSize ?? p.trainingSize,
    nlive,
    surrogate: { ...c.surrogate, ensembleSize: c.surrogate.ensembleSize ?? p.ensembleSize, epochs: c.surrogate.epochs ?? p.epochs },
    refinement: { ...c.refinement, trainingSize: c.refinement.trainingSize ?? p.refinementSize, epochs: c.refinement.epochs ?? p.refinementEpochs },
    guide: { ...c.guide, nlive: c.guide.nlive ?? nlive * (c.reference ? c.referenceRuns : 1) },
  };
}

export type AtmosphericConfig = z.infer<typeof schema>;

/** Stage names of refinement round r (1-based): `refine-training-set`, …, then `-2`, `-3` suffixes. */
export function refinementStages(r: number) {
  const suffix = r === 1 ? '' : `-${r}`;
  return { set: `refine-training-set${suffix}`, surrogate: `refine-surrogate${suffix}`, retrieve: `retrieve-refined${suffix}` };
}

/** The preview (pure-surrogate) retrieval with its surrogate and training set: the last round's (trained on the guided posterior), else the search's. */
export function previewStages(c: AtmosphericConfig): { retrieve: string; surrogate: string; set: string } {
  return roundStages(c.refinement.rounds);
}

/** The surrogate that guides the exact retrieval, with its training set: the last-but-one round's, else the search's. */
export function guideStages(c: AtmosphericConfig): { surrogate: string; set: string } {
  const { surrogate, set } = roundStages(c.refinement.rounds - 1);
  return { surrogate, set };
}

/** Round r's stages; round 0 is the search (prior-trained surrogate). */
function roundStages(r: number): { retrieve: string; surrogate: string; set: string } {
  return r <= 0 ? { retrieve: 'retrieve-surrogate', surrogate: 'surrogate', set: 'training-set' } : refinementStages(r);
}

function thetaRows(table: Table): number[][] {
  const cols = PARAM_NAMES.map((p) => numberColumn(table, p));
  return Array.from({ length: table.numRows }, (_, i) => cols.map((c) => c[i]!));
}

function resolution(p: { [key: string]: Json }): Resolution {
  return { ...DEFAULT_RESOLUTION, ...(p.resolution as Partial<Resolution>) };
}

/** GUIDE_RESOLUTION, never finer than the full model's own resolution. */
function coarseResolution(full: Resolution): Resolution {
  return { ...full, layers: Math.min(full.layers, GUIDE_RESOLUTION.layers), angles: Math.min(full.angles, GUIDE_RESOLUTION.angles), topHatNodes: Math.min(full.topHatNodes, GUIDE_RESOLUTION.topHatNodes), broadNodes: Math.min(full.broadNodes, GUIDE_RESOLUTION.broadNodes) };
}

function observation(p: { [key: string]: Json }): Observation {
  const dir = String(p.dataDir);
  const data = cachedSpectrum(dir);
  if (p.injection === undefined) return { depth: data.depth, error: data.error };
  // Injection i: θ and noise from its own stream of the run seed, identical in every stage.
  const rng = injectionRng(Number(p.runSeed), Number(p.injection));
  return injectObservation(cachedForwardModel(dir, resolution(p)), data.error, rng);
}

type Load = (stage: string, name: string, branch?: number) => Promise<Table>;

/**
 * The surrogate of params.surrogate (the prior-trained `surrogate` stage, or a round's
 * `refine-surrogate`, fanned out per injection in synthetic mode) and the observation, with the
 * band errors widened by params.errorScale × its held-out RMSE (0: none).
 */
async function loadSurrogate(p: { [key: string]: Json }, load: Load) {
  await selectBackend();
  const obs = observation(p);
  const stage = String(p.surrogate);
  const branch = stage === 'surrogate' || p.injection === undefined ? 0 : Number(p.injection);
  const surrogate = surrogateFromArtifact(await load(stage, 'surrogate', branch));
  if (surrogate.outputDim !== obs.depth.length) throw new UserError(`the surrogate predicts ${surrogate.outputDim} bands, the data have ${obs.depth.length}`);
  const scale = Number(p.errorScale ?? 0);
  const rmse = scale > 0 ? numberColumn(await load(stage, 'output_errors', branch), 'rmse') : [];
  return { obs, branch, likelihood: surrogateLikelihood(surrogate, scale > 0 ? withModelError(obs, rmse, scale) : obs) };
}

/** The best full-model ln L among a training set's rows (their `depths` are full-model spectra). */
function bestLogL(table: Table, obs: Observation): number {
  const depths = table.getChild('depths')!;
  let best = -Infinity;
  for (let i = 0; i < table.numRows; i++) best = Math.max(best, gaussianLogLikelihood(obs, (depths.get(i) as Vector).toArray() as Float64Array));
  return best;
}

function problem(logLikelihood: InferenceProblem['logLikelihood'], obs: Observation, guide?: InferenceProblem['guide']): InferenceProblem {
  return { paramNames: [...PARAM_NAMES], priorTransform, logLikelihood, ...(guide && { guide }), ...(obs.truth && { truth: obs.truth }) };
}

function fullModelDepths(p: { [key: string]: Json }, thetas: number[][]): Table {
  const model = cachedForwardModel(DATA_DIR, resolution(p));
  const depths = thetas.map((t) => Array.from(model.depths(t)));
  const columns: Record<string, number[] | number[][]> = Object.fromEntries(PARAM_NAMES.map((name, d) => [name, thetas.map((t) => t[d]!)]));
  return tableFromColumns({ ...columns, depths });
}

export const atmosphericRetrieval: PipelineDefinition<typeof schema> = {
  name: 'atmospheric-retrieval',
  description: 'HD 189733 b emission spectrum: exact nested-sampling retrieval guided by a posterior-trained neural surrogate of radiative transfer, checked against the full model',
  // 2: the folded prior (symmetry.ts) changes every stage's numbers; 3: differential slice
  // directions; 4: the last refinement round trains on the guided posterior; 5: guided chains make
  // as many blocks as their kept steps need (lib/sampling guided.ts), in 1-step blocks.
  version: '5',
  schema,
  dataFiles: (c) => [{ key: 'dataDir', path: join(c.dataDir ?? DATA_DIR, DEPTHS_FILE) }],
  checkData: (c) => checkSpectrum(c.dataDir ?? DATA_DIR),
  stages,
  headline: ['retrieve-guided'],
  // The full model (its merged runs when referenceRuns > 1): what the guided and preview evidences are judged against.
  evidenceReference: ['merge-full', 'retrieve-full'],
  simulators: {
    /** θ from the (folded) prior and the band-integrated depths of the full model, one row each. */
    'training-set': (p, rng) => fullModelDepths(p, Array.from({ length: Number(p.size) }, () => samplePrior(rng))),
    /**
     * θ from an upstream retrieval's samples (params.source; branch = the injection in synthetic
     * mode), jittered and folded (refinement.ts), and the full model's depths, one row each.
     */
    'posterior-set': async (p, rng, load) => {
      const posterior = await load(String(p.source), 'posterior_samples', p.injection === undefined ? 0 : Number(p.injection));
      const run = { thetas: thetaRows(posterior), weights: numberColumn(posterior, 'weight') };
      return fullModelDepths(p, posteriorTrainingThetas(run, Number(p.size), Number(p.jitter), rng));
    },
  },
  problems: {
    full: async (p) => {
      const obs = observation(p);
      return problem(fullLogLikelihood(cachedForwardModel(String(p.dataDir), resolution(p)), obs), obs);
    },
    /** The surrogate alone (search and preview retrievals, and the preview's ln L error). */
    surrogate: async (p, load) => {
      const { obs, likelihood } = await loadSurrogate(p, load);
      return problem((batch) => likelihood(batch).logL, obs);
    },
    /**
     * The full model decides; the surrogate guides: the ensemble (mean ln L̃, spread of the members'
     * ln L) near its training set's best ln L, the coarse grid elsewhere (retrieval.ts: guideLikelihood).
     */
    guided: async (p, load) => {
      const { obs, branch, likelihood } = await loadSurrogate({ ...p, errorScale: 0 }, load);
      const trust = p.guideTrust as { trustDepth: number; maxSpread: number; relativeSpread: number };
      const peakLogL = bestLogL(await load(String(p.trainingSet), 'observations', branch), obs);
      const full = resolution(p);
      const coarse = fullLogLikelihood(cachedForwardModel(String(p.dataDir), coarseResolution(full)), obs);
      const guide = guideLikelihood(likelihood, coarse, { ...trust, peakLogL });
      return problem(fullLogLikelihood(cachedForwardModel(String(p.dataDir), full), obs), obs, { logLikelihood: guide });
    },
  },
  reportFigures: atmosphericFigures,
};

/**
 * The data folder parses (depths, errors, filter curves: data.ts) and has as many bands as the
 * shipped spectrum: the training set and surrogate are simulated on those bands, never on the data.
 */
function checkSpectrum(dir: string): void {
  const bands = loadEclipseSpectrum(dir).bands.length;
  const trained = cachedSpectrum(DATA_DIR).bands.length;
  if (bands !== trained) throw new UserError(`${join(dir, DEPTHS_FILE)}: band: ${bands} bands; the surrogate is trained on the shipped spectrum's ${trained}`);
}

/**
 * The stage graph, listed in the order the report shows it (the engine runs by dependencies):
 * the guided-exact retrieval first, the preview beside it, the reference and the comparisons,
 * then the search and refinement stages that built the guide.
 */
function stages(c: AtmosphericConfig, inputs: InputFile[]): StageDefinition[] {
  const long = { timeoutMs: 4 * 60 * 60 * 1000, checkpointMs: c.checkpointSeconds * 1000 };
  const synthetic = c.mode === 'synthetic';
  const injections = Array.from({ length: c.injections }, (_, i) => i);
  const perInjection = (param: string) => (synthetic ? { fanOut: { param, values: injections, concurrency: 1 } } : {});
  // The training set depends on prior, model, size and seed only — never on the observed data.
  const trainingSet: StageDefinition = {
    name: 'training-set',
    activity: 'simulate',
    params: { simulator: 'training-set', size: c.trainingSize, resolution: c.resolution },
    ...long,
    // The simulator runs without heartbeats (≈ 1.5 ms per spectrum).
    heartbeatTimeoutMs: 60 * 60 * 1000,
  };
  const surrogate: StageDefinition = {
    name: 'surrogate',
    activity: 'trainSurrogate',
    dependsOn: ['training-set'],
    params: {
      training: { stage: 'training-set', output: 'observations' },
      inputs: [...PARAM_NAMES],
      outputs: 'depths',
      surrogate: c.surrogate,
    },
    ...long,
    heartbeatTimeoutMs: 5 * 60 * 1000,
  };
  // The data file's hash is a param of the retrievals, so new data means new retrievals (only).
  const retrieval = {
    dataDir: c.dataDir ?? DATA_DIR,
    data: inputs.map((f) => f.sha256),
    resolution: c.resolution,
    nlive: c.nlive,
    dlogz: c.dlogz,
    // Slice proposals: ~60 calls per iteration whatever the posterior's shape; uniform sampling in
    // ellipsoids fell below 0.5 % efficiency on this 9-D posterior. Guided sampling needs them too.
    proposal: 'slice',
    slices: c.slices,
    whitening: c.sliceDirections,
    // Slice chains advanced in lock-step: the surrogate sees batches of this size (one tfjs call
    // per batch instead of per point).
    parallelProposals: 16,
    // Common random numbers: every sampler makes the same draws until their likelihoods differ.
    samplerSeed: c.seed + 1,
    ...(synthetic && { runSeed: c.seed }),
  };
  const ns = (name: string, problemName: string, dependsOn: string[], extra: { [key: string]: Json } = {}): StageDefinition => ({
    name,
    activity: 'nestedSampling',
    dependsOn,
    params: { problem: problemName, ...retrieval, ...extra },
    ...long,
    heartbeatTimeoutMs: 2 * 60 * 1000,
    ...perInjection('injection'),
  });

  // Search, then refinement rounds: previous posterior → full-model spectra at its samples → fresh
  // ensemble → retrieval with it alone. The guided run takes the last-but-one round's surrogate
  // (guideStages), and the last round trains on the guided posterior — exact, so the preview's
  // network learns where the full model's posterior really is (trained on a surrogate posterior it
  // learned a wrong region: ln L error −77 ± 70 nats on the reference's samples, Δ ln Z +23).
  const guide = guideStages(c);
  const { trustDepth, maxSpread, relativeSpread, nlive: guidedLive, slices: guidedSlices, ...sampler } = c.guide;
  const guided = ns('retrieve-guided', 'guided', [guide.surrogate, guide.set], {
    nlive: guidedLive,
    slices: guidedSlices,
    surrogate: guide.surrogate,
    trainingSet: guide.set,
    guide: sampler,
    guideTrust: { trustDepth, maxSpread, relativeSpread },
  });
  const search = [trainingSet, surrogate, ns('retrieve-surrogate', 'surrogate', ['surrogate'], { surrogate: 'surrogate', errorScale: c.searchErrorScale })];
  let previous = 'retrieve-surrogate';
  for (let r = 1; r <= c.refinement.rounds; r++) {
    const names = refinementStages(r);
    const source = r === c.refinement.rounds ? 'retrieve-guided' : previous;
    search.push(
      {
        name: names.set,
        activity: 'simulate',
        dependsOn: [source],
        params: { simulator: 'posterior-set', source, size: c.refinement.trainingSize, jitter: c.refinement.jitter, resolution: c.resolution },
        ...long,
        heartbeatTimeoutMs: 60 * 60 * 1000,
        ...perInjection('injection'),
      },
      {
        ...surrogate,
        name: names.surrogate,
        dependsOn: [names.set],
        params: {
          ...surrogate.params,
          training: { stage: names.set, output: 'observations' },
          surrogate: { ...c.surrogate, ensembleSize: c.refinement.ensembleSize, epochs: c.refinement.epochs },
        },
        ...perInjection('trainingBranch'),
      },
      ns(names.retrieve, 'surrogate', [names.surrogate], { surrogate: names.surrogate }),
    );
    previous = names.retrieve;
  }
  const preview = previewStages(c);
  if (!c.reference) return [guided, ...search];

  // The reference: `retrieve-full` (same sampler seed as the other runs), merged with
  // referenceRuns − 1 more runs of their own seeds when asked. It needs nothing from the search, so
  // it starts at once: `sciflow run` hosts one worker process per core (one activity each), and the
  // reference runs beside the search and the guided run instead of after them. On a single worker
  // they would share its thread and the guided run's wall time (the speed-up) would come out long.
  const reference: StageDefinition[] = [];
  const fullRuns = (name: string, seed: number): string => {
    const names = Array.from({ length: c.referenceRuns }, (_, k) => (k === 0 ? name : `${name}-${k + 1}`));
    names.forEach((n, k) => reference.push(ns(n, 'full', [], { samplerSeed: seed + 1000 * k, slices: c.referenceSlices })));
    if (names.length === 1) return name;
    const merged = name.replace('retrieve-', 'merge-');
    reference.push({ name: merged, activity: 'mergeNestedRuns', dependsOn: names, params: { runs: names, parameters: [...PARAM_NAMES] }, ...perInjection('injection') });
    return merged;
  };
  const full = fullRuns('retrieve-full', c.seed + 1);
  const check = c.referenceCheck ? fullRuns('retrieve-full-check', c.seed + 2) : undefined;
  const branches = synthetic ? c.injections : 1;
  const comparisons: StageDefinition[] = [];
  for (const [stage, suffix] of [['retrieve-guided', '-guided'], [preview.retrieve, '-preview'], ...(check ? [[check, '-reference']] : [])] as const) {
    for (let b = 0; b < branches; b++) {
      const branch: { [key: string]: Json } = synthetic ? { branch: b } : {};
      comparisons.push({
        name: `compare${suffix}${synthetic ? `-${b}` : ''}`,
        activity: 'comparePosteriors',
        dependsOn: [full, stage],
        params: {
          reference: { stage: full, output: 'posterior_samples', ...branch },
          other: { stage, output: 'posterior_samples', ...branch },
          parameters: [...PARAM_NAMES],
          c2st: c.c2st,
          resolution: true,
        },
      });
    }
  }
  // The preview surrogate's ln L on the reference's own samples: its error where the full-model
  // posterior lives, free of sampler noise (summary deltaLogLMean / deltaLogLSd / quantiles).
  const surrogateError: StageDefinition = {
    name: 'surrogate-error',
    activity: 'reweightPosterior',
    dependsOn: [full, preview.surrogate],
    params: { ...retrieval, problem: 'surrogate', surrogate: preview.surrogate, samples: { stage: full }, cut: 15 },
    ...long,
    ...perInjection('injection'),
  };
  return [guided, search.find((s) => s.name === preview.retrieve)!, ...reference, ...comparisons, ...search.filter((s) => s.name !== preview.retrieve), surrogateError];
}
