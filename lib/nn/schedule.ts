/** Learning-rate schedules, evaluated once per epoch. */

export type LearningRateSchedule =
  | { kind: 'constant'; initial: number }
  /** η_e = η₀ · decay^e */
  | { kind: 'exponential'; initial: number; decayPerEpoch: number }
  /** η_e = η_min + (η₀ − η_min)(1 + cos(π e / E)) / 2 over the E planned epochs. */
  | { kind: 'cosine'; initial: number; final: number };

export function learningRateAt(schedule: LearningRateSchedule, epoch: number, totalEpochs: number): number {
  switch (schedule.kind) {
    case 'constant':
      return schedule.initial;
    case 'exponential':
      return schedule.initial * schedule.decayPerEpoch ** epoch;
    case 'cosine': {
      const progress = Math.min(epoch / Math.max(totalEpochs, 1), 1);
      return schedule.final + ((schedule.initial - schedule.final) * (1 + Math.cos(Math.PI * progress))) / 2;
    }
  }
}
