/** Training (solid) and validation (dashed) loss per epoch, one colour per trained model. */
import type { TopLevelSpec } from 'vega-lite';
import { seriesColour } from '../palette.ts';
import type { ReportTrainingCurve } from '../types.ts';

export function trainingSpec(curves: readonly ReportTrainingCurve[]): TopLevelSpec {
  const rows = curves.flatMap((c) => [
    ...c.epoch.map((epoch, i) => ({ model: c.label, split: 'training', epoch, loss: c.loss[i] })),
    ...(c.valLoss ?? []).map((loss, i) => ({ model: c.label, split: 'validation', epoch: c.epoch[i], loss })),
  ]).filter((r) => Number.isFinite(r.loss) && Number.isFinite(r.epoch));
  const losses = rows.map((r) => r.loss);
  // Log scale when losses are positive and fall by more than a decade, as most training curves do.
  const logScale = losses.length > 0 && Math.min(...losses) > 0 && Math.max(...losses) / Math.min(...losses) > 10;
  const labels = curves.map((c) => c.label);
  return {
    width: 560,
    height: 260,
    data: { values: rows },
    mark: { type: 'line', strokeWidth: 1.8, point: rows.length < 60 ? { size: 20, filled: true } : false },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', title: 'epoch' },
      y: { field: 'loss', type: 'quantitative', title: 'loss', scale: logScale ? { type: 'log' } : { zero: false } },
      color: { field: 'model', type: 'nominal', title: null, scale: { domain: labels, range: labels.map((_, i) => seriesColour(i)) }, legend: curves.length > 1 ? {} : null },
      strokeDash: { field: 'split', type: 'nominal', title: null, scale: { domain: ['training', 'validation'], range: [[1, 0], [6, 3]] } },
      detail: { field: 'model' },
    },
  } as unknown as TopLevelSpec;
}
