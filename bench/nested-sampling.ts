/**
 * Nested-sampling benchmark: sciflow against dynesty, UltraNest and nautilus over many seeds, on
 * problems with known evidence.
 *
 *   bash bench/setup-python.sh                       # once: bench/.venv with the pinned peers
 *   node --import tsx bench/nested-sampling.ts       # all problems, all samplers (about an hour)
 *   node --import tsx bench/nested-sampling.ts --problems gauss-2d,loggamma-2d --seeds 3 --peers none
 *   node --import tsx bench/nested-sampling.ts --render   # rescore the saved sciflow rows against the peer rows measured since, no runs
 *       (--render takes --peer-seeds and --peer-seeds-low-d to count peer seeds added to the cache since)
 *
 * Options: --problems a,b,…   --seeds N (sciflow seeds 1…N, default 20; --first-seed K starts at K)   --seeds-low-d M (the same
 *          for d ≤ 3, where runs take ≤ 1 s: more seeds pin the z calibration down; default N)
 *          --peer-seeds M (peer seeds 1…M, default 3)   --peer-seeds-low-d M (the same for d ≤ 3;
 *          default M)   --nlive N (default 500)
 *          --peers dynesty,ultranest,nautilus | none  (default all three, when bench/.venv exists)
 *          --variants default,ins,dyn,learned  (sciflow option sets, see VARIANTS; default all)
 *          --out NAME  (write bench/results/NAME.{md,json}; default nested-sampling; --render reads it)
 *          --peer-cache reuse | refresh | only  (default reuse: peer rows already measured are not
 *          rerun; only: use the measured rows and run no peer)
 * Writes bench/results/nested-sampling.{md,json}, after every problem so a long run keeps what it did.
 *
 * Per problem and sampler the summary gives the mean ncall and the RMS error of ln Z over seeds, and
 * from them the calls at equal precision: mean ncall × (RMS error / 0.1)², the calls an RMS error of
 * 0.1 nats would take if the error fell as 1/√ncall. That puts samplers that stop at different
 * precisions (nautilus runs to ~0.01 nats) on one scale. Targets (issue "Nested sampling II"): that
 * figure over the best peer's ≤ 1 for d ≤ 20; over ≥ 20 seeds, z = (ln Z − truth)/σ with sd in
 * [0.7, 1.4] and |mean| ≤ 0.5; |z| ≤ 3.5 on every run; overhead ≤ 20 µs per call on 2-D problems.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rankTrainer, selectBackend } from '../lib/nn/index.ts';
import { NestedSampler, resolveOptions, type NestedSamplerOptions } from '../lib/sampling/index.ts';
import { correlatedGaussian, eggbox, gaussian, gaussianShells, logGamma, rosenbrock, type ReferenceProblem } from '../lib/sampling/reference-problems.ts';

// Names shared with bench/peers/nested_sampling_peers.py, which defines the same problems.
const PROBLEMS: Record<string, () => ReferenceProblem> = {
  'gauss-2d': () => gaussian(2),
  'gauss-10d': () => gaussian(10),
  'correlated-3d': correlatedGaussian,
  'shells-2d': () => gaussianShells(2),
  'shells-5d': () => gaussianShells(5),
  'shells-10d': () => gaussianShells(10),
  'shells-20d': () => gaussianShells(20),
  'eggbox-2d': eggbox,
  'rosenbrock-2d': rosenbrock,
  'loggamma-2d': () => logGamma(2),
  'loggamma-10d': () => logGamma(10),
  'gauss-20d': () => gaussian(20),
  'gauss-30d': () => gaussian(30),
};

/** sciflow option sets compared, by --variants name: the row label and the overrides of the defaults. */
const VARIANTS: Record<string, { label: string; options: NestedSamplerOptions; minDim?: number; maxDim?: number }> = {
  default: { label: 'sciflow', options: {} },
  // Importance nested sampling: same run, ln Z from every evaluated point (needs uniform proposals).
  ins: { label: 'sciflow-ins', options: { importance: true } },
  // The same, then dynamic allocation: extra draws from the bounds until σ(ln Z) ≤ 0.005. Up to
  // d = 5 only: above, reaching 0.005 takes 1–3 M calls a seed (shells-20d), beyond this bench's hour.
  dyn: { label: 'sciflow-ins-dyn', options: { importance: true, targetLogZerr: 0.005 }, maxDim: 5 },
  // Importance runs with a learned bound (ellipsoids ∩ a rank network, trained on TensorFlow.js).
  // From d = 5: below, draws from the ellipsoids beat the contour more than one time in five, no
  // network is ever trained, and the run is the ins run.
  learned: { label: 'sciflow-ins-learned', options: { importance: true, learnedBound: true }, minDim: 5 },
};

