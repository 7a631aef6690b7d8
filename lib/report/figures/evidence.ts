/** Log-evidence per method with its ±1σ (thick) and ±2σ (thin) error bars. */
import type { TopLevelSpec } from 'vega-lite';
import { formatNumber } from '../format.ts';
import { seriesColour } from '../palette.ts';
import type { ReportEvidence } from '../types.ts';

export function evidenceSpec(evidences: readonly ReportEvidence[]): TopLevelSpec {
  const rows = evidences.map((e) => ({
    label: e.label,
    logZ: e.logZ,
    lo1: e.logZ - e.logZerr,
    hi1: e.logZ + e.logZerr,
    lo2: e.logZ - 2 * e.logZerr,
    hi2: e.logZ + 2 * e.logZerr,
    text: `${formatNumber(e.logZ, 5)} ± ${formatNumber(e.logZerr, 2)}`,
  }));
  const labels = evidences.map((e) => e.label);
  const colour = { field: 'label', type: 'nominal', scale: { domain: labels, range: labels.map((_, i) => seriesColour(i)) }, legend: null };
  const y = { field: 'label', type: 'nominal', title: null, sort: labels };
  const lo = Math.min(...rows.map((r) => r.lo2));
  const hi = Math.max(...rows.map((r) => r.hi2));
  // Room on the right for the value labels.
  const span = Math.max(hi - lo, 1e-9);
  const x = { type: 'quantitative', title: 'ln Z', scale: { domain: [lo - 0.1 * span, hi + 0.45 * span], zero: false, nice: false } };
  return {
    width: 520,
    height: { step: 34 },
    data: { values: rows },
    encoding: { y },
    layer: [
      { mark: { type: 'rule', strokeWidth: 1.2 }, encoding: { x: { ...x, field: 'lo2' }, x2: { field: 'hi2' }, color: colour } },
      { mark: { type: 'rule', strokeWidth: 4, strokeCap: 'butt' }, encoding: { x: { ...x, field: 'lo1' }, x2: { field: 'hi1' }, color: colour } },
      { mark: { type: 'point', filled: true, size: 60, stroke: 'white', opacity: 1 }, encoding: { x: { ...x, field: 'logZ' }, color: colour } },
      { mark: { type: 'text', align: 'left', dx: 8, fontSize: 11, fill: '#333' }, encoding: { x: { ...x, field: 'hi2' }, text: { field: 'text' } } },
    ],
  } as unknown as TopLevelSpec;
}
