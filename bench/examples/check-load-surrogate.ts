/**
 * Checks bench/examples/load_surrogate.py — a surrogate loaded and evaluated with numpy and pyarrow
 * alone — against sciflow's own predictions from the same stored network table.
 *
 *   bash bench/setup-python.sh                                  # once: bench/.venv with numpy and pyarrow
 *   node --import tsx bench/examples/check-load-surrogate.ts    # a small PCA surrogate trained here
 *   node --import tsx bench/examples/check-load-surrogate.ts --artifact runs/<runId>/surrogate/surrogate.parquet
 *
 * Without --artifact it trains a small deep ensemble with PCA outputs on a smooth 3 → 40 function
 * and writes it with the run store, as the trainSurrogate activity does. Both sides predict at 8
 * inputs drawn within ±2 σ of the training inputs' means; the largest difference, in units of each
 * output's training σ, must stay below 1e-4 (sciflow computes in float32, the script in float64).
 * Writes bench/results/load-surrogate.json and .md; exits 1 when they disagree.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { selectBackend } from '../../lib/nn/backend.ts';
import { surrogateFromTable, surrogateToTable } from '../../lib/nn/network-table.ts';
import { fitSurrogate, Surrogate } from '../../lib/nn/surrogate.ts';
import { Rng } from '../../lib/random.ts';
import { parquetToTable } from '../../lib/store/parquet.ts';
import { RunStore } from '../../lib/store/run-store.ts';

const here = dirname(fileURLToPath(import.meta.url));
const args: Record<string, string> = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i]!.replace(/^--/, '')] = process.argv[i + 1]!;
const python = args.python ?? join(here, '../.venv/bin/python');
const TOLERANCE = 1e-4;

/** A smooth vector function: a Gaussian absorption line on a sloped continuum, 40 outputs. */
const line = ([depth, centre, width]: number[]) =>
  Array.from({ length: 40 }, (_, i) => 1 + 0.5 * (i / 39) - (0.2 + 0.6 * depth!) * Math.exp(-0.5 * ((i / 39 - 0.2 - 0.6 * centre!) / (0.05 + 0.1 * width!)) ** 2));

/** The artifact to check: the one given, or a freshly trained surrogate in a throw-away store. */
async function artifactPath(scratch: string): Promise<string> {
  if (args.artifact) return args.artifact;
  const rng = Rng.fromSeed(1);
  const inputs = Array.from({ length: 1000 }, () => [rng.uniform(), rng.uniform(), rng.uniform()]);
  const { surrogate } = await fitSurrogate(inputs, inputs.map(line), { hiddenUnits: [32, 32], pcaComponents: 6, ensembleSize: 3, epochs: 30, seed: 2 });
  const store = new RunStore(scratch);
  const ref = await store.put('check', ['surrogate', 'surrogate'], surrogateToTable(surrogate.serialize()));
  surrogate.dispose();
  return store.resolveUri(ref.uri);
}

const backend = await selectBackend();
const scratch = mkdtempSync(join(tmpdir(), 'sciflow-load-surrogate-'));
try {
  const path = await artifactPath(scratch);
  const serialized = surrogateFromTable(parquetToTable(readFileSync(path)));
  const { mean: inputMean, std: inputStd } = serialized.inputScaling;
  const rng = Rng.fromSeed(3);
  const thetas = Array.from({ length: 8 }, () => inputMean.map((m, d) => m + (4 * rng.uniform() - 2) * inputStd[d]!));

  const surrogate = Surrogate.restore(serialized);
  const sciflow = surrogate.predict(thetas);
  surrogate.dispose();
  const run = spawnSync(python, [join(here, 'load_surrogate.py'), path, ...thetas.map((t) => t.join(','))], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`${python} failed (${run.error?.message ?? run.stderr.trim()}); run bash bench/setup-python.sh first`);
  const numpy = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as { mean: number[]; std: number[] });

  const outputStd = serialized.outputScaling.std;
  const worst = (key: 'mean' | 'std') =>
    Math.max(...thetas.flatMap((_, i) => numpy[i]![key].map((v, j) => Math.abs(v - sciflow[key][i]![j]!) / outputStd[j]!)));
  const result = {
    artifact: args.artifact ?? 'trained here: 3 → 40 line profile, [32, 32] silu, PCA 6, 3 members',
    backend: backend.backend,
    inputs: thetas.length,
    outputs: outputStd.length,
    maxMeanDifference: worst('mean'),
    maxStdDifference: worst('std'),
    tolerance: TOLERANCE,
    agrees: worst('mean') < TOLERANCE && worst('std') < TOLERANCE,
    example: { theta: thetas[0], sciflow: sciflow.mean[0]!.slice(0, 3), numpy: numpy[0]!.mean.slice(0, 3) },
  };
  console.log(JSON.stringify(result, null, 2));

  const results = join(here, '../results');
  mkdirSync(results, { recursive: true });
  writeFileSync(join(results, 'load-surrogate.json'), JSON.stringify(result, null, 2) + '\n');
  writeFileSync(
    join(results, 'load-surrogate.md'),
    [
      '# A stored surrogate loaded outside sciflow (numpy + pyarrow)',
      '',
      '`node --import tsx bench/examples/check-load-surrogate.ts`: bench/examples/load_surrogate.py against sciflow on the same network table.',
      '',
      '| artifact | backend | inputs × outputs | max \\|Δ mean\\| / σ_y | max \\|Δ std\\| / σ_y | tolerance | agrees |',
      '| --- | --- | --- | --- | --- | --- | --- |',
      `| ${result.artifact} | ${result.backend} | ${result.inputs} × ${result.outputs} | ${result.maxMeanDifference.toExponential(2)} | ${result.maxStdDifference.toExponential(2)} | ${TOLERANCE} | ${result.agrees ? 'yes' : 'NO'} |`,
      '',
    ].join('\n'),
  );
  if (!result.agrees) process.exitCode = 1;
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
