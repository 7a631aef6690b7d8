import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import type { PipelineDefinition, StageDefinition } from '../../lib/engine/pipeline.ts';
import { ConditionalMaf } from '../../lib/nn/maf.ts';
import { toMatrix } from '../../lib/nn/matrix.ts';
import { flowFromTable, surrogateFromTable } from '../../lib/nn/network-table.ts';
import { Surrogate } from '../../lib/nn/surrogate.ts';
import { Rng } from '../../lib/random.ts';
import { numberColumn, tableFromColumns } from '../../lib/store/parquet.ts';
import { bhattacharyya } from '../../lib/stats/index.ts';
import { reportInputFromManifest } from '../../lib/report/from-manifest.ts';
import { linearGaussian } from '../unit/nn/problems.ts';
import { RunStore } from '../../lib/store/run-store.ts';
import { registerPipeline } from '../../pipelines/index.ts';
import { submitRun, waitForRun } from '../../temporal/runs.ts';
import { startTestEnvironment, type TestEnvironment } from '../support/temporal.ts';

/** A smooth vector function of 3 parameters on 50 outputs: a Gaussian line on a continuum. */
const GRID = Array.from({ length: 50 }, (_, i) => i / 49);
const lineProfile = ([depth, centre, width]: number[]) =>
  GRID.map((x) => 1 + 0.5 * x - (0.2 + 0.6 * depth!) * Math.exp(-0.5 * ((x - (0.2 + 0.6 * centre!)) / (0.05 + 0.1 * width!)) ** 2));

const toySchema = z.object({ seed: z.number().default(7), rows: z.number().default(1500) }).strict();

const toy: PipelineDefinition<typeof toySchema> = {
  name: 'toy-surrogate',
  description: 'train a surrogate of a known function (test pipeline)',
  version: '1',
  schema: toySchema,
  stages: (c): StageDefinition[] => [
    { name: 'training-set', activity: 'simulate', params: { simulator: 'profiles', rows: c.rows } },
    {
      name: 'surrogate',
      activity: 'trainSurrogate',
      dependsOn: ['training-set'],
      params: {
        training: { stage: 'training-set', output: 'observations' },
        inputs: ['depth', 'centre', 'width'],
        outputs: 'flux',
        surrogate: { ensembleSize: 2, epochs: 80, hiddenUnits: [64, 64] },
      },
      heartbeatTimeoutMs: 60_000,
    },
  ],
  simulators: {
    profiles: (p, rng) => {
      const thetas = Array.from({ length: Number(p.rows) }, () => [rng.uniform(), rng.uniform(), rng.uniform()]);
      return tableFromColumns({
        depth: thetas.map((t) => t[0]!),
        centre: thetas.map((t) => t[1]!),
        width: thetas.map((t) => t[2]!),
        flux: thetas.map(lineProfile),
      });
    },
  },
};

/**
 * Linear-Gaussian simulator with an analytic posterior: x = A θ + ε, ε ~ N(0, 0.5² I₁₀),
 * θ ~ N(0, 2² I₂), observed at θ = (0.7, −0.4) — the SNL reference problem of test/unit/nn.
 */
const snlSchema = z.object({ seed: z.number().default(3) }).strict();
const toySnl: PipelineDefinition<typeof snlSchema> = {
  name: 'toy-snl',
  description: 'sequential neural likelihood on a linear-Gaussian simulator (test pipeline)',
  version: '1',
  schema: snlSchema,
  stages: (): StageDefinition[] => [
    {
      name: 'snl',
      activity: 'neuralLikelihood',
      params: { mode: 'snl', problem: 'linear-gaussian', rounds: 3, simulationsPerRound: 500, posteriorSamples: 4000 },
      heartbeatTimeoutMs: 120_000,
    },
  ],
  simulationProblems: {
    'linear-gaussian': async () => ({
      paramNames: ['theta0', 'theta1'],
      prior: linearGaussian.prior,
      simulator: linearGaussian.simulator,
      observation: linearGaussian.observation,
    }),
  },
};

let env: TestEnvironment;

before(async () => {
  registerPipeline(toy as unknown as PipelineDefinition);
  registerPipeline(toySnl as unknown as PipelineDefinition);
  env = await startTestEnvironment({ worker: true });
});

