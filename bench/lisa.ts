/**
 * LISA benchmark: both LISA pipelines end to end through the real CLI and engine (embedded Temporal
 * dev server, in-process worker) in a throw-away SCIFLOW_HOME and run store, with their default
 * (demo-sized) configs, then the science read back from the run store:
 *
 * - lisa-mbhb: BC per parameter and C2ST between SNL and the nested-sampling reference, and the
 *   simulator calls of SNL against the reference's likelihood calls (targets: BC ≥ 0.95 on every
 *   parameter with ≤ 2 % of the calls; stretch 1 %, measured in a second run with 3 × 100 simulations);
 * - lisa-gas-torque: per variability level, the largest |bias| (in posterior σ) and how many truths
 *   fall outside the 90 % interval, binary against torque parameters.
 *
 *   node --import tsx bench/lisa.ts
 *
 * Writes bench/results/lisa.json and bench/results/lisa.md.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Json } from '../lib/engine/types.ts';
import { tableRows } from '../lib/store/parquet.ts';
import { RunStore } from '../lib/store/run-store.ts';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const resultsDir = path.join(root, 'bench', 'results');
const TARGETS = { minBc: 0.95, maxCallFraction: 0.02, stretchCallFraction: 0.01, maxWallSeconds: 600 };
const STRETCH = ['snl.rounds=3', 'snl.simulationsPerRound=93'];

const tmp = mkdtempSync(path.join(os.tmpdir(), 'sciflow-lisa-'));
const env: NodeJS.ProcessEnv = { ...process.env, SCIFLOW_HOME: path.join(tmp, 'state'), SCIFLOW_STORE: path.join(tmp, 'runs') };
delete env.TEMPORAL_ADDRESS;
const store = new RunStore(env.SCIFLOW_STORE!);

/** `sciflow run <pipeline> --json [--set …]`: the run id and the CLI's wall time. */
function cliRun(pipeline: string, sets: string[] = []): { runId: string; wallSeconds: number } {
  const args = ['bin/sciflow.js', 'run', pipeline, '--json', ...sets.flatMap((s) => ['--set', s])];
  const t0 = performance.now();
  const cli = spawnSync(process.execPath, args, { cwd: root, env, encoding: 'utf8', maxBuffer: 64 << 20 });
  const wallSeconds = (performance.now() - t0) / 1000;
  if (cli.status !== 0) {
    console.error(cli.stdout, cli.stderr);
    throw new Error(`sciflow run ${pipeline} exited with ${cli.status}`);
  }
  return { runId: (JSON.parse(cli.stdout) as { runId: string }).runId, wallSeconds };
}

async function stages(runId: string) {
  const manifest = (await store.readManifest(runId))!;
  const stage = (name: string) => manifest.stages.find((s) => s.name === name)!;
  return {
    manifest,
    summary: (name: string) => (stage(name).summary?.[0] ?? {}) as { [key: string]: Json },
    artifact: (name: string, output: string) => store.get(stage(name).outputs!.branches[0]![output]!),
  };
}

async function mbhbRun(sets: string[]) {
  const { runId, wallSeconds } = cliRun('lisa-mbhb', sets);
  const run = await stages(runId);
  const rows = tableRows(await run.artifact('compare', 'comparison'));
  const bc = Object.fromEntries(rows.filter((r) => r.metric === 'bhattacharyya').map((r) => [String(r.parameter), Number(r.value)]));
  const referenceCalls = Number(run.summary('reference').ncall);
  const simulatorCalls = Number(run.summary('snl').simulator_calls);
  return {
    runId,
    config: run.manifest.config.snl as Json,
    bc,
    bc_min: Math.min(...Object.values(bc)),
    c2st: Number(run.summary('compare').c2stAccuracy),
    simulator_calls: simulatorCalls,
    reference_calls: referenceCalls,
    call_fraction: simulatorCalls / referenceCalls,
    reference_s: Number(run.summary('reference').wall_s),
    stage_seconds: Object.fromEntries(run.manifest.stages.map((s) => [s.name, (s.durationMs ?? 0) / 1000])),
    wall_s: wallSeconds,
  };
}

