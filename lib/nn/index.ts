/**
 * lib/nn: neural components on TensorFlow.js, free of Temporal. Activities call `selectBackend`
 * once, record its answer in the run manifest, then use the verbs below.
 */
export { selectBackend, nvidiaGpuVisible, BACKEND_CANDIDATES } from './backend.ts';
export type { BackendChoice, BackendCandidate, BackendSelectionOptions } from './backend.ts';

export { fitSurrogate, Surrogate, DEFAULT_SURROGATE_CONFIG, outputErrors } from './surrogate.ts';
export type {
  SurrogateConfig,
  SerializedSurrogate,
  SurrogateCheckpoint,
  SurrogateProgress,
  SurrogateTrainingHooks,
  SurrogateFit,
  LossColumns,
  OutputErrorColumns,
} from './surrogate.ts';

export { LearnedLikelihood, DEFAULT_LEARNED_LIKELIHOOD } from './learned-likelihood.ts';
export { rankTrainer, DEFAULT_RANK_TRAINING } from './rank-trainer.ts';
export type {
  LearnedLikelihoodOptions,
  LearnedLikelihoodEvent,
  LearnedLikelihoodStats,
  TrueLogLikelihood,
} from './learned-likelihood.ts';
export { geneticSearch, surrogateFitness, DEFAULT_GENETIC_SEARCH } from './genetic.ts';
export type { Genome, GeneticSearchOptions, GeneticSearchResult } from './genetic.ts';

export { ConditionalMaf, DEFAULT_FLOW_TRAINING } from './maf.ts';
export type { FlowArchitecture, FlowTrainingOptions, SerializedFlow } from './maf.ts';
export { runSnl } from './snl.ts';
export type { Prior, Simulator, SnlOptions, SnlResult, SnlRoundSummary, SnlCheckpoint } from './snl.ts';
export { ensembleSampler } from './posterior-sampler.ts';
export type { PosteriorSampler, PosteriorSamplingRequest, BatchedLogDensity } from './posterior-sampler.ts';
export { linearScoreCompressor, pcaCompression } from './compression.ts';
export type { DataCompressor, CompressionFactory, LinearScoreModel } from './compression.ts';

export {
  surrogateToTable,
  surrogateFromTable,
  heteroscedasticEnsembleToTable,
  heteroscedasticEnsembleFromTable,
  flowToTable,
  flowFromTable,
  networkAttributes,
  NETWORK_TABLE_LAYOUT,
  NETWORK_METADATA_KEY,
} from './network-table.ts';
export type { NetworkAttributes } from './network-table.ts';

export { fitPca, pcaProject, pcaReconstruct } from './pca.ts';
export type { PcaBasis } from './pca.ts';
export { toMatrix, fromMatrix } from './matrix.ts';
export type { Matrix } from './matrix.ts';
export type { EpochRecord, TrainerCheckpoint, TrainingOptions } from './train.ts';
export type { LearningRateSchedule } from './schedule.ts';
export type { Activation } from './mlp.ts';
