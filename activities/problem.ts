import { UserError } from '../lib/engine/errors.ts';
import type { InferenceProblem, SimulationProblem } from '../lib/engine/pipeline.ts';
import type { StageContext } from './stage-runtime.ts';

/** The pipeline's inference problem named by the stage's `problem` param, built from its inputs. */
export async function loadProblem(ctx: StageContext<{ problem: string }>): Promise<InferenceProblem> {
  const build = ctx.pipeline.problems?.[ctx.params.problem];
  if (!build) throw new UserError(`pipeline ${ctx.pipeline.name} has no inference problem "${ctx.params.problem}"`);
  return build(ctx.invocation.params, (stage, name, branch) => ctx.input(stage, name, branch));
}

/** The pipeline's simulation problem named by the stage's `problem` param (for SNL). */
export async function loadSimulationProblem(ctx: StageContext<{ problem: string }>): Promise<SimulationProblem> {
  const build = ctx.pipeline.simulationProblems?.[ctx.params.problem];
  if (!build) throw new UserError(`pipeline ${ctx.pipeline.name} has no simulation problem "${ctx.params.problem}"`);
  return build(ctx.invocation.params, (stage, name) => ctx.input(stage, name));
}
