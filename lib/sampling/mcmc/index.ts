export { EnsembleSampler } from './ensemble.ts';
export type {
  ChainSelection,
  EnsembleCheckpoint,
  EnsembleOptions,
  EnsembleProgress,
  EnsembleRunControls,
  LogDensityProblem,
} from './ensemble.ts';
export { autocorrelation, burnInAndThin, integratedAutocorrTime, type AutocorrTime } from './autocorr.ts';
export { gelmanRubin } from './diagnostics.ts';
