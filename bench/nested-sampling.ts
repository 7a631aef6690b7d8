/**
 * Nested-sampling benchmark: sciflow against dynesty and UltraNest on problems with known evidence.
 *
 *   bash bench/setup-python.sh                       # once: bench/.venv with the pinned peers
 *   node --import tsx bench/nested-sampling.ts       # all problems, all samplers
 *   node --import tsx bench/nested-sampling.ts --problems gauss-2d,eggbox-2d --peers none
 *
 * Options: --problems a,b,…  --seed N (default 1)  --nlive N (default 500)
 *          --peers dynesty,ultranest | none          (default both, when bench/.venv exists)
 * Writes bench/results/nested-sampling.{md,json}. Every sampler runs with 500 live points; dynesty
 * with bound='multi', sample='auto'; each counts every likelihood evaluation, initial live points
 * included. sciflow's overhead per call is (wall − time inside the likelihood)/ncall, measured
 * after one untimed warm-up run of the same problem (so the JIT has compiled the sampler).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NestedSampler, resolveOptions } from '../lib/sampling/index.ts';
import { correlatedGaussian, eggbox, gaussian, gaussianShells, rosenbrock, type ReferenceProblem } from '../lib/sampling/reference-problems.ts';

const PROBLEMS: Record<string, () => ReferenceProblem> = {
  'gauss-2d': () => gaussian(2),
  'gauss-10d': () => gaussian(10),
  'correlated-3d': correlatedGaussian,
  'shells-2d': () => gaussianShells(2),
  'shells-5d': () => gaussianShells(5),
  'shells-10d': () => gaussianShells(10),
  'eggbox-2d': eggbox,
  'rosenbrock-2d': rosenbrock,
  'gauss-20d': () => gaussian(20),
  'gauss-30d': () => gaussian(30),
};

interface Row {
  problem: string;
  dim: number;
  sampler: string;
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
  note?: string | null;
}

const here = dirname(fileURLToPath(import.meta.url));
const args = parseArgs(process.argv.slice(2));
const problems = (args.problems ?? Object.keys(PROBLEMS).join(',')).split(',');
const seed = Number(args.seed ?? 1);
const nlive = Number(args.nlive ?? 500);
const python = join(here, '.venv/bin/python');
const peers = args.peers === 'none' ? [] : (args.peers ?? 'dynesty,ultranest').split(',');

function parseArgs(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i += 2) out[argv[i].replace(/^--/, '')] = argv[i + 1];
  return out;
}

async function runSciflow(name: string): Promise<Row> {
  const base = PROBLEMS[name]();
  let likelihoodMs = 0;
  const timed: ReferenceProblem = {
    ...base,
    logLikelihood: (batch) => {
      const t = performance.now();
      const values = base.logLikelihood(batch);
      likelihoodMs += performance.now() - t;
      return values;
    },
  };
  if (base.ndim <= 2) {
    const warmUp = new NestedSampler(timed, { nlive, seed: seed + 1000 });
    await warmUp.run();
    warmUp.result();
  }
  likelihoodMs = 0;
  const t0 = performance.now();
  const sampler = new NestedSampler(timed, { nlive, seed });
  await sampler.run();
  const result = sampler.result();
  const wallMs = performance.now() - t0;
  return {
    problem: name,
    dim: base.ndim,
    sampler: 'sciflow',
    logZ: result.logZ,
    logZerr: result.logZerr,
    truth: base.truth,
    z: (result.logZ - base.truth) / result.logZerr,
    ncall: result.ncall,
    wall_s: wallMs / 1000,
    likelihood_s: likelihoodMs / 1000,
    overhead_us_per_call: ((wallMs - likelihoodMs) * 1000) / result.ncall,
    proposal: resolveOptions(base.ndim, { nlive }).proposal,
  };
}

function runPeers(names: string[]): Row[] {
  if (peers.length === 0) return [];
  if (!existsSync(python)) {
    console.warn(`no ${python}: run bash bench/setup-python.sh for the dynesty/UltraNest columns`);
    return [];
  }
  const rows: Row[] = [];
  for (const name of names) {
    for (const peer of peers) {
      // UltraNest's default region sampler (MLFriends) does not finish d = 30 in useful time.
      if (peer === 'ultranest' && PROBLEMS[name]().ndim > 20) continue;
      const out = spawnSync(python, [join(here, 'peers/nested_sampling_peers.py'), '--problems', name, '--samplers', peer, '--nlive', String(nlive), '--seed', String(seed)], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
        maxBuffer: 1 << 24,
      });
      if (out.status !== 0) throw new Error(`${peer} on ${name} failed (exit ${out.status})`);
      for (const r of JSON.parse(out.stdout) as Omit<Row, 'truth' | 'z'>[]) {
        const truth = PROBLEMS[name]().truth;
        rows.push({ ...r, truth, z: (r.logZ - truth) / r.logZerr });
      }
    }
  }
  return rows;
}

function targets(rows: Row[]): string[] {
  const lines: string[] = [];
  for (const name of problems) {
    const ours = rows.find((r) => r.problem === name && r.sampler === 'sciflow')!;
    const dynesty = rows.find((r) => r.problem === name && r.sampler.startsWith('dynesty'));
    const within3 = Math.abs(ours.logZ - ours.truth) <= 3 * ours.logZerr;
    let calls = 'no dynesty run';
    if (dynesty) {
      const limit = ours.dim <= 10 ? 1 : 1.5;
      const ratio = ours.ncall / dynesty.ncall;
      calls = `${ratio.toFixed(3)}× dynesty's calls (target ≤ ${limit}): ${ratio <= limit ? 'met' : 'NOT met'}`;
    }
    const overhead = ours.dim === 2 ? `; overhead ${ours.overhead_us_per_call!.toFixed(1)} µs/call (target ≤ 20): ${ours.overhead_us_per_call! <= 20 ? 'met' : 'NOT met'}` : '';
    lines.push(`| ${name} | ${calls} | ${within3 ? 'met' : 'NOT met'} (z = ${ours.z.toFixed(2)})${overhead} |`);
  }
  return lines;
}

const NOTES = [
  "## Notes",
  "",
  "- One seed per sampler and problem. Over many seeds sciflow's z-scores are centred (test/unit/sampling/nested-calibration.test.ts; 6-seed sweeps during tuning: |mean z| < 1 on every problem up to d = 20; gauss-30d, 2 seeds: −2.8 and −0.4).",
  "- sciflow's ln Z error is √(H/N); dynesty reports a larger error estimate of its own, so equal errors in nats give smaller |z| for dynesty.",
  "- gauss-30d is the one problem on slice proposals (d > 20). Its −2.8σ is within the target but the largest here; with whitening by the full live-point covariance (dynesty's rslice choice) the same run is biased high instead (z ≈ +3, see lib/sampling/nested/proposals/slice.ts).",
  '',
];

function markdown(rows: Row[]): string {
  const fmt = (x: number, digits: number) => (Number.isFinite(x) ? x.toFixed(digits) : String(x));
  const table = rows.map(
    (r) =>
      `| ${r.problem} | ${r.dim} | ${r.sampler}${r.proposal ? ` (${r.proposal})` : ''} | ${fmt(r.logZ, 4)} | ${fmt(r.logZerr, 4)} | ${fmt(r.truth, 4)} | ${fmt(r.logZ - r.truth, 4)} (${fmt(r.z, 2)}σ) | ${r.ncall} | ${fmt(r.wall_s, 2)} | ${r.overhead_us_per_call === undefined ? '' : fmt(r.overhead_us_per_call, 1)} |${r.note ? ` ${r.note}` : ''}`,
  );
  return [
    '# Nested sampling: sciflow vs dynesty vs UltraNest',
    '',
    `Generated by \`node --import tsx bench/nested-sampling.ts\` on ${new Date().toISOString().slice(0, 10)}; ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}.`,
    `${nlive} live points, seed ${seed}. sciflow: defaults (multi-ellipsoid bound, proposal chosen by dimension: uniform for d ≤ 20, slice above; dlogz ${resolveOptions(2, { nlive }).dlogz.toFixed(3)}).`,
    "dynesty 3.1.0: static NestedSampler, bound='multi', sample='auto' (unif below d = 10, rwalk for 10–20, rslice above), default dlogz. UltraNest 4.6.3: ReactiveNestedSampler, min_num_live_points = 500, dlogz = 0.5, no improvement loops (skipped above d = 20).",
    'ncall counts every likelihood evaluation including the initial live points. Overhead = (wall − likelihood time)/ncall, sciflow only.',
    '',
    '| problem | d | sampler | ln Z | ± | truth | error (z) | ncall | wall s | overhead µs/call |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...table,
    '',
    '## Done-when targets (sciflow)',
    '',
    '| problem | likelihood calls | ln Z within 3σ of truth |',
    '|---|---|---|',
    ...targets(rows),
    '',
    ...NOTES,
  ].join('\n');
}

const rows: Row[] = [];
for (const name of problems) {
  if (!PROBLEMS[name]) throw new Error(`unknown problem ${name}; known: ${Object.keys(PROBLEMS).join(', ')}`);
  const row = await runSciflow(name);
  console.log(`sciflow ${name}: logZ ${row.logZ.toFixed(4)} ± ${row.logZerr.toFixed(4)} (truth ${row.truth.toFixed(4)}) ncall ${row.ncall} ${row.wall_s.toFixed(2)} s, overhead ${row.overhead_us_per_call!.toFixed(1)} µs/call`);
  rows.push(row);
}
rows.push(...runPeers(problems));
rows.sort((a, b) => problems.indexOf(a.problem) - problems.indexOf(b.problem));
const resultsDir = join(here, 'results');
mkdirSync(resultsDir, { recursive: true });
writeFileSync(join(resultsDir, 'nested-sampling.json'), JSON.stringify(rows, null, 2) + '\n');
const md = markdown(rows);
writeFileSync(join(resultsDir, 'nested-sampling.md'), md);
console.log(md);