const PEERS = ['dynesty', 'ultranest', 'nautilus'];

const LIMITS = {
  /** RMS error in nats that "calls at equal precision" refers to. */
  precision: 0.1,
  calls_at_equal_precision_ratio: 1,
  /** The calls target applies up to this dimension. */
  calls_max_dim: 20,
  z_sd: [0.7, 1.4] as [number, number],
  z_mean: 0.5,
  max_abs_z: 3.5,
  overhead_us_per_call: 20,
  /** z_sd and z_mean are judged only over at least this many seeds. */
  min_seeds_for_z: 20,
};

/** Problems up to this dimension run in a second or less a seed, so they can afford --seeds-low-d. */
const LOW_D = 3;

interface Settings {
  command: string;
  problems: string[];
  seeds: number;
  /** The first sciflow seed run (default 1), so that a long run can be split over processes and their rows merged. */
  first_seed?: number;
  /** Seeds for problems with d ≤ LOW_D: over 20 seeds mean z is only known to ±0.22. */
  seeds_low_d: number;
  peer_seeds: number;
  /** Peer seeds for d ≤ LOW_D, where a peer run takes seconds to two minutes: the RMS error over 3 seeds is known only to about ±40%. */
  peer_seeds_low_d: number;
  nlive: number;
  peers: string[];
  variants: string[];
  /** reuse: peer rows already in bench/results/nested-sampling-peers.json are not rerun; only: no peer runs at all. */
  peer_cache: 'reuse' | 'refresh' | 'only';
  /** Results go to bench/results/<out>.{md,json}. */
  out: string;
  /** The TensorFlow.js backend of the learned-bound trainings (null: no learned variant ran). */
  tf_backend?: string | null;
  dlogz: number;
  cpu: string;
  node: string;
}

interface Row {
  problem: string;
  dim: number;
  sampler: string;
  seed: number;
  logZ: number;
  logZerr: number;
  truth: number;
  /** (logZ − truth) / logZerr */
  z: number;
  ncall: number;
  wall_s: number;
  likelihood_s: number;
  /** sciflow only: (wall − likelihood time) / ncall, µs. */
  overhead_us_per_call?: number;
  proposal?: string;
  /** Runs that discarded their exploration: the z of the exploration's own estimate, for the record. */
  exploration_z?: number;
  /** nautilus rows: its live points and effective sample size. */
  n_live?: number;
  n_eff?: number;
  note?: string | null;
}

interface Summary {
  problem: string;
  dim: number;
  sampler: string;
  seeds: number;
  ncall_mean: number;
  wall_s_mean: number;
  logZerr_mean: number;
  /** √(mean over seeds of (ln Z − truth)²). */
  rms_error: number;
  /** ncall_mean × (rms_error / 0.1)². */
  calls_at_equal_precision: number;
  z_mean: number;
  /** Sample sd (n − 1); null below 2 seeds. */
  z_sd: number | null;
  max_abs_z: number;
  /** Runs that discarded their exploration: the mean z of the discarded estimate. */
  exploration_z_mean?: number;
  /** sciflow variants: median over seeds. */
  overhead_us_per_call?: number;
}

/** One target: the measured value, the target in words, and met (null where it does not apply). */
interface Check {
  value: number | null;
  target: string;
  met: boolean | null;
  note?: string;
}

interface ProblemTargets {
  problem: string;
  dim: number;
  sampler: string;
  seeds: number;
  best_peer: string | null;
  calls_at_equal_precision_ratio: Check;
  z_sd: Check;
  z_mean: Check;
  /** 2-D problems only. */
  overhead_us_per_call?: Check;
}

interface Targets {
  limits: typeof LIMITS;
  problems: ProblemTargets[];
  /** Over all seeds and problems, per sciflow variant. */
  max_abs_z: (Check & { sampler: string })[];
}

interface Failure {
  problem: string;
  sampler: string;
  seed: number;
  error: string;
}

interface Results {
  generated: string;
  settings: Settings;
  rows: Row[];
  summary: Summary[];
  targets: Targets;
  failures: Failure[];
}

