import type { Table } from 'apache-arrow';
import { systematicResample } from '../lib/sampling/weights.ts';
import { POSTERIOR_BOOKKEEPING } from '../lib/stats/weighted.ts';
import { numberColumn, tableFromColumns } from '../lib/store/parquet.ts';
import type { Rng } from '../lib/random.ts';

/**
 * The equal-weight posterior of a weighted `posterior_samples` table (dynesty's
 * `samples_equal()`): as many rows as it has, drawn by systematic resampling of its `weight`
 * column, in random order, parameter columns only. Undefined for a table without weights.
 */
export function equalWeightTable(weighted: Table, rng: Rng): Table | undefined {
  const names = weighted.schema.fields.map((f) => f.name);
  if (!names.includes('weight') || weighted.numRows === 0) return undefined;
  const indices = systematicResample(numberColumn(weighted, 'weight'), weighted.numRows, rng);
  for (let i = indices.length - 1; i > 0; i--) {
    const j = Math.floor(rng.uniform() * (i + 1));
    [indices[i], indices[j]] = [indices[j]!, indices[i]!];
  }
  const columns: Record<string, Float64Array> = {};
  for (const name of names.filter((n) => !POSTERIOR_BOOKKEEPING.has(n))) {
    const values = numberColumn(weighted, name);
    columns[name] = Float64Array.from(indices, (i) => values[i]!);
  }
  return tableFromColumns(columns);
}
