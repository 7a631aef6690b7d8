/**
 * Trained networks as portable tables: one row per tensor, so any Parquet reader (pyarrow, DuckDB,
 * pandas) gets every weight as plain numbers without sciflow (layout in lib/nn/README.md,
 * "Network tables"; a numpy reader in bench/examples/load_surrogate.py).
 *
 *   network  int32, null      ensemble member, or flow block; null for tensors the whole model shares
 *   layer    int32, null      layer of a kernel, bias or mask; null otherwise
 *   name     utf8             kernel [fan_in, fan_out] | bias [fan_out] | mask | input_mean | …
 *   shape    list<int32>
 *   values   list<float64>    row-major; float32 weights are exact in float64, so nothing is rounded
 *
 * Everything that is not an array — the model's format, architecture, activation, scalars and
 * training record — is one JSON document in the Parquet key-value metadata under `sciflow.network`:
 * the serialised model with its arrays moved into rows. A layer computes h W + b (Keras's Dense
 * convention), so a kernel row drops into most frameworks as it is.
 */
import { Field, Float64, Int32, List, RecordBatch, Schema, Table, Utf8, vectorFromArray, type Vector } from 'apache-arrow';
import { UserError } from '../engine/errors.ts';
import type { SerializedHeteroscedasticEnsemble } from './heteroscedastic.ts';
import { madeMasks } from './made.ts';
import { madeArchitectureOf, type SerializedFlow } from './maf.ts';
import { mlpShapes, type MlpArchitecture } from './mlp.ts';
import type { SerializedSurrogate } from './surrogate.ts';

export const NETWORK_TABLE_LAYOUT = 'sciflow.network-table/1';
/** The key-value metadata entry holding the JSON document. */
export const NETWORK_METADATA_KEY = 'sciflow.network';

/** JSON-safe values a stage stores with its network (e.g. a forecaster's sensor set and horizon). */
export type NetworkAttributes = Record<string, unknown>;

interface TensorRow {
  network: number | null;
  layer: number | null;
  name: string;
  shape: number[];
  values: ArrayLike<number>;
}

const shared = (name: string, values: readonly number[]): TensorRow => ({ network: null, layer: null, name, shape: [values.length], values });

/** Equal-length vectors stacked into one shared [count, length] tensor. */
const stacked = (name: string, vectors: readonly (readonly number[])[]): TensorRow => ({
  network: null,
  layer: null,
  name,
  shape: [vectors.length, vectors[0]?.length ?? 0],
  values: vectors.flat(),
});

/** The members' training records (bestEpoch, …) for the document; their parameters become rows. */
const memberRecords = <Member extends { parameters: number[][] }>(members: readonly Member[]): Omit<Member, 'parameters'>[] =>
  members.map(({ parameters: _, ...record }) => record);

/** Rows of one MLP's parameter list [W0, b0, W1, b1, …]. */
const mlpRows = (network: number, parameters: readonly (readonly number[])[], shapes: number[][]): TensorRow[] =>
  parameters.map((values, i) => ({ network, layer: i >> 1, name: i % 2 ? 'bias' : 'kernel', shape: shapes[i]!, values }));

const listOf = (type: Int32 | Float64) => new List(new Field('item', type, true));

function networkTable(document: object, rows: TensorRow[]): Table {
  const columns = new Table({
    network: vectorFromArray(rows.map((r) => r.network), new Int32()),
    layer: vectorFromArray(rows.map((r) => r.layer), new Int32()),
    name: vectorFromArray(rows.map((r) => r.name), new Utf8()),
    shape: vectorFromArray(rows.map((r) => r.shape), listOf(new Int32())),
    values: vectorFromArray(rows.map((r) => Array.from(r.values)), listOf(new Float64())),
  });
  const schema = new Schema(columns.schema.fields, new Map([[NETWORK_METADATA_KEY, JSON.stringify({ layout: NETWORK_TABLE_LAYOUT, ...document })]]));
  return new Table(schema, columns.batches.map((b) => new RecordBatch(schema, b.data)));
}

/**
 * A network table's document and tensors. Anything else (an artifact of an older sciflow, a table
 * of another model) is refused at once: no retry can make it readable.
 */