const here = dirname(fileURLToPath(import.meta.url));
const resultsDir = join(here, 'results');
const python = join(here, '.venv/bin/python');

// ---------------------------------------------------------------------------------------------
// Command line

const OPTIONS = ['problems', 'seeds', 'first-seed', 'seeds-low-d', 'peer-seeds', 'peer-seeds-low-d', 'nlive', 'peers', 'variants', 'render', 'peer-cache', 'out'];

/** --key value pairs; a --key followed by another --key (or nothing) is a flag. */
function parseArgs(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i].replace(/^--/, '');
    if (!argv[i].startsWith('--') || !OPTIONS.includes(key)) throw new Error(`unknown option ${argv[i]}; known: --${OPTIONS.join(', --')}`);
    const next = argv[i + 1];
    out[key] = next === undefined || next.startsWith('--') ? 'true' : argv[++i];
  }
  return out;
}

function listArg(value: string | undefined, fallback: string[], known: string[], what: string): string[] {
  if (value === 'none') return [];
  const list = value ? value.split(',') : fallback;
  for (const item of list) if (!known.includes(item)) throw new Error(`unknown ${what} ${item}; known: ${known.join(', ')}`);
  return list;
}

function outName(value: string | undefined): string {
  if (value !== undefined && !/^[a-z0-9-]+$/.test(value)) throw new Error(`--out takes a file stem of a–z, 0–9 and -, got ${value}`);
  return value ?? 'nested-sampling';
}

function positiveInt(value: string | undefined, fallback: number, what: string): number {
  const n = Number(value ?? fallback);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${what} must be a positive integer, got ${value}`);
  return n;
}

function settingsFrom(args: Record<string, string>, argv: string[]): Settings {
  const nlive = positiveInt(args.nlive, 500, 'nlive');
  return {
    command: ['node --import tsx bench/nested-sampling.ts', ...argv].join(' '),
    problems: listArg(args.problems, Object.keys(PROBLEMS), Object.keys(PROBLEMS), 'problem'),
    seeds: positiveInt(args.seeds, 20, 'seeds'),
    first_seed: positiveInt(args['first-seed'], 1, 'first-seed'),
    seeds_low_d: positiveInt(args['seeds-low-d'] ?? args.seeds, 20, 'seeds-low-d'),
    peer_seeds: positiveInt(args['peer-seeds'], 3, 'peer-seeds'),
    peer_seeds_low_d: positiveInt(args['peer-seeds-low-d'] ?? args['peer-seeds'], 3, 'peer-seeds-low-d'),
    nlive,
    peers: listArg(args.peers, PEERS, PEERS, 'peer'),
    variants: listArg(args.variants, Object.keys(VARIANTS), Object.keys(VARIANTS), 'variant'),
    peer_cache: listArg(args['peer-cache'], ['reuse'], ['reuse', 'refresh', 'only'], 'peer-cache mode')[0] as Settings['peer_cache'],
    out: outName(args.out),
    tf_backend: null,
    dlogz: resolveOptions(2, { nlive }).dlogz,
    cpu: cpus()[0]?.model ?? 'unknown CPU',
    node: process.version,
  };
}

// ---------------------------------------------------------------------------------------------
// Runs

/** The problem with its likelihood timed, so overhead = wall − likelihood time can be measured. */
function timedProblem(base: ReferenceProblem): { problem: ReferenceProblem; clock: { ms: number } } {
  const clock = { ms: 0 };
  const problem: ReferenceProblem = {
    ...base,
    logLikelihood: (batch) => {
      const t = performance.now();
      const values = base.logLikelihood(batch);
      clock.ms += performance.now() - t;
      return values;
    },
  };
  return { problem, clock };
}

/** The variant's proposal on this problem, or null where the variant does not run (ins above d = 20, dyn above d = 5, learned below d = 5). */
function variantProposal(dim: number, variant: string, nlive: number): string | null {
  const { minDim = 1, maxDim = Infinity } = VARIANTS[variant];
  if (dim < minDim || dim > maxDim) return null;
  try {
    return resolveOptions(dim, { ...VARIANTS[variant].options, nlive }).proposal;
  } catch {
    return null;
  }
}

async function runSciflow(name: string, variant: string, settings: Settings): Promise<Row[]> {
  const base = PROBLEMS[name]();
  const { label, options } = VARIANTS[variant];
  const proposal = variantProposal(base.ndim, variant, settings.nlive);
  if (proposal === null) {
    console.log(`${label} ${name}: skipped (the variant's options do not apply at d = ${base.ndim})`);
    return [];
  }
  const { problem, clock } = timedProblem(base);
  if (options.learnedBound) {
    settings.tf_backend ??= (await selectBackend()).backend;
    problem.rankTrainer = rankTrainer();
  }
  // 2-D runs take ~0.05 s, so the first would time the JIT compiling the sampler: warm up once
  // (untimed, a seed outside 1…N); later seeds follow earlier ones and run warm.
  if (base.ndim <= 2) {
    const warmUp = new NestedSampler(problem, { ...options, nlive: settings.nlive, seed: 1000 });
    await warmUp.run();
    warmUp.result();
  }
  const rows: Row[] = [];
  const seeds = base.ndim <= LOW_D ? settings.seeds_low_d : settings.seeds;
  for (let seed = settings.first_seed ?? 1; seed <= seeds; seed++) {
    clock.ms = 0;
    const t0 = performance.now();
    const sampler = new NestedSampler(problem, { ...options, nlive: settings.nlive, seed });
    await sampler.run();
    const result = sampler.result();
    const wallMs = performance.now() - t0;
    const row: Row = {
      problem: name,
      dim: base.ndim,
      sampler: label,
      seed,
      logZ: result.logZ,
      logZerr: result.logZerr,
      truth: base.truth,
      z: (result.logZ - base.truth) / result.logZerr,
      ncall: result.ncall,
      wall_s: wallMs / 1000,
      likelihood_s: clock.ms / 1000,
      overhead_us_per_call: ((wallMs - clock.ms) * 1000) / result.ncall,
      proposal,
      ...(result.exploration && { exploration_z: (result.exploration.logZ - base.truth) / result.exploration.logZerr }),
    };
    console.log(`${label} ${name} seed ${seed}: logZ ${row.logZ.toFixed(4)} ± ${row.logZerr.toFixed(4)} (z ${row.z.toFixed(2)}) ncall ${row.ncall} ${row.wall_s.toFixed(2)} s, ${row.overhead_us_per_call!.toFixed(1)} µs/call`);
    rows.push(row);
  }
  return rows;
}

