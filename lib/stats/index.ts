/** Posterior comparison metrics, weighted-sample summaries, C2ST, simulation-based calibration, pulls and fit residuals. */
export * from './weighted.ts';
export { histogramBinCount, sharedBinEdges, weightedHistogram } from './histogram.ts';
export { silvermanBandwidth, gridFor, kdeOnGrid, convolveGaussian, type Grid } from './kde.ts';
export * from './divergence.ts';
export * from './compare.ts';
export { c2st, c2stSampleSets, type C2stOptions, type C2stResult } from './c2st.ts';
export { simulationBasedCalibration, type SbcTrial, type SbcParameterResult } from './sbc.ts';
export { ksStatisticUniform, kolmogorovSurvival, ksPValue } from './ks.ts';
export { fitResiduals, pull, type FitResiduals } from './pull.ts';