after(async () => {
  await env?.close();
});

test('trainSurrogate: a stored surrogate that later code restores and that reproduces the function; losses, errors and backend recorded', async () => {
  await submitRun(env.client, { pipeline: 'toy-surrogate', config: { seed: 7, rows: 1500 }, storeRoot: env.storeRoot, runId: 'toy' });
  const store = new RunStore(env.storeRoot);
  const view = await waitForRun(env.client, store, 'toy');
  assert.equal(view.status, 'completed', view.error);
  const manifest = (await store.readManifest('toy'))!;
  assert.ok(['wasm', 'cpu', 'tensorflow'].includes(String(manifest.backend.surrogate)), JSON.stringify(manifest.backend));
  const outputs = manifest.stages[1]!.outputs!.branches[0]!;
  const losses = await store.get(outputs.losses!);
  assert.ok(losses.numRows >= 2 * 10, 'per-epoch losses of both members');
  assert.equal((await store.get(outputs.output_errors!)).numRows, 50);

  const surrogate = Surrogate.restore(surrogateFromTable(await store.get(outputs.surrogate!)));
  const rng = Rng.fromSeed(99);
  const fresh = Array.from({ length: 200 }, () => [rng.uniform(), rng.uniform(), rng.uniform()]);
  const { mean } = surrogate.predict(fresh);
  const relative = fresh.flatMap((theta, i) => lineProfile(theta).map((y, j) => Math.abs(mean[i]![j]! - y) / Math.abs(y))).sort((a, b) => a - b);
  const median = relative[Math.floor(relative.length / 2)]!;
  assert.ok(median < 0.02, `median relative error on fresh points ${median}`);
  surrogate.dispose();

  // The run's report shows the training curves of both members.
  const report = await reportInputFromManifest(store, manifest);
  assert.deepEqual(report.trainingCurves?.map((c) => c.label), ['surrogate #0', 'surrogate #1']);
});

test('neuralLikelihood (snl): the posterior of a linear-Gaussian simulator matches the analytic one; simulator calls and rounds recorded', async () => {
  await submitRun(env.client, { pipeline: 'toy-snl', config: { seed: 3 }, storeRoot: env.storeRoot, runId: 'snl' });
  const store = new RunStore(env.storeRoot);
  const view = await waitForRun(env.client, store, 'snl');
  assert.equal(view.status, 'completed', view.error);
  const manifest = (await store.readManifest('snl'))!;
  const stage = manifest.stages[0]!;
  assert.equal(stage.summary![0]!.simulator_calls, 1500);
  assert.equal((await store.get(stage.outputs!.branches[0]!.rounds!)).numRows, 3);
  const posterior = await store.get(stage.outputs!.branches[0]!.posterior_samples!);
  const { mean, std } = linearGaussian.posterior;
  const rng = Rng.fromSeed(5);
  ['theta0', 'theta1'].forEach((name, d) => {
    const exact = Float64Array.from({ length: 4000 }, () => mean[d]! + std[d]! * rng.normal());
    const bc = bhattacharyya({ values: numberColumn(posterior, name) }, { values: exact });
    assert.ok(bc >= 0.98, `${name}: BC ${bc}`);
  });

  // The stored flow is the learned likelihood: ln q(x_o | θ) between the posterior mean and 3σ off
  // it in θ0 changes as the exact ln L does.
  const flow = ConditionalMaf.restore(flowFromTable(await store.get(stage.outputs!.branches[0]!.flow!)));
  const points = [mean, [mean[0]! + 3 * std[0]!, mean[1]!]];
  const flowLogL = flow.logDensity(toMatrix(points.map(() => linearGaussian.observation)), toMatrix(points));
  const exactLogL = points.map(linearGaussian.logLikelihood);
  const [flowDrop, exactDrop] = [flowLogL[0]! - flowLogL[1]!, exactLogL[0]! - exactLogL[1]!];
  assert.ok(Math.abs(flowDrop - exactDrop) < 1, `ln q drop ${flowDrop}, exact ln L drop ${exactDrop}`);
  flow.dispose();
});
