import type { Table } from 'apache-arrow';
import { POSTERIOR_BOOKKEEPING, type SampleSet } from '../stats/weighted.ts';
import { numberColumn } from './parquet.ts';

/**
 * A stored posterior (`posterior_samples`) as a sample set: one float column per parameter, the
 * `weight` column when it has one (nested sampling), without its bookkeeping columns (ln L, chain …).
 */
export function posteriorSampleSet(table: Table): SampleSet {
  const parameters = table.schema.fields.filter((f) => !POSTERIOR_BOOKKEEPING.has(f.name) && String(f.type).startsWith('Float'));
  const samples = Object.fromEntries(parameters.map((f) => [f.name, numberColumn(table, f.name)]));
  return table.getChild('weight') ? { samples, weights: numberColumn(table, 'weight') } : { samples };
}
