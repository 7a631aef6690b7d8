import {
  Bool,
  Field,
  Float64,
  List,
  Table,
  TimestampMillisecond,
  Utf8,
  makeVector,
  tableFromIPC,
  tableToIPC,
  vectorFromArray,
  type Vector,
} from 'apache-arrow';
import * as parquet from 'parquet-wasm/node';

/** Column values accepted by `tableFromColumns`; each maps to one standard Arrow/Parquet type. */
export type ColumnValues =
  | Float64Array
  | Int32Array
  | number[]
  | string[]
  | boolean[]
  | Date[]
  | number[][];

/**
 * Build an Arrow table from plain columns with explicit, standard types (float64, int32, utf8,
 * bool, timestamp[ms], list<float64>) so pyarrow, DuckDB and pandas read numbers as numbers.
 */
export function tableFromColumns(columns: Record<string, ColumnValues>): Table {
  const vectors: Record<string, Vector> = {};
  for (const [name, values] of Object.entries(columns)) vectors[name] = toVector(name, values);
  return new Table(vectors);
}

function toVector(name: string, values: ColumnValues): Vector {
  if (values instanceof Float64Array) return makeVector(values);
  if (values instanceof Int32Array) return makeVector(values);
  const first = values.find((v) => v !== null && v !== undefined);
  if (first === undefined || typeof first === 'number') return vectorFromArray(values as number[], new Float64());
  if (typeof first === 'string') return vectorFromArray(values as string[], new Utf8());
  if (typeof first === 'boolean') return vectorFromArray(values as boolean[], new Bool());
  if (first instanceof Date) return vectorFromArray(values as Date[], new TimestampMillisecond());
  if (Array.isArray(first)) {
    return vectorFromArray(values as number[][], new List(new Field('item', new Float64(), true)));
  }
  throw new TypeError(`column ${name}: unsupported value type ${typeof first}`);
}

/**
 * Records with the same keys → a table with one column per key (one record: a one-row summary
 * table). Keys named in `integers` (counts: ncall, niter, …) become int32 columns.
 */
export function tableFromRows(rows: readonly object[], integers: readonly string[] = []): Table {
  const keys = Object.keys(rows[0] ?? {});
  return tableFromColumns(
    Object.fromEntries(
      keys.map((k) => {
        const values = rows.map((r) => (r as Record<string, never>)[k]);
        return [k, integers.includes(k) ? int32Column(k, values) : values];
      }),
    ),
  );
}

/** Counts as an int32 column (pyarrow/DuckDB read integers, not 1.0e+05); refuses anything else. */
export function int32Column(name: string, values: ArrayLike<unknown>): Int32Array {
  return Int32Array.from(Array.from(values), (v) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 31) throw new TypeError(`column ${name}: ${String(v)} is not a 32-bit integer count`);
    return v;
  });
}

/**
 * Parquet bytes (ZSTD) from an Arrow table. The schema's metadata also becomes the file's own
 * key-value metadata, where readers that ignore the embedded Arrow schema look (DuckDB).
 */
export function tableToParquet(table: Table): Uint8Array {
  const wasmTable = parquet.Table.fromIPCStream(tableToIPC(table, 'stream'));
  const props = new parquet.WriterPropertiesBuilder().setCompression(parquet.Compression.ZSTD).setKeyValueMetadata(table.schema.metadata).build();
  return parquet.writeParquet(wasmTable, props);
}

/** Arrow table from Parquet bytes. */
export function parquetToTable(bytes: Uint8Array): Table {
  return tableFromIPC(parquet.readParquet(bytes).intoIPCStream());
}

/** Plain JS rows of a table (numbers stay numbers; lists become arrays). */
export function tableRows(table: Table): Record<string, unknown>[] {
  return table.toArray().map((row) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(row.toJSON())) out[k] = v && typeof v === 'object' && 'toArray' in v ? Array.from((v as Vector).toArray()) : v;
    return out;
  });
}

/** One column as numbers. */
export function numberColumn(table: Table, name: string): Float64Array {
  const col = table.getChild(name);
  if (!col) throw new Error(`column ${name} not found (have ${table.schema.fields.map((f) => f.name).join(', ')})`);
  return Float64Array.from(col.toArray() as ArrayLike<number>, Number);
}

