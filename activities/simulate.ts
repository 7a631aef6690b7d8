import { UserError } from '../lib/engine/errors.ts';
import { stageActivity } from './stage-runtime.ts';

/** Run one of the pipeline's simulators and store what it produced as `observations`. */
export const simulate = stageActivity<{ simulator: string }>(async (ctx) => {
  const simulator = ctx.pipeline.simulators?.[ctx.params.simulator];
  if (!simulator) throw new UserError(`pipeline ${ctx.pipeline.name} has no simulator "${ctx.params.simulator}"`);
  const table = await simulator(ctx.invocation.params, ctx.rng, (stage, name, branch) => ctx.input(stage, name, branch));
  await ctx.write('observations', table);
  return { rows: table.numRows };
});