function readNetworkTable<Document extends { format: string }>(table: Table, format: string) {
  const text = table.schema.metadata.get(NETWORK_METADATA_KEY);
  const document = text === undefined ? undefined : (JSON.parse(text) as Document & { layout: string });
  if (document?.layout !== NETWORK_TABLE_LAYOUT || document.format !== format) {
    const found = document ? `${document.layout}, ${document.format}` : `no ${NETWORK_METADATA_KEY} metadata`;
    throw new UserError(`not a ${format} network table (${found}); an artifact written before ${NETWORK_TABLE_LAYOUT} must be recomputed (--rerun its stage)`);
  }
  const column = (name: string) => table.getChild(name)!;
  const [network, layer, name, shape, values] = [column('network'), column('layer'), column('name'), column('shape'), column('values')];
  const index = new Map<string, number>();
  for (let i = 0; i < table.numRows; i++) index.set(`${network.get(i)}/${layer.get(i)}/${name.get(i)}`, i);
  const row = (tensorName: string, net: number | null, lay: number | null): number => {
    const i = index.get(`${net}/${lay}/${tensorName}`);
    if (i === undefined) throw new Error(`${format} network table: no ${tensorName} tensor (network ${net}, layer ${lay})`);
    return i;
  };
  const numbers = (vector: Vector, i: number): number[] => Array.from((vector.get(i) as Vector).toArray() as ArrayLike<number>, Number);
  const tensor = (tensorName: string, net: number | null = null, lay: number | null = null): number[] => numbers(values, row(tensorName, net, lay));
  return {
    document,
    tensor,
    /** A shared [rows, cols] tensor as its rows. */
    matrix: (tensorName: string): number[][] => {
      const i = row(tensorName, null, null);
      const [rows, cols] = numbers(shape, i) as [number, number];
      const flat = numbers(values, i);
      return Array.from({ length: rows }, (_, r) => flat.slice(r * cols, (r + 1) * cols));
    },
    /** One MLP's parameter list [W0, b0, W1, b1, …] of `layers` layers. */
    mlp: (net: number, layers: number): number[][] => Array.from({ length: 2 * layers }, (_, i) => tensor(i % 2 ? 'bias' : 'kernel', net, i >> 1)),
  };
}

const layersOf = (a: MlpArchitecture) => a.hiddenUnits.length + 1;

/** Surrogate (deep ensemble, optional PCA outputs) → network table. */
export function surrogateToTable(s: SerializedSurrogate, attributes: NetworkAttributes = {}): Table {
  const shapes = mlpShapes(s.architecture);
  const { pca } = s;
  return networkTable(
    {
      format: s.format,
      architecture: s.architecture,
      pca: pca && { totalVariance: pca.totalVariance },
      members: memberRecords(s.members),
      metadata: s.metadata,
      attributes,
    },
    [
      shared('input_mean', s.inputScaling.mean),
      shared('input_std', s.inputScaling.std),
      shared('target_mean', s.targetScaling.mean),
      shared('target_std', s.targetScaling.std),
      ...(pca ? [shared('pca_mean', pca.mean), stacked('pca_components', pca.components), shared('pca_variances', pca.variances)] : []),
      shared('output_mean', s.outputScaling.mean),
      shared('output_std', s.outputScaling.std),
      ...s.members.flatMap((m, k) => mlpRows(k, m.parameters, shapes)),
    ],
  );
}

type SurrogateDocument = Omit<SerializedSurrogate, 'inputScaling' | 'outputScaling' | 'targetScaling' | 'pca' | 'members'> & {
  pca: { totalVariance: number } | null;
  members: Omit<SerializedSurrogate['members'][number], 'parameters'>[];
};

export function surrogateFromTable(table: Table): SerializedSurrogate {
  const { document: d, tensor, matrix, mlp } = readNetworkTable<SurrogateDocument>(table, 'sciflow.surrogate/1');
  const scaling = (prefix: string) => ({ mean: tensor(`${prefix}_mean`), std: tensor(`${prefix}_std`) });
  return {
    format: d.format,
    architecture: d.architecture,
    inputScaling: scaling('input'),
    outputScaling: scaling('output'),
    pca: d.pca && {
      mean: tensor('pca_mean'),
      components: matrix('pca_components'),
      variances: tensor('pca_variances'),
      totalVariance: d.pca.totalVariance,
    },
    targetScaling: scaling('target'),
    members: d.members.map((record, k) => ({ parameters: mlp(k, layersOf(d.architecture)), ...record })),
    metadata: d.metadata,
  };
}

