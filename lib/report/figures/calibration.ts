/**
 * SBC rank histograms, one panel per parameter, with the expected count under perfect calibration
 * and its 99 % band (binomial, normal approximation): bars outside the band signal miscalibration.
 */
import type { TopLevelSpec } from 'vega-lite';
import { formatNumber } from '../format.ts';
import type { ReportCalibration } from '../types.ts';

export function calibrationSpec(calibration: ReportCalibration): TopLevelSpec {
  const panels = calibration.results.map((r) => {
    const trials = r.ranks.length;
    const bins = r.histogram.map((count, k) => ({ k, count, expected: r.expected[k] }));
    const bands = r.expected.map((e, k) => {
      const half = 2.576 * Math.sqrt(e * (1 - e / trials));
      return { k, lo: Math.max(0, e - half), hi: e + half, expected: e };
    });
    const x = { field: 'k', type: 'ordinal', title: `rank bin (of ${r.maxRank + 1} ranks)`, axis: { labels: false, ticks: false } };
    return {
      width: 220,
      height: 110,
      title: `${r.parameter}  (KS p = ${formatNumber(r.ksPValue, 3)})`,
      layer: [
        { data: { values: bands }, mark: { type: 'bar', color: '#1b1b1b', opacity: 0.13 }, encoding: { x, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } } },
        { data: { values: bins }, mark: { type: 'bar', color: '#0072B2', opacity: 0.7 }, encoding: { x, y: { field: 'count', type: 'quantitative', title: 'trials' } } },
        { data: { values: bands }, mark: { type: 'tick', color: '#1b1b1b', thickness: 1 }, encoding: { x, y: { field: 'expected', type: 'quantitative' } } },
      ],
    };
  });
  return { concat: panels, columns: Math.min(3, panels.length), spacing: 18 } as unknown as TopLevelSpec;
}
