import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Table } from 'apache-arrow';
import * as parquet from 'parquet-wasm/node';
import { fitHeteroscedasticEnsemble, HeteroscedasticEnsemble } from '../../../lib/nn/heteroscedastic.ts';
import { madeMasks } from '../../../lib/nn/made.ts';
import { ConditionalMaf, DEFAULT_FLOW_TRAINING } from '../../../lib/nn/maf.ts';
import { toMatrix } from '../../../lib/nn/matrix.ts';
import {
  flowFromTable,
  flowToTable,
  heteroscedasticEnsembleFromTable,
  heteroscedasticEnsembleToTable,
  networkAttributes,
  NETWORK_METADATA_KEY,
  surrogateFromTable,
  surrogateToTable,
} from '../../../lib/nn/network-table.ts';
import { fitSurrogate, Surrogate } from '../../../lib/nn/surrogate.ts';
import { Rng } from '../../../lib/random.ts';
import { tableToParquet } from '../../../lib/store/parquet.ts';
import { RunStore } from '../../../lib/store/run-store.ts';
import { useDefaultBackend } from './helpers.ts';

await useDefaultBackend();

const rng = Rng.fromSeed(21);
const inputs = Array.from({ length: 120 }, () => [rng.uniform(), rng.uniform()]);
const outputs = inputs.map(([a, b]) => [Math.sin(3 * a!) + b!, a! * b!, 2 - b!, a! - b!]);
const tiny = { hiddenUnits: [8, 6], ensembleSize: 2, epochs: 3, batchSize: 32, patience: 50, seed: 4 };

