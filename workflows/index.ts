/** Workflow entry point bundled for workers. */
export { runPipeline, manifestQuery } from './run-pipeline.ts';