/**
 * Peer rows kept across bench runs (bench/results/nested-sampling-peers.json): a peer's numbers
 * depend only on the peer script, the problem and the seed, not on sciflow's code, and nautilus
 * alone takes minutes per 10–20-D run. `--peer-cache refresh` reruns them all.
 */
const peerCachePath = join(resultsDir, 'nested-sampling-peers.json');
type CachedRow = Row & { nlive: number; measured: string };

function loadPeerCache(): CachedRow[] {
  return existsSync(peerCachePath) ? (JSON.parse(readFileSync(peerCachePath, 'utf8')) as CachedRow[]) : [];
}

/** Whether a cached row is this peer's run of the problem and seed (nautilus ignores --nlive). */
function isPeerRun(r: CachedRow, name: string, peer: string, seed: number, nlive: number): boolean {
  return r.problem === name && r.sampler.startsWith(peer) && r.seed === seed && (peer === 'nautilus' || r.nlive === nlive);
}

function cachedPeerRows(cache: CachedRow[], name: string, peer: string, seed: number, nlive: number): Row[] {
  return cache.filter((r) => isPeerRun(r, name, peer, seed, nlive)).map(({ nlive: _n, measured: _m, ...row }) => row);
}

/** One peer run through the Python script; nautilus ignores --nlive (it runs at its defaults). */
function runPeer(name: string, peer: string, seed: number, nlive: number): Row[] {
  const script = join(here, 'peers/nested_sampling_peers.py');
  const out = spawnSync(python, [script, '--problems', name, '--samplers', peer, '--nlive', String(nlive), '--seed', String(seed)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 24,
  });
  if (out.status !== 0) throw new Error(`exit ${out.status}${out.error ? `: ${out.error.message}` : ''}`);
  const truth = PROBLEMS[name]().truth;
  return (JSON.parse(out.stdout) as Omit<Row, 'truth' | 'z' | 'seed'>[]).map((r) => ({ ...r, seed, truth, z: (r.logZ - truth) / r.logZerr }));
}

