/**
 * When does the learned likelihood finish sooner? Exact vs learned nested sampling with the true
 * likelihood given an added, calibrated CPU cost c per call (a busy loop of fixed work, sized on
 * this machine before the runs; the sampler's own work is unchanged), on the three cosmology
 * models and the 5-D Gaussian. Exact and learned runs of a model share the sampler seed (common
 * random numbers). Per c: wall time of each, their ratio, true calls, Δ ln Z and the worst
 * per-parameter Bhattacharyya coefficient; per model the break-even cost c* where the two wall
 * times cross (linear in c between grid points: both are linear in c). Then the cost-aware switch
 * at c = 0 with the product defaults: which path it chose, and its wall time against the exact
 * run's (medians of repeated runs).
 *
 * The exact run does the same work at every c (same seed, same values) plus N·c of busy loop, so
 * its wall time is a + b·c. It is measured at the costs in --exact-measured (its ln Z and call
 * count are checked to be identical at each) and, above them, taken from the least-squares line
 * through those measurements (the residuals are reported). Learned runs are measured at every c.
 *
 *   node --import tsx bench/learned-likelihood-cost.ts [--models lcdm,wcdm,cpl,gaussian5d]
 *        [--costs 0,1,3,10,30,100] [--exact-measured 0,1,3,10] [--nlive 500] [--repeats 5]
 *        [--swap ready|K] [--out learned-likelihood-cost]
 *
 * Writes bench/results/<out>.json and .md after every cost level. Run it on an otherwise idle machine.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { selectBackend } from '../lib/nn/backend.ts';
import { DEFAULT_LEARNED_LIKELIHOOD, LearnedLikelihood, type LearnedLikelihoodOptions } from '../lib/nn/learned-likelihood.ts';
import { nestedSample } from '../lib/sampling/nested/index.ts';
import type { NestedResult } from '../lib/sampling/nested/types.ts';
import { bhattacharyya } from '../lib/stats/divergence.ts';
import { loadCosmologyData } from '../pipelines/cosmology/data.ts';
import { cosmologyLogLikelihood } from '../pipelines/cosmology/likelihood.ts';
import { MODELS, priorTransform, type ModelName } from '../pipelines/cosmology/models.ts';
import { gaussian5d } from '../test/unit/nn/problems.ts';

const { values: args } = parseArgs({
  options: {
    models: { type: 'string', default: 'lcdm,wcdm,cpl,gaussian5d' },
    costs: { type: 'string', default: '0,1,3,10,30,100' },
    'exact-measured': { type: 'string', default: '0,1,3,10' },
    nlive: { type: 'string', default: '500' },
    repeats: { type: 'string', default: '5' },
    // 'ready' (the product default) or K: swap K true calls after a training starts (0: in-process).
    swap: { type: 'string', default: 'ready' },
    out: { type: 'string', default: 'learned-likelihood-cost' },
    // Rewrite the md and json from an earlier run's json (same options as that run), running nothing.
    render: { type: 'string' },
  },
});
const TARGETS = { breakEvenMs: 2, wallRatioAt100ms: 0.5, maxAbsDeltaLogZ: 0.1, minBc: 0.99, minCallsSaved: 0.5, autoWallRatio: 1.1 };
const nlive = Number(args.nlive);
const costs = args.costs.split(',').map(Number).sort((a, b) => a - b);
const exactMeasured = new Set(args['exact-measured'].split(',').map(Number));
if (!exactMeasured.has(costs[0]!) || [...exactMeasured].length < 2) throw new Error('--exact-measured needs the lowest cost and at least two costs');
const repeats = Number(args.repeats);
const swapAfter: LearnedLikelihoodOptions['swapAfter'] = args.swap === 'ready' ? 'ready' : Number(args.swap);
const DLOGZ = 0.01;
// Scaled with the live points, as the cosmology pipeline's settings are (there: 1000 live points, retry after 200).
const retrainAfter = Math.round(0.2 * nlive);

interface Problem {
  name: string;
  paramNames: string[];
  priorTransform: (u: number[]) => number[];
  logL: (theta: number[]) => number;
  /** Learned-likelihood settings for this problem (the rest are the product defaults). */
  learned: Partial<LearnedLikelihoodOptions>;
  samplerSeed: number;
}

