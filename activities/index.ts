/** Every activity a sciflow worker registers, by name. */
export { indexBranches, planRun, writeManifest } from './engine.ts';
export { writeReport } from './report.ts';
export { simulate } from './simulate.ts';
export { mcmc } from './mcmc.ts';
export { nestedSampling } from './nested-sampling.ts';
export { neuralLikelihood } from './neural-likelihood.ts';
export { trainSurrogate } from './train-surrogate.ts';
export { summarizeChains } from './summarize-chains.ts';
export { comparePosteriors } from './compare-posteriors.ts';
export { bayesFactors } from './bayes-factors.ts';
export { forecast } from './forecast.ts';
export { posteriorBias } from './posterior-bias.ts';
export { reweightPosterior } from './reweight-posterior.ts';
export { mergeNestedRuns } from './merge-nested-runs.ts';
