/** Workflow entry points bundled for workers. */
export { runPipeline, manifestQuery } from './run-pipeline.ts';
export { runBranches } from './branches.ts';