function cosmologyProblem(name: ModelName, warmupPerLive: number, samplerSeed: number): Problem {
  const model = MODELS[name];
  const batch = cosmologyLogLikelihood(model, loadCosmologyData());
  return {
    name,
    paramNames: [...model.paramNames],
    priorTransform: (u) => priorTransform(model, u),
    logL: (theta) => batch([theta])[0]!,
    // The cosmology pipeline's settings, scaled from its 1000 live points to this bench's.
    learned: { warmupCalls: Math.round(warmupPerLive * nlive), retrainAfter, trainingWindow: Math.max(1000, 3 * nlive) },
    samplerSeed,
  };
}

const PROBLEMS: Record<string, () => Problem> = {
  lcdm: () => cosmologyProblem('lcdm', 3, 1),
  wcdm: () => cosmologyProblem('wcdm', 4.5, 2),
  cpl: () => cosmologyProblem('cpl', 12, 3),
  gaussian5d: () => ({
    name: 'gaussian5d',
    paramNames: ['x0', 'x1', 'x2', 'x3', 'x4'],
    priorTransform: gaussian5d.priorTransform,
    logL: gaussian5d.logLikelihood,
    learned: { warmupCalls: 2 * nlive, retrainAfter, trainingWindow: Math.max(1000, 3 * nlive) },
    samplerSeed: 4,
  }),
};

// ---- the calibrated cost: fixed work per call, sized on this machine before any run

let sink = 0;
function spin(iterations: number): void {
  let x = sink;
  for (let i = 0; i < iterations; i++) x = (x * 1.000001 + i) % 1e9;
  sink = x;
}

function iterationsPerMs(): number {
  spin(1e6);
  const rates: number[] = [];
  for (let k = 0; k < 5; k++) {
    const n = 2e7;
    const t0 = performance.now();
    spin(n);
    rates.push(n / (performance.now() - t0));
  }
  rates.sort((a, b) => a - b);
  return rates[2]!;
}

const rendered = args.render ? (JSON.parse(readFileSync(args.render, 'utf8')) as RenderedResults) : null;
const perMs: number = rendered?.busy_loop_iterations_per_ms ?? iterationsPerMs();

/** The problem's true batch likelihood, each point costing an extra `costMs` of fixed work; counts calls. */
function costlyLikelihood(problem: Problem, costMs: number) {
  const work = Math.round(costMs * perMs);
  const counter = { calls: 0 };
  const logLikelihood = (batch: number[][]) => {
    counter.calls += batch.length;
    return batch.map((theta) => {
      if (work > 0) spin(work);
      return problem.logL(theta);
    });
  };
  return { logLikelihood, counter };
}

// ---- one exact and one learned run

interface RunRecord {
  wall_s: number;
  logZ: number;
  logZerr: number;
  true_calls: number;
}

interface LearnedRecord extends RunRecord {
  network_calls: number;
  audit_calls: number;
  trainings: number;
  fallbacks: number;
  stall_s: number;
  training_s: number;
  cost_choice: string | null;
  true_call_ms: number | null;
  /** [true calls when a training started, true calls when its network was checked, held-out error, accepted] per training. */
  swaps: [number, number, number, boolean][];
}

const samplerProblem = (p: Problem) => ({ ndim: p.paramNames.length, priorTransform: p.priorTransform });

type ExactRecord = RunRecord & { result: NestedResult };

async function exactRun(problem: Problem, costMs: number): Promise<ExactRecord> {
  const truth = costlyLikelihood(problem, costMs);
  const t0 = performance.now();
  const result = await nestedSample({ ...samplerProblem(problem), logLikelihood: truth.logLikelihood }, { nlive, seed: problem.samplerSeed, dlogz: DLOGZ });
  return { wall_s: (performance.now() - t0) / 1000, logZ: result.logZ, logZerr: result.logZerr, true_calls: truth.counter.calls, result };
}

