/**
 * Row-major float32 matrices: the one shape data takes between plain JS arrays (what callers and
 * Parquet columns hold) and tfjs tensors (what the networks consume).
 */
import * as tf from '@tensorflow/tfjs';

export interface Matrix {
  rows: number;
  cols: number;
  /** rows × cols values, row-major. */
  data: Float32Array;
}

export function toMatrix(rows: readonly (readonly number[])[], cols?: number): Matrix {
  const width = cols ?? (rows.length > 0 ? rows[0].length : 0);
  const data = new Float32Array(rows.length * width);
  rows.forEach((row, i) => {
    if (row.length !== width) throw new Error(`row ${i} has ${row.length} values, expected ${width}`);
    data.set(row, i * width);
  });
  return { rows: rows.length, cols: width, data };
}

export function fromMatrix(m: Matrix): number[][] {
  const out: number[][] = new Array(m.rows);
  for (let i = 0; i < m.rows; i++) out[i] = Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols));
  return out;
}

/** The rows at `indices`, in that order. */
export function selectRows(m: Matrix, indices: readonly number[]): Matrix {
  const data = new Float32Array(indices.length * m.cols);
  indices.forEach((r, i) => data.set(m.data.subarray(r * m.cols, (r + 1) * m.cols), i * m.cols));
  return { rows: indices.length, cols: m.cols, data };
}

function concatRows(parts: readonly Matrix[]): Matrix {
  const cols = parts[0].cols;
  const rows = parts.reduce((n, p) => n + p.rows, 0);
  const data = new Float32Array(rows * cols);
  let offset = 0;
  for (const p of parts) {
    if (p.cols !== cols) throw new Error(`cannot stack ${p.cols}-column rows under ${cols}-column rows`);
    data.set(p.data, offset);
    offset += p.data.length;
  }
  return { rows, cols, data };
}

/** Applies `fn` to consecutive row blocks of at most `batchSize` rows and stacks the results. */
export function mapRowBatches(
  m: Matrix,
  batchSize: number,
  fn: (batch: tf.Tensor2D) => tf.Tensor2D,
): Matrix {
  const parts: Matrix[] = [];
  for (let start = 0; start < m.rows; start += batchSize) {
    const rows = Math.min(batchSize, m.rows - start);
    const out = tf.tidy(() =>
      fn(tf.tensor2d(m.data.subarray(start * m.cols, (start + rows) * m.cols), [rows, m.cols])),
    );
    parts.push({ rows, cols: out.shape[1], data: out.dataSync() as Float32Array });
    out.dispose();
  }
  return parts.length === 0 ? { rows: 0, cols: 0, data: new Float32Array(0) } : concatRows(parts);
}