/** Write a table with the run store into a fresh folder and read it back (Parquet both ways). */
async function throughStore(table: Table): Promise<Table> {
  const root = await mkdtemp(join(tmpdir(), 'sciflow-network-table-'));
  try {
    const store = new RunStore(root);
    return await store.get(await store.put('run', ['stage', 'network'], table));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

const rowsOf = (t: Table) => t.toArray().map((r) => r.toJSON() as { network: number | null; layer: number | null; name: string; shape: { toArray(): Int32Array } });

test('surrogate (with and without PCA) → Parquet network table → identical model and bit-identical predictions', async () => {
  for (const pcaComponents of [2, null]) {
    const { surrogate } = await fitSurrogate(inputs, outputs, { ...tiny, pcaComponents });
    const back = surrogateFromTable(await throughStore(surrogateToTable(surrogate.serialize())));
    assert.deepEqual(back, surrogate.serialize());
    const restored = Surrogate.restore(back);
    assert.deepEqual(restored.predict(inputs), surrogate.predict(inputs));
    [surrogate, restored].forEach((s) => s.dispose());
  }
});

test('a network table has the documented columns, Arrow types, rows and JSON document', async () => {
  const { surrogate } = await fitSurrogate(inputs, outputs, { ...tiny, pcaComponents: 2 });
  const table = await throughStore(surrogateToTable(surrogate.serialize(), { note: 'kept' }));
  surrogate.dispose();
  assert.deepEqual(
    table.schema.fields.map((f) => `${f.name}: ${f.type}`),
    ['network: Int32', 'layer: Int32', 'name: Utf8', 'shape: List<Int32>', 'values: List<Float64>'],
  );
  const rows = rowsOf(table).map((r) => `${r.network}/${r.layer}/${r.name} [${Array.from(r.shape.toArray())}]`);
  const member = (k: number) => [`${k}/0/kernel [2,8]`, `${k}/0/bias [8]`, `${k}/1/kernel [8,6]`, `${k}/1/bias [6]`, `${k}/2/kernel [6,2]`, `${k}/2/bias [2]`];
  assert.deepEqual(rows, [
    'null/null/input_mean [2]',
    'null/null/input_std [2]',
    'null/null/target_mean [2]',
    'null/null/target_std [2]',
    'null/null/pca_mean [4]',
    'null/null/pca_components [2,4]',
    'null/null/pca_variances [2]',
    'null/null/output_mean [4]',
    'null/null/output_std [4]',
    ...member(0),
    ...member(1),
  ]);
  const document = JSON.parse(table.schema.metadata.get(NETWORK_METADATA_KEY)!);
  assert.equal(document.layout, 'sciflow.network-table/1');
  assert.equal(document.format, 'sciflow.surrogate/1');
  assert.deepEqual(document.architecture, { inputDim: 2, hiddenUnits: [8, 6], outputDim: 2, activation: 'silu' });
  assert.deepEqual(Object.keys(document.members[0]), ['bestEpoch', 'bestValLoss', 'epochsRun']);
  assert.deepEqual(networkAttributes(table), { note: 'kept' });
  // Also the Parquet file's own key-value metadata, for readers that skip the embedded Arrow schema.
  const file = await parquet.ParquetFile.fromFile(new Blob([tableToParquet(table)]));
  assert.equal(file.metadata().fileMetadata().keyValueMetadata().get(NETWORK_METADATA_KEY), table.schema.metadata.get(NETWORK_METADATA_KEY));
});

test('heteroscedastic ensemble → network table: identical model and predictions, attributes kept', async () => {
  const split = (from: number, to: number) => ({ inputs: toMatrix(inputs.slice(from, to)), targets: outputs.slice(from, to).map((o) => o[0]!) });
  const { ensemble } = await fitHeteroscedasticEnsemble(split(0, 90), split(90, 120), { hiddenUnits: [8], ensembleSize: 2, epochs: 3, batchSize: 32, seed: 2 });
  ensemble.calibrate(split(90, 120).inputs, split(90, 120).targets);
  const table = await throughStore(heteroscedasticEnsembleToTable(ensemble.serialize(), { sensorSet: 'all', horizonMs: 500 }));
  assert.deepEqual(heteroscedasticEnsembleFromTable(table), ensemble.serialize());
  assert.deepEqual(networkAttributes(table), { sensorSet: 'all', horizonMs: 500 });
  const restored = HeteroscedasticEnsemble.restore(heteroscedasticEnsembleFromTable(table));
  assert.deepEqual(restored.predict(toMatrix(inputs)), ensemble.predict(toMatrix(inputs)));
  [ensemble, restored].forEach((e) => e.dispose());
});

test('conditional MAF → network table: identical flow and log densities; the MADE masks are stored', async () => {
  const x = toMatrix(outputs.map((o) => o.slice(0, 3)));
  const context = toMatrix(inputs);
  const architecture = { dim: 3, contextDim: 2, blocks: 2, hiddenUnits: [10], activation: 'tanh' as const };
  const flow = ConditionalMaf.create(architecture, { x, context }, 3);
  await flow.train(x, context, { ...DEFAULT_FLOW_TRAINING, epochs: 3, batchSize: 32, seed: 1 });
  const table = await throughStore(flowToTable(flow.serialize()));
  assert.deepEqual(flowFromTable(table), flow.serialize());
  const restored = ConditionalMaf.restore(flowFromTable(table));
  assert.deepEqual(restored.logDensity(x, context), flow.logDensity(x, context));

  const masks = rowsOf(table).flatMap((r, i) => (r.name === 'mask' ? [Float32Array.from(table.getChild('values')!.get(i).toArray())] : []));
  assert.deepEqual(masks, madeMasks(architecture));
  assert.deepEqual(
    rowsOf(table).filter((r) => r.name === 'kernel').map((r) => `${r.network}/${r.layer}`),
    ['0/0', '0/1', '1/0', '1/1'],
  );
  [flow, restored].forEach((f) => f.dispose());
});

test('an artifact of the old layout (a one-row JSON table) or of another model is refused with a one-line reason', async () => {
  const { surrogate } = await fitSurrogate(inputs, outputs, { ...tiny, ensembleSize: 1, epochs: 1 });
  const root = await mkdtemp(join(tmpdir(), 'sciflow-network-table-'));
  try {
    const store = new RunStore(root);
    const old = await store.get(await store.putJson('run', ['surrogate', 'surrogate'], surrogate.serialize()));
    assert.throws(() => surrogateFromTable(old), { name: 'UserError', message: /^not a sciflow\.surrogate\/1 network table \(no sciflow\.network metadata\); .*recomputed/ });
  } finally {
    await rm(root, { recursive: true, force: true });
  }
  assert.throws(() => flowFromTable(surrogateToTable(surrogate.serialize())), /not a sciflow\.maf\/1 network table \(sciflow\.network-table\/1, sciflow\.surrogate\/1\)/);
  surrogate.dispose();
});