async function learnedRun(problem: Problem, costMs: number, options: Partial<LearnedLikelihoodOptions>): Promise<LearnedRecord & { result: NestedResult }> {
  const truth = costlyLikelihood(problem, costMs);
  const t0 = performance.now();
  const learned = new LearnedLikelihood(truth.logLikelihood, { ...problem.learned, ...options, seed: 100 + problem.samplerSeed });
  const result = await nestedSample({ ...samplerProblem(problem), logLikelihood: learned.logLikelihood }, { nlive, seed: problem.samplerSeed, dlogz: DLOGZ });
  await learned.dispose();
  const wall_s = (performance.now() - t0) / 1000;
  const stats = learned.stats();
  const timings = learned.timings();
  if (stats.trueCalls !== truth.counter.calls) throw new Error(`learned wrapper counted ${stats.trueCalls} true calls, the likelihood saw ${truth.counter.calls}`);
  return {
    wall_s,
    logZ: result.logZ,
    logZerr: result.logZerr,
    true_calls: stats.trueCalls,
    network_calls: stats.networkCalls,
    audit_calls: stats.auditCalls,
    trainings: stats.trainings,
    fallbacks: stats.fallbacks,
    stall_s: timings.stallSeconds,
    training_s: timings.trainingSeconds,
    cost_choice: stats.costChoice,
    true_call_ms: timings.trueCallMs,
    swaps: learned.events.filter((e) => e.kind === 'trained').map((e) => [e.startedAt, e.trueCalls, e.error, e.passed]),
    result,
  };
}

/** Worst per-parameter Bhattacharyya coefficient between two weighted posteriors. */
function minBc(a: NestedResult, b: NestedResult, names: string[]): { bc: number; parameter: string } {
  const weights = (r: NestedResult) => {
    const max = Math.max(...r.samples.logWeight);
    return r.samples.logWeight.map((w) => Math.exp(w - max));
  };
  const [wa, wb] = [weights(a), weights(b)];
  let worst = { bc: Infinity, parameter: '' };
  names.forEach((parameter, k) => {
    const bc = bhattacharyya({ values: a.samples.theta.map((t) => t[k]!), weights: wa }, { values: b.samples.theta.map((t) => t[k]!), weights: wb });
    if (bc < worst.bc) worst = { bc, parameter };
  });
  return worst;
}

/**
 * The cost from which on the learned run is faster at every grid cost: where the last slower
 * point's wall-time gap crosses zero towards the next, linear in c (the lowest cost when it was
 * never slower; null when it is slower at the highest).
 */
