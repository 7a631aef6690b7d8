/**
 * Per-parameter agreement of two posteriors at a glance: Bhattacharyya coefficient (with the 0.95
 * line the issue's queries use), mean shift in reference σ (±0.1σ band) and σ ratio (1 = same width).
 */
import type { TopLevelSpec } from 'vega-lite';
import { BC_FLAG } from '../comparison-summary.ts';
import type { ReportComparison } from '../types.ts';

const PANELS = [
  { metric: 'bhattacharyya', title: 'Bhattacharyya coefficient', reference: BC_FLAG, band: null, domainFloor: [0.9, 1] },
  { metric: 'mean_shift', title: 'mean shift (σ of reference)', reference: 0, band: [-0.1, 0.1], domainFloor: [-0.3, 0.3] },
  { metric: 'sigma_ratio', title: 'σ ratio (other / reference)', reference: 1, band: [0.9, 1.1], domainFloor: [0.7, 1.3] },
] as const;

export function comparisonSpec(comparison: ReportComparison): TopLevelSpec | null {
  const params = [...new Set(comparison.rows.filter((r) => r.metric === 'bhattacharyya').map((r) => r.parameter))];
  if (params.length === 0) return null;
  const panels = PANELS.map(({ metric, title, reference, band, domainFloor }) => {
    const values = comparison.rows.filter((r) => r.metric === metric && params.includes(r.parameter));
    const numbers = values.map((r) => r.value).filter(Number.isFinite);
    const lo = Math.min(domainFloor[0], ...numbers);
    const hi = Math.max(domainFloor[1], ...numbers);
    const pad = 0.05 * (hi - lo);
    const x = { type: 'quantitative', title, scale: { domain: [lo - pad, hi + pad], nice: false, zero: false } };
    return {
      width: 210,
      height: { step: 22 },
      layer: [
        ...(band ? [{ data: { values: [{ lo: band[0], hi: band[1] }] }, mark: { type: 'rect', color: '#2e9d5b', opacity: 0.1 }, encoding: { x: { ...x, field: 'lo' }, x2: { field: 'hi' } } }] : []),
        { data: { values: [{ reference }] }, mark: { type: 'rule', color: '#8a9099', strokeDash: [4, 3] }, encoding: { x: { ...x, field: 'reference' } } },
        {
          data: { values },
          mark: { type: 'point', filled: true, size: 70, opacity: 1 },
          encoding: {
            x: { ...x, field: 'value' },
            y: { field: 'parameter', type: 'nominal', sort: params, title: null },
            color: metric === 'bhattacharyya'
              ? { condition: { test: `datum.value < ${BC_FLAG}`, value: '#d64545' }, value: '#0072B2' }
              : { value: '#0072B2' },
          },
        },
      ],
    };
  });
  return { hconcat: panels, spacing: 24, resolve: { scale: { x: 'independent' } } } as unknown as TopLevelSpec;
}
