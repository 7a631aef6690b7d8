/** Report figures of the LISA pipelines (PipelineDefinition.reportFigures): vega-lite specs, data inline. */
import type { TopLevelSpec } from 'vega-lite';
import type { RunArtifacts } from '../../lib/report/from-manifest.ts';
import type { PipelineFigure } from '../../lib/report/types.ts';
import { tableRows } from '../../lib/store/parquet.ts';
import { mbhbExperiment } from './mbhb-model.ts';
import { binarySignal, sourceSchema } from './source.ts';

function stageSummary(run: RunArtifacts, stage: string): Record<string, unknown> {
  return (run.manifest.stages.find((s) => s.name === stage)?.summary?.[0] ?? {}) as Record<string, unknown>;
}

/** Whitened data and injected signal per bin (|x_k| / √(S_k/4Δf_k): unit-variance noise), and the call counts. */
export async function mbhbFigures(run: RunArtifacts): Promise<PipelineFigure[]> {
  const c = run.manifest.config as { seed: number; priorHalfWidth: number; source: unknown };
  const ex = mbhbExperiment({ source: sourceSchema.parse(c.source), noiseSeed: c.seed, priorHalfWidth: c.priorHalfWidth });
  const h = binarySignal(ex.grid, ex.truth);
  const values = Array.from(ex.grid.f, (f, k) => {
    const scale = Math.sqrt(ex.grid.weight[k]! / 2);
    return [
      { f, series: 'data', whitened: scale * Math.hypot(ex.data.re[k]!, ex.data.im[k]!) },
      { f, series: 'injected signal', whitened: scale * Math.hypot(h.re[k]!, h.im[k]!) },
    ];
  }).flat();
  const whitened: TopLevelSpec = {
    data: { values },
    mark: { type: 'line', point: false },
    encoding: {
      x: { field: 'f', type: 'quantitative', scale: { type: 'log' }, title: 'frequency (Hz)' },
      y: { field: 'whitened', type: 'quantitative', scale: { type: 'log' }, title: '|d̃| / σ_noise per bin' },
      color: { field: 'series', type: 'nominal' },
    },
    width: 480,
    height: 260,
  };
  const reference = Number(stageSummary(run, 'reference').ncall);
  const snl = Number(stageSummary(run, 'snl').simulator_calls);
  const calls: TopLevelSpec = {
    data: { values: [{ method: 'nested sampling (exact likelihood)', calls: reference }, { method: 'SNL (simulations)', calls: snl }] },
    mark: 'bar',
    encoding: {
      y: { field: 'method', type: 'nominal', title: null },
      x: { field: 'calls', type: 'quantitative', scale: { type: 'log' }, title: 'likelihood / simulator calls' },
    },
    width: 480,
    height: 80,
  };
  return [
    { name: 'lisa-whitened-data', title: 'Whitened data', caption: 'Per frequency bin, the observed data and the injected TaylorF2 signal in units of the noise standard deviation (noise alone sits near 1).', spec: whitened },
    { name: 'lisa-calls', title: 'Likelihood vs simulator calls', caption: `SNL used ${snl} simulations, ${((100 * snl) / reference).toFixed(2)} % of the ${reference} likelihood calls of the reference nested sampler.`, spec: calls },
  ];
}

/** Bias (median − truth)/σ against torque variability, binary and torque parameters side by side. */
export async function gasTorqueFigures(run: RunArtifacts): Promise<PipelineFigure[]> {
  const rows = tableRows(await run.load('bias', 'bias')).map((r) => ({ variability: r.variability, parameter: r.parameter, group: r.group, bias: r.bias_sigma, inside: r.inside_interval }));
  const spec: TopLevelSpec = {
    layer: [
      {
        data: { values: rows },
        mark: { type: 'point', filled: true, size: 60 },
        encoding: {
          x: { field: 'variability', type: 'quantitative', title: 'torque variability σ' },
          y: { field: 'bias', type: 'quantitative', scale: { type: 'symlog' }, title: '(median − truth) / posterior σ' },
          color: { field: 'parameter', type: 'nominal' },
          shape: { field: 'group', type: 'nominal', title: 'parameter group' },
        },
      },
      { data: { values: [{ y: -1.645 }, { y: 1.645 }] }, mark: { type: 'rule', strokeDash: [4, 4], color: 'grey' }, encoding: { y: { field: 'y', type: 'quantitative' } } },
    ],
    width: 480,
    height: 280,
  };
  return [{ name: 'lisa-torque-bias', title: 'Bias against torque variability', caption: 'Each point is one injection; dashed lines mark ±1.645σ (a Gaussian 90 % interval).', spec }];
}
