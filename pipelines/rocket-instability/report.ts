/**
 * The pipeline's report figures: forecast against truth with the 90 % band on a held-out run, the
 * scores of every model and baseline (the sensor ablation), integrated-gradients attribution per
 * input channel, and the epistemic spread before and after the dynamic-pressure sensor dies.
 */
import type { Table } from 'apache-arrow';
import type { Json } from '../../lib/engine/types.ts';
import type { RunArtifacts } from '../../lib/report/from-manifest.ts';
import type { PipelineFigure } from '../../lib/report/types.ts';
import { tableRows } from '../../lib/store/parquet.ts';

const rows = (table: Table) => tableRows(table) as { [key: string]: Json }[];

function forecastFigure(name: string, title: string, data: { [key: string]: Json }[], threshold: number, caption: string): PipelineFigure {
  const x = { field: 'target_time', type: 'quantitative', title: 'time [s] (origin + horizon)' } as const;
  return {
    name,
    title,
    caption,
    spec: {
      width: 640,
      height: 260,
      data: { values: data },
      layer: [
        { mark: { type: 'area', opacity: 0.3, color: '#4c78a8' }, encoding: { x, y: { field: 'lower90', type: 'quantitative', title: '1T envelope [bar]' }, y2: { field: 'upper90' } } },
        { mark: { type: 'line', color: '#4c78a8' }, encoding: { x, y: { field: 'mean', type: 'quantitative' } } },
        { mark: { type: 'line', color: '#222', strokeWidth: 1 }, encoding: { x, y: { field: 'truth', type: 'quantitative' } } },
        { data: { values: [{ threshold }] }, mark: { type: 'rule', color: '#e45756', strokeDash: [4, 4] }, encoding: { y: { field: 'threshold', type: 'quantitative' } } },
      ],
    },
  };
}

export async function rocketFigures(run: RunArtifacts): Promise<PipelineFigure[]> {
  const done = (stage: string) => run.manifest.stages.some((s) => s.name === stage && s.status === 'completed');
  const config = run.manifest.config as { threshold?: number; horizonMs?: number };
  const threshold = Number(config.threshold ?? 1);
  const horizon = Number(config.horizonMs ?? 500) / 1000;
  const figures: PipelineFigure[] = [];
  if (done('forecast')) {
    const f = rows(await run.load('forecast', 'forecast'));
    figures.push(forecastFigure('rocket-forecast', 'Forecast of the new run', f, threshold, `Ensemble mean (blue) and 90 % interval of the envelope ${horizon * 1000} ms ahead; black: measured envelope; red: instability threshold.`));
  }
  if (!done('evaluate')) return figures;
  const example: { [key: string]: Json }[] = rows(await run.load('evaluate', 'forecast_example')).map((r) => ({ ...r, target_time: Number(r.t) + horizon }));
  figures.push(
    forecastFigure(
      'rocket-forecast-example',
      `Held-out run ${String(example[0]?.run ?? '')}: forecast vs truth`,
      example,
      threshold,
      `Forecast ${horizon * 1000} ms ahead from every origin, plotted at the time it forecasts: mean (blue), 90 % interval (aleatoric + epistemic), measured envelope (black), threshold (red).`,
    ),
  );
  const metrics = rows(await run.load('evaluate', 'metrics'));
  const bars = (field: string, title: string) => ({
    width: 200,
    height: 160,
    mark: 'bar' as const,
    encoding: { y: { field: 'method', type: 'nominal' as const, sort: null, title: null }, x: { field, type: 'quantitative' as const, title } },
  });
  figures.push({
    name: 'rocket-ablation',
    title: 'Held-out scores: sensor ablation and baselines',
    caption: 'ensemble:<set> is the deep ensemble on that sensor set (planned controls always included); persistence and linear-ar are the baselines. Coverage target: 0.9.',
    spec: { data: { values: metrics }, hconcat: [bars('rmse', 'RMSE [bar]'), bars('nll', 'NLL [nats]'), bars('coverage90', '90 % coverage')] },
  });
  figures.push({
    name: 'rocket-attribution',
    title: 'Integrated-gradients attribution per input channel',
    caption: 'Mean |attribution| of the all-sensor ensemble mean (from the training-mean input) on held-out origins, as a share of the total.',
    spec: {
      width: 400,
      height: 180,
      data: { values: rows(await run.load('evaluate', 'attribution')) },
      mark: 'bar',
      encoding: { y: { field: 'channel', type: 'nominal', sort: '-x', title: null }, x: { field: 'share', type: 'quantitative', title: 'share of |IG|' } },
    },
  });
  const failure = rows(await run.load('evaluate', 'failure_example')).flatMap((r) => [
    { t: r.t, sd: r.epistemic_sd_clean, series: 'sensor working' },
    { t: r.t, sd: r.epistemic_sd_failed, series: 'dynamic-pressure sensor dead' },
  ]);
  figures.push({
    name: 'rocket-sensor-failure',
    title: 'Epistemic uncertainty after a sensor failure',
    caption: 'Epistemic sd of the forecast on a held-out run after the dynamic-pressure sensor stops (reads 0), against the same run with the sensor working.',
    spec: {
      width: 640,
      height: 200,
      data: { values: failure },
      mark: 'line',
      encoding: { x: { field: 't', type: 'quantitative', title: 'forecast origin [s]' }, y: { field: 'sd', type: 'quantitative', title: 'epistemic sd [bar]' }, color: { field: 'series', type: 'nominal', title: null } },
    },
  });
  return figures;
}
