/** Colours shared by figures and the HTML page. */
import type { ReportStage } from './types.ts';

/** Okabe–Ito colours: distinguishable with the common colour-vision deficiencies. */
export const SERIES_COLOURS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000'];

export const TRUTH_COLOUR = '#1b1b1b';

/** What the stage graph colours by: a cache hit is shown as such whatever status the manifest records. */
export type StageState = ReportStage['status'] | 'cache hit';

export const STAGE_COLOURS: Record<StageState, string> = {
  completed: '#2e9d5b',
  'cache hit': '#3b82c4',
  running: '#e0a100',
  failed: '#d64545',
  pending: '#9aa3ad',
  skipped: '#b8bec6',
  cancelled: '#8d6e63',
};

export function stageState(stage: ReportStage): StageState {
  return stage.cached ? 'cache hit' : stage.status;
}

export function seriesColour(index: number): string {
  return SERIES_COLOURS[index % SERIES_COLOURS.length];
}