function breakEven(rows: { cost_ms: number; exact: RunRecord; learned: RunRecord }[]): number | null {
  const gap = rows.map((r) => ({ c: r.cost_ms, d: r.learned.wall_s - r.exact.wall_s }));
  const last = gap.map((g) => g.d > 0).lastIndexOf(true);
  if (last === -1) return gap[0]!.c;
  if (last === gap.length - 1) return null;
  const [a, b] = [gap[last]!, gap[last + 1]!];
  return a.c + ((b.c - a.c) * a.d) / (a.d - b.d);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;


/** Least-squares line wall = a + b·c through the measured exact runs, and its largest residual (s, and as a fraction of the largest measured wall). */
function lineFit(points: { c: number; wall: number }[]) {
  const n = points.length;
  const mc = points.reduce((s, p) => s + p.c, 0) / n;
  const mw = points.reduce((s, p) => s + p.wall, 0) / n;
  const b = points.reduce((s, p) => s + (p.c - mc) * (p.wall - mw), 0) / points.reduce((s, p) => s + (p.c - mc) ** 2, 0);
  const a = mw - b * mc;
  const residual = Math.max(...points.map((p) => Math.abs(a + b * p.c - p.wall)));
  return { a_s: a, b_s_per_ms: b, max_residual_s: residual, max_residual_of_largest_wall: residual / Math.max(...points.map((p) => p.wall)) };
}

interface Row {
  cost_ms: number;
  exact: RunRecord & { measured: boolean };
  learned: LearnedRecord;
  wall_ratio: number;
  dlogz: number;
  bc_min: number;
  bc_worst_parameter: string;
  true_calls_saved: number;
}

interface AutoFallback {
  threshold_ms: number | null;
  choices: (string | null)[];
  picked_exact: boolean;
  wall_s_auto_median: number;
  wall_s_exact_median: number;
  wall_ratio: number;
}

interface RenderedResults {
  generated: string;
  machine: { cpus: number; cpu: string | undefined; node: string; memoryGiB: number };
  command: string;
  backend: Awaited<ReturnType<typeof selectBackend>>;
  busy_loop_iterations_per_ms: number;
  models: { model: string; rows: Row[]; auto_fallback: AutoFallback | null }[];
}

const backend = rendered?.backend ?? (await selectBackend());
const started = rendered?.generated ?? new Date().toISOString();
const models = rendered?.models.map((m) => m.model) ?? args.models.split(',');
const state = Object.fromEntries(
  models.map((m) => [m, { problem: PROBLEMS[m]!(), reference: null as ExactRecord | null, measured: [] as { c: number; wall: number }[], rows: [] as Row[], auto: null as AutoFallback | null }]),
);
for (const m of rendered?.models ?? []) {
  const st = state[m.model]!;
  st.rows = m.rows;
  st.auto = m.auto_fallback;
  st.measured = m.rows.filter((r) => r.exact.measured).map((r) => ({ c: r.cost_ms, wall: r.exact.wall_s }));
}
if (!rendered) await measure();
writeResults();

async function measure(): Promise<void> {
  for (const cost of costs) {
    for (const name of models) {
      const st = state[name]!;
      let exact: Row['exact'];
      if (exactMeasured.has(cost)) {
        const run = await exactRun(st.problem, cost);
        const ref = st.reference ?? run;
        if (run.logZ !== ref.logZ || run.true_calls !== ref.true_calls) throw new Error(`${name}: the exact run at c=${cost} differs from c=${costs[0]} (ln Z ${run.logZ} vs ${ref.logZ})`);
        st.reference = ref;
        st.measured.push({ c: cost, wall: run.wall_s });
        exact = { wall_s: run.wall_s, logZ: run.logZ, logZerr: run.logZerr, true_calls: run.true_calls, measured: true };
      } else {
        const fit = lineFit(st.measured);
        const ref = st.reference!;
        exact = { wall_s: fit.a_s + fit.b_s_per_ms * cost, logZ: ref.logZ, logZerr: ref.logZerr, true_calls: ref.true_calls, measured: false };
      }
      // Forced onto the learned path (minTrueCallMs null) so every c measures the method itself.
      const { result, ...learned } = await learnedRun(st.problem, cost, { minTrueCallMs: null, swapAfter });
      const bc = minBc(st.reference!.result, result, st.problem.paramNames);
      const row: Row = {
        cost_ms: cost,
        exact,
        learned,
        wall_ratio: learned.wall_s / exact.wall_s,
        dlogz: learned.logZ - exact.logZ,
        bc_min: bc.bc,
        bc_worst_parameter: bc.parameter,
        true_calls_saved: 1 - learned.true_calls / exact.true_calls,
      };
      st.rows.push(row);
      console.log(`${name} c=${cost} ms: exact ${exact.wall_s.toFixed(2)} s${exact.measured ? '' : ' (fit)'}, learned ${learned.wall_s.toFixed(2)} s, ratio ${row.wall_ratio.toFixed(3)}, true calls ${exact.true_calls} → ${learned.true_calls}, ΔlnZ ${row.dlogz.toFixed(3)}, BC ${bc.bc.toFixed(4)}`);
    }
    writeResults();
  }

  // The cost-aware switch with the product defaults at c = 0, against exact, alternating: medians of repeats.
  for (const name of models) {
    const st = state[name]!;
    const autoWalls: number[] = [];
    const exactWalls: number[] = [];
    const choices = new Set<string | null>();
    for (let r = 0; r < repeats; r++) {
      exactWalls.push((await exactRun(st.problem, 0)).wall_s);
      const auto = await learnedRun(st.problem, 0, {});
      autoWalls.push(auto.wall_s);
      choices.add(auto.cost_choice);
    }
    st.auto = {
      threshold_ms: DEFAULT_LEARNED_LIKELIHOOD.minTrueCallMs,
      choices: [...choices],
      picked_exact: choices.size === 1 && choices.has('exact'),
      wall_s_auto_median: median(autoWalls),
      wall_s_exact_median: median(exactWalls),
      wall_ratio: median(autoWalls) / median(exactWalls),
    };
    console.log(`${name} auto at c=0: ${JSON.stringify(st.auto)}`);
  }
}

function writeResults(): void {
  const perModel = models.map((name) => {
    const { problem, rows, auto, measured } = state[name]!;
    const at100 = rows.find((r) => r.cost_ms === 100);
    const m = {
      model: name,
      parameters: problem.paramNames,
      sampler_seed: problem.samplerSeed,
      learned_settings: problem.learned,
      exact_fit: measured.length >= 2 ? lineFit(measured) : null,
      rows,
      break_even_ms: rows.length ? breakEven(rows) : null,
      wall_ratio_at_100ms: at100?.wall_ratio ?? null,
      auto_fallback: auto,
    };
    const complete = rows.length === costs.length;
    return {
      ...m,
      meets: {
        break_even: m.break_even_ms !== null && m.break_even_ms <= TARGETS.breakEvenMs,
        wall_ratio_at_100ms: m.wall_ratio_at_100ms !== null && m.wall_ratio_at_100ms <= TARGETS.wallRatioAt100ms,
        dlogz: complete && rows.every((r) => Math.abs(r.dlogz) < TARGETS.maxAbsDeltaLogZ),
        bc: complete && rows.every((r) => r.bc_min >= TARGETS.minBc),
        calls_saved: complete && rows.every((r) => r.true_calls_saved >= TARGETS.minCallsSaved),
        auto_fallback: auto !== null && auto.picked_exact && auto.wall_ratio <= TARGETS.autoWallRatio,
      },
    };
  });
  const result = {
    generated: started,
    written: new Date().toISOString(),
    machine: rendered?.machine ?? { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version, memoryGiB: Math.round(os.totalmem() / 2 ** 30) },
    command: rendered?.command ?? `node --import tsx bench/learned-likelihood-cost.ts ${process.argv.slice(2).join(' ')}`.trim(),
    backend,
    nlive,
    dlogz: DLOGZ,
    costs_ms: costs,
    exact_measured_ms: [...exactMeasured],
    busy_loop_iterations_per_ms: perMs,
    swap_after: swapAfter,
    learned_defaults: DEFAULT_LEARNED_LIKELIHOOD,
    targets: TARGETS,
    models: perModel,
  };
  const resultsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');
  mkdirSync(resultsDir, { recursive: true });
  const outBase = path.resolve(resultsDir, args.out);
  writeFileSync(`${outBase}.json`, `${JSON.stringify(result, null, 2)}\n`);

  const f = (x: number | null | undefined, d = 2) => (x === null || x === undefined ? '–' : x.toFixed(d));
  const yes = (ok: boolean) => (ok ? 'met' : '**not met**');
  const md = [
    '# Learned likelihood: wall time against the cost of a true call',
    '',
    `Generated by \`bench/learned-likelihood-cost.ts\` (${result.generated}, written ${result.written}): \`${result.command}\` on ${result.machine.cpus}× ${result.machine.cpu}, Node ${result.machine.node}, tfjs backend ${backend.backend}.`,
    '',
    `Nested sampling with ${nlive} live points, dlogz ${DLOGZ}; exact and learned runs of a model share the sampler seed. Each true call costs an extra c ms of fixed CPU work (a busy loop of ${Math.round(perMs)} iterations per ms, sized on this machine at the start). Learned runs use the product's learned-likelihood defaults (training on a worker thread, swap ${String(swapAfter)}, warm-started retraining, retry after ${retrainAfter} true calls) with the cost-aware switch off, so every c measures the method; the switch is measured on its own at c = 0. Runs go one at a time.`,
    '',
    `Exact wall times are measured at c ∈ {${[...exactMeasured].join(', ')}} ms (the exact run is the same at every c: identical ln Z and call count, checked) and, at the other costs (marked "fit"), taken from the least-squares line a + b·c through those measurements; its largest residual is listed per model. Learned runs are measured at every c.`,
    '',
    'c* is the cost from which on the learned run was faster at every larger grid cost, interpolated linearly in c (the lowest grid cost when it was never slower: at c = 0 the sampler finishes before the first training does, so the learned run is the exact run plus a thread start). The sampler never waits for a training: it goes on with true calls while the network trains (1–3 s a training here), so at small c it makes many of them and saves fewer calls, while the wall time, which is what a user waits for, still drops.',
    '',
    '## Per model and cost',
    '',
    '| model | c (ms) | exact s | learned s | ratio | true calls exact | learned | saved | Δ ln Z | min BC | trainings (accepted) | first accepted at |',
    '| --- | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: |',
    ...perModel.flatMap((m) =>
      m.rows.map((r) => {
        const accepted = r.learned.swaps.filter((s) => s[3]);
        return `| ${m.model} | ${r.cost_ms} | ${f(r.exact.wall_s)}${r.exact.measured ? '' : ' (fit)'} | ${f(r.learned.wall_s)} | ${f(r.wall_ratio, 3)} | ${r.exact.true_calls} | ${r.learned.true_calls} | ${(100 * r.true_calls_saved).toFixed(1)}% | ${f(r.dlogz, 3)} | ${f(r.bc_min, 4)} | ${r.learned.trainings} (${accepted.length}) | ${accepted[0] ? accepted[0][1] : '–'} |`;
      }),
    ),
    '',
    '## Break-even, cost 100 ms and the cost-aware switch',
    '',
    '| model | break-even c* (ms) | wall ratio at 100 ms | exact line: a (s), b (s per ms), largest residual | switch at c = 0 | auto / exact wall at c = 0 (medians) |',
    '| --- | --: | --: | --- | --- | --: |',
    ...perModel.map((m) => {
      const a = m.auto_fallback;
      const fit = m.exact_fit;
      return `| ${m.model} | ${f(m.break_even_ms)} | ${f(m.wall_ratio_at_100ms, 3)} | ${fit ? `${f(fit.a_s, 2)}, ${f(fit.b_s_per_ms, 3)}, ${f(fit.max_residual_s)} s (${(100 * fit.max_residual_of_largest_wall).toFixed(1)}% of the largest measured wall)` : '–'} | ${a ? `${a.choices.join(', ')} (threshold ${a.threshold_ms} ms)` : '–'} | ${a ? `${f(a.wall_s_auto_median, 3)} / ${f(a.wall_s_exact_median, 3)} s = ${f(a.wall_ratio, 3)}` : '–'} |`;
    }),
    '',
    '## Targets',
    '',
    '| model | c* ≤ 2 ms | ratio at 100 ms ≤ 0.5 | \\|Δ ln Z\\| < 0.1 at every c | BC ≥ 0.99 at every c | ≥ 50% calls saved at every c | switch picks exact at c = 0, ≤ 1.1× exact |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...perModel.map((m) => `| ${m.model} | ${yes(m.meets.break_even)} | ${yes(m.meets.wall_ratio_at_100ms)} | ${yes(m.meets.dlogz)} | ${yes(m.meets.bc)} | ${yes(m.meets.calls_saved)} | ${yes(m.meets.auto_fallback)} |`),
    '',
  ];
  writeFileSync(`${outBase}.md`, md.join('\n'));
}