function peerSeeds(s: Settings, name: string): number {
  return PROBLEMS[name]().ndim <= LOW_D ? (s.peer_seeds_low_d ?? s.peer_seeds) : s.peer_seeds;
}

/** All peer runs of one problem; a failed run is recorded and skipped, so one peer cannot sink the hour. */
function runPeers(name: string, settings: Settings, failures: Failure[], cache: CachedRow[]): Row[] {
  const rows: Row[] = [];
  for (const peer of settings.peers) {
    // UltraNest's default region sampler (MLFriends) does not finish d = 30 in useful time.
    if (peer === 'ultranest' && PROBLEMS[name]().ndim > 20) continue;
    for (let seed = 1; seed <= peerSeeds(settings, name); seed++) {
      const cached = settings.peer_cache === 'refresh' ? [] : cachedPeerRows(cache, name, peer, seed, settings.nlive);
      if (cached.length > 0 || settings.peer_cache === 'only') {
        rows.push(...cached);
        continue;
      }
      try {
        const fresh = runPeer(name, peer, seed, settings.nlive);
        rows.push(...fresh);
        const measured = new Date().toISOString().slice(0, 10);
        const kept = cache.filter((r) => !isPeerRun(r, name, peer, seed, settings.nlive));
        cache.splice(0, cache.length, ...kept, ...fresh.map((r) => ({ ...r, nlive: settings.nlive, measured })));
        writeFileSync(peerCachePath, JSON.stringify(cache, null, 1) + '\n');
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        console.warn(`${peer} on ${name}, seed ${seed} failed: ${message}`);
        failures.push({ problem: name, sampler: peer, seed, error: message });
      }
    }
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Statistics

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

function sampleSd(xs: number[]): number | null {
  if (xs.length < 2) return null;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

const isSciflow = (sampler: string) => sampler.startsWith('sciflow');

/** Per problem and sampler, in the order the rows came. */
function summarise(rows: Row[]): Summary[] {
  const groups = new Map<string, Row[]>();
  for (const r of rows) {
    const key = `${r.problem}\u0000${r.sampler}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(r);
  }
  return [...groups.values()].map((group) => {
    const { problem, dim, sampler } = group[0];
    const ncallMean = mean(group.map((r) => r.ncall));
    const rmsError = Math.sqrt(mean(group.map((r) => (r.logZ - r.truth) ** 2)));
    const z = group.map((r) => r.z);
    const overheads = group.flatMap((r) => (r.overhead_us_per_call === undefined ? [] : [r.overhead_us_per_call]));
    return {
      problem,
      dim,
      sampler,
      seeds: group.length,
      ncall_mean: ncallMean,
      wall_s_mean: mean(group.map((r) => r.wall_s)),
      logZerr_mean: mean(group.map((r) => r.logZerr)),
      rms_error: rmsError,
      calls_at_equal_precision: ncallMean * (rmsError / LIMITS.precision) ** 2,
      z_mean: mean(z),
      z_sd: sampleSd(z),
      max_abs_z: Math.max(...z.map(Math.abs)),
      ...(isSciflow(sampler) && overheads.length > 0 && { overhead_us_per_call: median(overheads) }),
      ...(group.every((r) => r.exploration_z !== undefined) && { exploration_z_mean: mean(group.map((r) => r.exploration_z!)) }),
    };
  });
}

function check(value: number | null, target: string, met: boolean | null, note?: string): Check {
  return { value, target, met, ...(note && { note }) };
}

/** z_sd and z_mean need enough seeds to mean anything: met is null below LIMITS.min_seeds_for_z. */
function zChecks(s: Summary): { z_sd: Check; z_mean: Check } {
  const few = s.seeds < LIMITS.min_seeds_for_z ? `${s.seeds} seeds < ${LIMITS.min_seeds_for_z}` : undefined;
  const [lo, hi] = LIMITS.z_sd;
  const sdMet = s.z_sd === null ? null : s.z_sd >= lo && s.z_sd <= hi;
  return {
    z_sd: check(s.z_sd, `in [${lo}, ${hi}]`, few ? null : sdMet, few),
    z_mean: check(s.z_mean, `|·| ≤ ${LIMITS.z_mean}`, few ? null : Math.abs(s.z_mean) <= LIMITS.z_mean, few),
  };
}

function callsCheck(s: Summary, best: Summary | undefined): Check {
  const target = `≤ ${LIMITS.calls_at_equal_precision_ratio} (d ≤ ${LIMITS.calls_max_dim})`;
  if (!best) return check(null, target, null, 'no peer runs');
  const ratio = s.calls_at_equal_precision / best.calls_at_equal_precision;
  if (s.dim > LIMITS.calls_max_dim) return check(ratio, target, null, `no target above d = ${LIMITS.calls_max_dim}`);
  return check(ratio, target, ratio <= LIMITS.calls_at_equal_precision_ratio);
}

function targets(summary: Summary[], rows: Row[]): Targets {
  const problems: ProblemTargets[] = [];
  for (const s of summary.filter((x) => isSciflow(x.sampler))) {
    // The best peer is the one needing the fewest calls for the same precision.
    const peers = summary.filter((x) => x.problem === s.problem && !isSciflow(x.sampler));
    const best = peers.reduce<Summary | undefined>((b, x) => (b && b.calls_at_equal_precision <= x.calls_at_equal_precision ? b : x), undefined);
    problems.push({
      problem: s.problem,
      dim: s.dim,
      sampler: s.sampler,
      seeds: s.seeds,
      best_peer: best?.sampler ?? null,
      calls_at_equal_precision_ratio: callsCheck(s, best),
      ...zChecks(s),
      ...(s.dim === 2 && s.overhead_us_per_call !== undefined && {
        overhead_us_per_call: check(s.overhead_us_per_call, `≤ ${LIMITS.overhead_us_per_call}`, s.overhead_us_per_call <= LIMITS.overhead_us_per_call),
      }),
    });
  }
  const samplers = [...new Set(rows.map((r) => r.sampler).filter(isSciflow))];
  const maxAbsZ = samplers.map((sampler) => {
    const value = Math.max(...rows.filter((r) => r.sampler === sampler).map((r) => Math.abs(r.z)));
    return { sampler, ...check(value, `≤ ${LIMITS.max_abs_z}`, value <= LIMITS.max_abs_z) };
  });
  return { limits: LIMITS, problems, max_abs_z: maxAbsZ };
}

function results(settings: Settings, rows: Row[], failures: Failure[]): Results {
  const summary = summarise(rows);
  return { generated: new Date().toISOString(), settings, rows, summary, targets: targets(summary, rows), failures };
}

// ---------------------------------------------------------------------------------------------
// Markdown

const fmt = (x: number | null | undefined, digits: number) => (x === null || x === undefined ? '—' : Number.isFinite(x) ? x.toFixed(digits) : String(x));

function verdict(c: Check | undefined, digits: number): string {
  if (!c) return '';
  const state = c.met === null ? `n/a${c.note ? ` (${c.note})` : ''}` : c.met ? 'met' : '**NOT met**';
  return `${fmt(c.value, digits)}: ${state}`;
}

function header(r: Results): string[] {
  const s = r.settings;
  const variants = s.variants.map((v) => `${VARIANTS[v].label} (${v === 'default' ? 'defaults' : JSON.stringify(VARIANTS[v].options)})`).join(', ');
  return [
    '# Nested sampling: sciflow vs dynesty, UltraNest and nautilus',
    '',
    `Generated by \`${s.command}\` on ${r.generated.slice(0, 10)}; ${s.cpu}, Node ${s.node}${s.tf_backend ? `, tfjs backend ${s.tf_backend} (learned-bound trainings; their time counts in the overhead)` : ''}.`,
    `sciflow: seeds 1–${s.seeds} per variant (1–${s.seeds_low_d ?? s.seeds} for d ≤ ${LOW_D}): ${variants}; ${s.nlive} live points, multi-ellipsoid bound, proposal by dimension (uniform for d ≤ 20, slice above), dlogz ${s.dlogz.toFixed(3)}.`,
    `Peers (${s.peers.length ? s.peers.join(', ') : 'none'}): seeds 1–${s.peer_seeds} (1–${s.peer_seeds_low_d ?? s.peer_seeds} for d ≤ ${LOW_D}). dynesty: static NestedSampler, ${s.nlive} live points, bound='multi', sample='auto', default dlogz. UltraNest: ReactiveNestedSampler, min_num_live_points = ${s.nlive}, dlogz = 0.5, no improvement loops, skipped above d = 20. nautilus: its defaults (2000 live points, stops at N_eff = 10⁴), σ = 1/√N_eff as its FAQ gives it. Peer rows come from bench/results/nested-sampling-peers.json (measured once per problem, peer and seed; each row there carries its date; peer-cache mode this run: ${s.peer_cache}); the seeds actually present are in the summary's seeds column.`,
    'ncall counts every likelihood evaluation including the initial live points. Overhead = (wall − likelihood time)/ncall, sciflow only, median over seeds.',
    `Calls at equal precision = mean ncall × (RMS over seeds of (ln Z − truth) / ${LIMITS.precision})²: the calls for an RMS error of ${LIMITS.precision} nats if the error falls as 1/√ncall. z = (ln Z − truth)/σ with each sampler's own σ.`,
    '',
  ];
}

function targetTables(t: Targets): string[] {
  const L = t.limits;
  return [
    '## Targets (sciflow)',
    '',
    `| problem | d | sampler | best peer | calls_at_equal_precision_ratio (≤ ${L.calls_at_equal_precision_ratio}, d ≤ ${L.calls_max_dim}) | z_sd (in [${L.z_sd.join(', ')}]) | z_mean (\\|·\\| ≤ ${L.z_mean}) | overhead_us_per_call (≤ ${L.overhead_us_per_call}, d = 2) |`,
    '|---|---|---|---|---|---|---|---|',
    ...t.problems.map(
      (p) =>
        `| ${p.problem} | ${p.dim} | ${p.sampler} | ${p.best_peer ?? '—'} | ${verdict(p.calls_at_equal_precision_ratio, 3)} | ${verdict(p.z_sd, 2)} | ${verdict(p.z_mean, 2)} | ${verdict(p.overhead_us_per_call, 1)} |`,
    ),
    '',
    `| sampler | max_abs_z over all seeds and problems (≤ ${L.max_abs_z}) |`,
    '|---|---|',
    ...t.max_abs_z.map((m) => `| ${m.sampler} | ${verdict(m, 2)} |`),
    '',
  ];
}

function summaryTables(r: Results): string[] {
  const lines = ['## Summary per problem', ''];
  for (const problem of r.settings.problems) {
    const group = r.summary.filter((s) => s.problem === problem);
    if (group.length === 0) continue;
    const truth = r.rows.find((row) => row.problem === problem)!.truth;
    lines.push(
      `### ${problem} (d = ${group[0].dim}, ln Z = ${truth.toPrecision(7)})`,
      '',
      '| sampler | seeds | ncall mean | wall s mean | mean σ | RMS error | calls at equal precision | z mean | z sd | max \\|z\\| | overhead µs/call |',
      '|---|---|---|---|---|---|---|---|---|---|---|',
      ...group.map(
        (s) =>
          `| ${s.sampler} | ${s.seeds} | ${fmt(s.ncall_mean, 0)} | ${fmt(s.wall_s_mean, 2)} | ${fmt(s.logZerr_mean, 4)} | ${fmt(s.rms_error, 4)} | ${fmt(s.calls_at_equal_precision, 0)} | ${fmt(s.z_mean, 2)} | ${fmt(s.z_sd, 2)} | ${fmt(s.max_abs_z, 2)} | ${fmt(s.overhead_us_per_call, 1)} |`,
      ),
      '',
      ...group.flatMap((s) =>
        s.exploration_z_mean === undefined ? [] : [`${s.sampler} discards its exploration; the exploration's own estimate had z mean ${fmt(s.exploration_z_mean, 2)}.`, ''],
      ),
    );
  }
  return lines;
}

function rowTable(r: Results): string[] {
  return [
    '## Per-seed runs',
    '',
    `<details><summary>${r.rows.length} runs</summary>`,
    '',
    '| problem | d | sampler | seed | ln Z | ± | error (z) | ncall | wall s | overhead µs/call | note |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...r.rows.map(
      (x) =>
        `| ${x.problem} | ${x.dim} | ${x.sampler}${x.proposal ? ` (${x.proposal})` : ''} | ${x.seed} | ${fmt(x.logZ, 4)} | ${fmt(x.logZerr, 4)} | ${fmt(x.logZ - x.truth, 4)} (${fmt(x.z, 2)}σ) | ${x.ncall} | ${fmt(x.wall_s, 2)} | ${fmt(x.overhead_us_per_call, 1)} | ${x.note ?? ''} |`,
    ),
    '',
    '</details>',
    '',
  ];
}

function failureList(r: Results): string[] {
  if (r.failures.length === 0) return [];
  return ['## Failed peer runs', '', ...r.failures.map((f) => `- ${f.sampler} on ${f.problem}, seed ${f.seed}: ${f.error}`), ''];
}

const NOTES = [
  '## Notes',
  '',
  '- Peers run fewer seeds than sciflow (nautilus takes 0.5–11 min a run here), so their RMS errors, and with them the calls at equal precision, are the noisier side of each ratio; where a peer has one seed its RMS is that one error. The seeds column of each summary says how many there are.',
  "- sciflow's ln Z error is √(H/N); the importance variants quote the stratified standard error of the importance weights together with the Monte Carlo error of the bound volumes (lib/sampling/nested/importance.ts). The peers report their own estimates (nautilus: 1/√N_eff), so z-scores compare calibration, not accuracy.",
  '- sciflow-ins is the same run as sciflow (same points and calls) with ln Z from every evaluated point; it needs uniform proposals, so it is skipped above d = 20. sciflow-ins-dyn continues that run with extra draws from its bounds until σ(ln Z) ≤ 0.005 (dynamic allocation), run up to d = 5. sciflow-ins-learned is an importance run with a learned bound (ellipsoids ∩ a rank network trained on TensorFlow.js), run from d = 5; its runs differ from the others once the first network is trained, and it discards its exploration: ln Z comes from fresh draws from its final bounds (by posterior share), made until σ(ln Z) matches the exploration\'s own, whose z is listed beside.',
  '- Overheads are medians over seeds and include the importance post-processing and, for sciflow-ins-learned, the network trainings. sciflow runs go one at a time, but another job may have had the second core, so wall times and overheads are indicative.',
  '',
];

function markdown(r: Results): string {
  return [...header(r), ...targetTables(r.targets), ...summaryTables(r), ...rowTable(r), ...failureList(r), ...NOTES].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Main

function write(r: Results): string {
  mkdirSync(resultsDir, { recursive: true });
  // Results saved before --out existed have no settings.out: the default stem.
  const stem = outName(r.settings.out);
  writeFileSync(join(resultsDir, `${stem}.json`), JSON.stringify(r, null, 2) + '\n');
  const md = markdown(r);
  writeFileSync(join(resultsDir, `${stem}.md`), md);
  return md;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const args = parseArgs(argv);
  if (args.render) {
    // Rescore the saved sciflow rows against the peer rows measured since (peer cache), no runs.
    const saved = JSON.parse(readFileSync(join(resultsDir, `${outName(args.out)}.json`), 'utf8')) as Results;
    // Peer seeds may be raised at render time: the peer rows measured since are in the cache.
    if (args['peer-seeds']) saved.settings.peer_seeds = positiveInt(args['peer-seeds'], 3, 'peer-seeds');
    if (args['peer-seeds-low-d']) saved.settings.peer_seeds_low_d = positiveInt(args['peer-seeds-low-d'], 3, 'peer-seeds-low-d');
    const cache = loadPeerCache();
    const peerRows = saved.settings.problems.flatMap((name) =>
      saved.settings.peers.flatMap((peer) => Array.from({ length: peerSeeds(saved.settings, name) }, (_, i) => cachedPeerRows(cache, name, peer, i + 1, saved.settings.nlive)).flat()),
    );
    const rows = [...saved.rows.filter((r) => isSciflow(r.sampler)), ...peerRows];
    rows.sort((a, b) => saved.settings.problems.indexOf(a.problem) - saved.settings.problems.indexOf(b.problem));
    console.log(write({ ...results(saved.settings, rows, saved.failures), generated: saved.generated }));
    return;
  }
  const settings = settingsFrom(args, argv);
  // Peer rows from the cache alone (--peer-cache only) need no Python.
  if (settings.peers.length > 0 && settings.peer_cache !== 'only' && !existsSync(python)) {
    console.warn(`no ${python}: run bash bench/setup-python.sh for the peer columns`);
    settings.peers = [];
  }
  const rows: Row[] = [];
  const failures: Failure[] = [];
  const cache = loadPeerCache();
  let md = '';
  for (const name of settings.problems) {
    for (const variant of settings.variants) rows.push(...(await runSciflow(name, variant, settings)));
    rows.push(...runPeers(name, settings, failures, cache));
    md = write(results(settings, rows, failures));
  }
  console.log(md);
}

await main();
