/**
 * A pipeline for measuring and testing fan-outs (test/scale, bench/scale.ts): `draws` fans a
 * trivial simulator out over `branches` branches (each writes one row: its index and a seeded
 * uniform draw, after `spinMs` of CPU time); with `chained`, `doubled` reads branch i of `draws`
 * alone (aligned) and `total` reads every branch of `doubled` (fan-in).
 * While the file `failFlag` exists, branches from `failFrom` on fail (a user error): how a test
 * makes a run fail part-way and then resumes it.
 */
import { existsSync } from 'node:fs';
import { tableFromArrays } from 'apache-arrow';
import { z } from 'zod';
import { UserError } from '../../lib/engine/errors.ts';
import type { PipelineDefinition, StageDefinition } from '../../lib/engine/pipeline.ts';
import { numberColumn } from '../../lib/store/parquet.ts';
import { registerPipeline } from '../../pipelines/index.ts';

const schema = z
  .object({
    seed: z.number().int().default(1),
    branches: z.number().int().min(1),
    concurrency: z.number().int().min(1).default(64),
    chained: z.boolean().default(false),
    spinMs: z.number().min(0).default(0),
    failFlag: z.string().default(''),
    failFrom: z.number().int().default(0),
  })
  .strict();

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** Burn `ms` of this process's CPU time (not wall time: several workers sharing a core each still do the full work). */
function spin(ms: number): void {
  const start = process.cpuUsage();
  const used = () => {
    const { user, system } = process.cpuUsage(start);
    return (user + system) / 1000;
  };
  while (used() < ms);
}

export const fanOutProbe: PipelineDefinition<typeof schema> = {
  name: 'fan-out-probe',
  description: 'a trivial simulator fanned out over N branches, optionally chained (tests and bench of fan-outs)',
  version: '1',
  schema,
  stages: (c): StageDefinition[] => [
    {
      name: 'draws',
      activity: 'simulate',
      params: { simulator: 'draw', spinMs: c.spinMs, failFlag: c.failFlag, failFrom: c.failFrom },
      fanOut: { param: 'index', values: range(c.branches), concurrency: c.concurrency },
    },
    ...(c.chained
      ? [
          {
            name: 'doubled',
            activity: 'simulate',
            dependsOn: ['draws'],
            params: { simulator: 'double' },
            fanOut: { param: 'index', values: range(c.branches), concurrency: c.concurrency, alignedWith: ['draws'] },
          },
          { name: 'total', activity: 'simulate', dependsOn: ['doubled'], params: { simulator: 'total', branches: c.branches } },
        ]
      : []),
  ],
  simulators: {
    draw: (p, rng) => {
      spin(Number(p.spinMs));
      if (p.failFlag && Number(p.index) >= Number(p.failFrom) && existsSync(String(p.failFlag))) throw new UserError(`branch ${p.index}: ${p.failFlag} exists`);
      return tableFromArrays({ index: Float64Array.of(Number(p.index)), x: Float64Array.of(rng.uniform()) });
    },
    double: async (_p, _rng, load) => {
      const own = await load('draws', 'observations');
      return tableFromArrays({ index: numberColumn(own, 'index'), x: numberColumn(own, 'x').map((x) => 2 * x) });
    },
    total: async (p, _rng, load) => {
      const tables = await Promise.all(range(Number(p.branches)).map((b) => load('doubled', 'observations', b)));
      const sum = tables.reduce((s, t) => s + numberColumn(t, 'x')[0]!, 0);
      return tableFromArrays({ branches: Float64Array.of(tables.length), sum: Float64Array.of(sum) });
    },
  },
};

registerPipeline(fanOutProbe as unknown as PipelineDefinition);