/** Heteroscedastic ensemble (outputs μ and the pre-softplus variance) → network table. */
export function heteroscedasticEnsembleToTable(e: SerializedHeteroscedasticEnsemble, attributes: NetworkAttributes = {}): Table {
  const shapes = mlpShapes(e.architecture);
  return networkTable(
    {
      format: e.format,
      architecture: e.architecture,
      minVariance: e.minVariance,
      varianceScale: e.varianceScale,
      members: memberRecords(e.members),
      attributes,
    },
    [
      shared('input_mean', e.inputScaling.mean),
      shared('input_std', e.inputScaling.std),
      shared('target_mean', e.targetScaling.mean),
      shared('target_std', e.targetScaling.std),
      ...e.members.flatMap((m, k) => mlpRows(k, m.parameters, shapes)),
    ],
  );
}

type EnsembleDocument = Pick<SerializedHeteroscedasticEnsemble, 'format' | 'architecture' | 'minVariance' | 'varianceScale'> & {
  members: Omit<SerializedHeteroscedasticEnsemble['members'][number], 'parameters'>[];
};

export function heteroscedasticEnsembleFromTable(table: Table): SerializedHeteroscedasticEnsemble {
  const { document: d, tensor, mlp } = readNetworkTable<EnsembleDocument>(table, 'sciflow.heteroscedastic-ensemble/1');
  return {
    format: d.format,
    architecture: d.architecture,
    inputScaling: { mean: tensor('input_mean'), std: tensor('input_std') },
    targetScaling: { mean: tensor('target_mean'), std: tensor('target_std') },
    minVariance: d.minVariance,
    varianceScale: d.varianceScale,
    members: d.members.map((record, k) => ({ parameters: mlp(k, layersOf(d.architecture)), ...record })),
  };
}

/**
 * Conditional MAF → network table: one network per block, and the MADE masks (shared by every
 * block; a layer's effective weights are kernel ⊙ mask) so a reader needs no sciflow code.
 */
export function flowToTable(f: SerializedFlow, attributes: NetworkAttributes = {}): Table {
  const shapes = mlpShapes(madeArchitectureOf(f.architecture));
  const perBlock = shapes.length;
  return networkTable(
    { format: f.format, architecture: f.architecture, metadata: f.metadata, attributes },
    [
      shared('data_mean', f.dataScaling.mean),
      shared('data_std', f.dataScaling.std),
      ...(f.contextScaling ? [shared('context_mean', f.contextScaling.mean), shared('context_std', f.contextScaling.std)] : []),
      ...madeMasks(f.architecture).map((values, l) => ({ network: null, layer: l, name: 'mask', shape: shapes[2 * l]!, values })),
      ...Array.from({ length: f.architecture.blocks }, (_, b) => mlpRows(b, f.parameters.slice(b * perBlock, (b + 1) * perBlock), shapes)).flat(),
    ],
  );
}

export function flowFromTable(table: Table): SerializedFlow {
  const { document: d, tensor, mlp } = readNetworkTable<Pick<SerializedFlow, 'format' | 'architecture' | 'metadata'>>(table, 'sciflow.maf/1');
  const a = d.architecture;
  return {
    format: d.format,
    architecture: a,
    dataScaling: { mean: tensor('data_mean'), std: tensor('data_std') },
    contextScaling: a.contextDim > 0 ? { mean: tensor('context_mean'), std: tensor('context_std') } : null,
    parameters: Array.from({ length: a.blocks }, (_, b) => mlp(b, layersOf(madeArchitectureOf(a)))).flat(),
    metadata: d.metadata,
  };
}

/** The attributes a stage stored with its network (`{}` when none). */
export function networkAttributes(table: Table): NetworkAttributes {
  const text = table.schema.metadata.get(NETWORK_METADATA_KEY);
  return text === undefined ? {} : ((JSON.parse(text) as { attributes?: NetworkAttributes }).attributes ?? {});
}
