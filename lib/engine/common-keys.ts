/** Config keys every pipeline has, declared once with their meaning. */
import { z } from 'zod';

/** The run's seed: every random draw comes from a generator seeded by it. */
export const seedKey = z.number().int().nonnegative().default(42).describe('Seed of every random draw: the same config and seed give the same numbers, also across a crash and resume.');

/** How often long stages save a checkpoint; not part of any cache key. */
export function checkpointSecondsKey(seconds: number) {
  return z.number().positive().max(3600).default(seconds).describe('Seconds between checkpoints of long stages (a resumed stage continues from its last one).');
}