try {
  const mbhb = await mbhbRun([]);
  // A second noise realisation and SNL seed, and the stretch budget (3 × 93 = 279 ≤ 1 % of ~27.9k), on both.
  const replica = await mbhbRun(['seed=43']);
  const stretch = await mbhbRun(STRETCH);
  const stretchReplica = await mbhbRun([...STRETCH, 'seed=43']);

  const torqueCli = cliRun('lisa-gas-torque');
  const torqueRun = await stages(torqueCli.runId);
  const bias = tableRows(await torqueRun.artifact('bias', 'bias'));
  const levels = [...new Set(bias.map((r) => Number(r.variability)))].sort((a, b) => a - b);
  const byLevel = levels.map((variability) => {
    const at = bias.filter((r) => Number(r.variability) === variability);
    const group = (g: string) => {
      const rows = at.filter((r) => r.group === g);
      const worst = rows.reduce((a, b) => (Math.abs(Number(b.bias_sigma)) > Math.abs(Number(a.bias_sigma)) ? b : a));
      return {
        max_abs_bias: Math.abs(Number(worst.bias_sigma)),
        worst_parameter: String(worst.parameter),
        median_abs_bias: median(rows.map((r) => Math.abs(Number(r.bias_sigma)))),
        outside_90: rows.filter((r) => !r.inside_interval).length,
        total: rows.length,
      };
    };
    return { variability, binary: group('binary'), torque: group('torque') };
  });
  const binaryAlwaysInside = byLevel.every((l) => l.binary.outside_90 === 0);
  const torqueGrows = byLevel.every((l, i) => i === 0 || l.torque.median_abs_bias >= byLevel[i - 1]!.torque.median_abs_bias);
  const torque = {
    runId: torqueCli.runId,
    config: torqueRun.manifest.config as Json,
    levels: byLevel,
    binary_inside_90_at_every_level: binaryAlwaysInside,
    torque_bias_grows_with_variability: torqueGrows,
    wall_s: torqueCli.wallSeconds,
  };

  const result = {
    host: { cpus: os.cpus().length, node: process.version, platform: `${os.platform()} ${os.arch()}` },
    targets: TARGETS,
    // The headline (default-config) MBHB figures at top level, as the issue asks.
    bc: mbhb.bc,
    bc_min: mbhb.bc_min,
    simulator_calls: mbhb.simulator_calls,
    reference_calls: mbhb.reference_calls,
    call_fraction: mbhb.call_fraction,
    mbhb,
    mbhb_seed43: replica,
    mbhb_stretch: stretch,
    mbhb_stretch_seed43: stretchReplica,
    gas_torque: torque,
  };
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(path.join(resultsDir, 'lisa.json'), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(path.join(resultsDir, 'lisa.md'), markdown(result));
  console.log(markdown(result));
} finally {
  spawnSync(process.execPath, ['bin/sciflow.js', 'server', 'stop'], { cwd: root, env, encoding: 'utf8' });
  rmSync(tmp, { recursive: true, force: true });
}

function pass(m: { bc_min: number; call_fraction: number }, maxFraction: number): boolean {
  return m.bc_min >= TARGETS.minBc && m.call_fraction <= maxFraction;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

function markdown(r: {
  host: { cpus: number; node: string; platform: string };
  mbhb: Awaited<ReturnType<typeof mbhbRun>>;
  mbhb_seed43: Awaited<ReturnType<typeof mbhbRun>>;
  mbhb_stretch: Awaited<ReturnType<typeof mbhbRun>>;
  mbhb_stretch_seed43: Awaited<ReturnType<typeof mbhbRun>>;
  gas_torque: { levels: { variability: number; binary: Record<string, Json>; torque: Record<string, Json> }[]; binary_inside_90_at_every_level: boolean; torque_bias_grows_with_variability: boolean; wall_s: number };
}): string {
  const yes = (ok: boolean) => (ok ? 'holds' : '**does not hold**');
  const mbhbRow = (label: string, m: Awaited<ReturnType<typeof mbhbRun>>) =>
    `| ${label} | ${m.simulator_calls} | ${m.reference_calls} | ${(100 * m.call_fraction).toFixed(2)} % | ${Object.values(m.bc).map((v) => v.toFixed(3)).join(' / ')} | ${m.bc_min.toFixed(3)} | ${m.c2st.toFixed(3)} | ${m.wall_s.toFixed(0)} s |`;
  const g = r.gas_torque;
  const top = g.levels[g.levels.length - 1]!;
  const firstBinaryMiss = g.levels.find((l) => Number(l.binary.outside_90) > 0);
  return [
    '# LISA pipelines',
    '',
    `Measured with \`node --import tsx bench/lisa.ts\` on ${r.host.cpus} CPUs (${r.host.platform}, Node ${r.host.node}): every run is the real`,
    '`sciflow run` CLI with an embedded Temporal dev server and in-process worker, default configs unless noted.',
    '',
    '## lisa-mbhb: SNL vs nested sampling on the exact likelihood',
    '',
    'Source: 10⁶ M☉ (source frame), q = 0.5, z = 1, last year of inspiral to the ISCO, 256 log-spaced bins, 4-year',
    'confusion noise, one noise realisation (seed 42); SNR ≈ 1480. Priors: injection ± 10 Fisher σ. Reference:',
    'nested sampling, 1000 live points. SNL: score-compressed data (Δθ̂ = F⁻¹ (∂h | d − h(θ*)) at the prior centre).',
    '',
    '| run | SNL simulations | reference likelihood calls | fraction | BC chirp_mass / q / D_L / t_c / φ_c | BC min | C2ST | CLI wall |',
    '|---|---|---|---|---|---|---|---|',
    mbhbRow('default (4 rounds × 125), seed 42', r.mbhb),
    mbhbRow('default, seed 43', r.mbhb_seed43),
    mbhbRow('stretch (3 rounds × 93), seed 42', r.mbhb_stretch),
    mbhbRow('stretch, seed 43', r.mbhb_stretch_seed43),
    '',
    'The seed sets the noise realisation and every sampler; a run with the same seed reuses the cached reference.',
    '',
    `- BC ≥ ${TARGETS.minBc} on every parameter with ≤ 2 % of the calls (default run, seed 42; the headline figures in lisa.json): ${yes(pass(r.mbhb, TARGETS.maxCallFraction))}; seed 43: ${yes(pass(r.mbhb_seed43, TARGETS.maxCallFraction))}.`,
    `- Stretch, ≤ 1 %: seed 42 ${yes(pass(r.mbhb_stretch, TARGETS.stretchCallFraction))}; seed 43 ${yes(pass(r.mbhb_stretch_seed43, TARGETS.stretchCallFraction))}.`,
    `- Default CLI run within ${TARGETS.maxWallSeconds} s: ${yes(r.mbhb.wall_s <= TARGETS.maxWallSeconds)}.`,
    '',
    '## lisa-gas-torque: bias of constant-torque recoveries against torque variability',
    '',
    'IMRI 10⁵ M☉, q = 0.01, z = 0.3, Ā = 1e-4, n_r = 2, OU correlation time 0.1 T_obs; zero-noise injections,',
    'two OU realisations per level; bias = (posterior median − truth) / posterior σ.',
    '',
    '| variability σ | binary: max \\|bias\\| (parameter) | binary: median \\|bias\\| | binary outside 90 % | torque: max \\|bias\\| (parameter) | torque: median \\|bias\\| | torque outside 90 % |',
    '|---|---|---|---|---|---|---|',
    ...g.levels.map(
      (l) =>
        `| ${l.variability} | ${Number(l.binary.max_abs_bias).toFixed(2)} (${l.binary.worst_parameter}) | ${Number(l.binary.median_abs_bias).toFixed(2)} | ${l.binary.outside_90}/${l.binary.total} | ${Number(l.torque.max_abs_bias).toFixed(2)} (${l.torque.worst_parameter}) | ${Number(l.torque.median_abs_bias).toFixed(2)} | ${l.torque.outside_90}/${l.torque.total} |`,
    ),
    '',
    `- Binary parameters inside their 90 % intervals at every level: ${yes(g.binary_inside_90_at_every_level)}.`,
    `- Torque-parameter bias grows with variability: ${yes(g.torque_bias_grows_with_variability)}.`,
    `- At the largest level the median |bias| of the torque parameters is ${(Number(top.torque.median_abs_bias) / Number(top.binary.median_abs_bias)).toFixed(1)}× that of the binary parameters.`,
    firstBinaryMiss
      ? `- Binary parameters first leave their 90 % intervals at σ = ${firstBinaryMiss.variability} (worst: ${firstBinaryMiss.binary.worst_parameter}); the seed paper found them inside at every level, so this model does not reproduce that part of its finding.`
      : '- Binary parameters stay inside their 90 % intervals at every level, as in the seed paper.',
    `- CLI wall time: ${g.wall_s.toFixed(0)} s (target ≤ ${TARGETS.maxWallSeconds} s): ${yes(g.wall_s <= TARGETS.maxWallSeconds)}.`,
    '',
  ].join('\n');
}
