/**
 * sciflow's samplers: static nested sampling (evidence + posterior) and an affine-invariant
 * ensemble MCMC (posterior reference), both deterministic for a seed and checkpointable.
 */
export * from './nested/index.ts';
export * from './mcmc/index.ts';
export { normaliseLogWeights, systematicResample } from './weights.ts';
export { logAddExp, logSumExp } from './logmath.ts';
export { WorkerPoolLikelihood, type WorkerPoolOptions } from './parallel.ts';
export { fitGaussianMixture, importanceEvidence, importanceLogWeights, mixtureLogDensity, sampleMixture, summariseWeights, widenMixture, type GaussianMixture, type ImportanceEvidence } from './importance.ts';
