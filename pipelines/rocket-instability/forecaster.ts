/**
 * The amplitude forecaster: a heteroscedastic deep ensemble (lib/nn/heteroscedastic.ts) on the
 * features of one sensor set, trained on whole test runs and early-stopped and recalibrated on
 * other whole runs (rows of one run are strongly autocorrelated, so a random row split would leak).
 */
import type { Table } from 'apache-arrow';
import { fitHeteroscedasticEnsemble, HeteroscedasticEnsemble, type EnsembleLosses, type EnsembleTrainingHooks, type HeteroscedasticConfig, type SerializedHeteroscedasticEnsemble } from '../../lib/nn/heteroscedastic.ts';
import type { Matrix } from '../../lib/nn/matrix.ts';
import { heteroscedasticEnsembleFromTable, heteroscedasticEnsembleToTable, networkAttributes } from '../../lib/nn/network-table.ts';
import { hashJson } from '../../lib/store/hash.ts';
import { featureColumns, SENSOR_SETS, type FeatureColumn, type SensorSet } from './features.ts';

/** One test run's feature columns (see extractFeatures) with its name and threshold crossing. */
export interface RunFeatures {
  run: string;
  features: Record<string, ArrayLike<number>>;
  /** Time the envelope first exceeds the instability threshold [s]; NaN for a stable run. */
  crossing: number;
}

export type Role = 'train' | 'validation' | 'test';

/**
 * Whole runs to roles, stratified by stability: within the unstable and the stable runs, ordered
 * by a hash of the run name, the first `testFraction` go to test, the next `validationFraction`
 * (at least one when a class has three runs or more) to validation, the rest to training.
 */
export function assignRoles(runs: readonly { run: string; crossing: number }[], testFraction: number, validationFraction: number): Map<string, Role> {
  const roles = new Map<string, Role>();
  for (const unstable of [true, false]) {
    const members = runs.filter((r) => !Number.isNaN(r.crossing) === unstable).sort((a, b) => hashJson(a.run).localeCompare(hashJson(b.run)));
    const atLeastOne = members.length >= 3 ? 1 : 0;
    const nTest = Math.max(atLeastOne, Math.round(members.length * testFraction));
    const nValidation = Math.max(atLeastOne, Math.round(members.length * validationFraction));
    members.forEach((r, i) => roles.set(r.run, i < nTest ? 'test' : i < nTest + nValidation ? 'validation' : 'train'));
  }
  return roles;
}

/** Rows of every run stacked, in `columns` order. */
export function designMatrix(runs: readonly RunFeatures[], columns: readonly FeatureColumn[]): Matrix {
  const rows = runs.reduce((n, r) => n + r.features.t!.length, 0);
  const data = new Float32Array(rows * columns.length);
  let offset = 0;
  for (const r of runs) {
    const cols = columns.map((c) => {
      const values = r.features[c.name];
      if (!values) throw new Error(`run ${r.run}: no feature column ${c.name}`);
      return values;
    });
    const n = r.features.t!.length;
    for (let i = 0; i < n; i++) cols.forEach((values, j) => (data[(offset + i) * columns.length + j] = values[i]!));
    offset += n;
  }
  return { rows, cols: columns.length, data };
}

export function stackedTargets(runs: readonly RunFeatures[]): Float64Array {
  return Float64Array.from(runs.flatMap((r) => Array.from(r.features.target!)));
}

/** What a forecaster predicts with: the ensemble and the features it reads. */
export interface ForecasterModel {
  sensorSet: SensorSet;
  horizonMs: number;
  model: SerializedHeteroscedasticEnsemble;
}

export interface TrainedForecaster extends ForecasterModel {
  losses: EnsembleLosses;
}

/** The `model` artifact: the ensemble's network table (lib/nn/network-table.ts), its sensor set and horizon as attributes. */
export const forecasterTable = ({ sensorSet, horizonMs, model }: ForecasterModel): Table => heteroscedasticEnsembleToTable(model, { sensorSet, horizonMs });

export function forecasterFromTable(table: Table): ForecasterModel {
  const { sensorSet, horizonMs } = networkAttributes(table) as Pick<ForecasterModel, 'sensorSet' | 'horizonMs'>;
  return { sensorSet, horizonMs, model: heteroscedasticEnsembleFromTable(table) };
}

export async function trainForecaster(
  train: readonly RunFeatures[],
  validation: readonly RunFeatures[],
  sensorSet: SensorSet,
  horizonMs: number,
  network: Partial<HeteroscedasticConfig>,
  recalibrate: boolean,
  hooks: EnsembleTrainingHooks = {},
): Promise<TrainedForecaster> {
  const columns = featureColumns(SENSOR_SETS[sensorSet], horizonMs);
  const val = { inputs: designMatrix(validation, columns), targets: stackedTargets(validation) };
  const fit = await fitHeteroscedasticEnsemble({ inputs: designMatrix(train, columns), targets: stackedTargets(train) }, val, network, hooks);
  if (recalibrate) fit.ensemble.calibrate(val.inputs, val.targets);
  const model = fit.ensemble.serialize();
  fit.ensemble.dispose();
  return { sensorSet, horizonMs, model, losses: fit.losses };
}

/** A restored forecaster: predictions and attributions on feature rows of any run. */
export class Forecaster {
  readonly columns: FeatureColumn[];
  private readonly ensemble: HeteroscedasticEnsemble;

  constructor(readonly trained: ForecasterModel) {
    this.columns = featureColumns(SENSOR_SETS[trained.sensorSet], trained.horizonMs);
    this.ensemble = HeteroscedasticEnsemble.restore(trained.model);
  }

  predict(runs: readonly RunFeatures[]) {
    return this.ensemble.predict(designMatrix(runs, this.columns));
  }

  /** Integrated gradients from the training mean of the inputs, per feature column. */
  attributions(runs: readonly RunFeatures[], steps: number): Matrix {
    return this.ensemble.integratedGradients(designMatrix(runs, this.columns), this.trained.model.inputScaling.mean, steps);
  }

  dispose(): void {
    this.ensemble.dispose();
  }
}
