import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evidenceReading, evidenceStrength } from '../../../lib/stats/evidence-scale.ts';

test("Trotta's scale: the bounds 1, 2.5 and 5 on |ln B|, either sign", () => {
  assert.deepEqual([0, 0.99, 1, -2.49, 2.5, 4.99, -5, 40].map(evidenceStrength), ['inconclusive', 'inconclusive', 'weak', 'weak', 'moderate', 'moderate', 'strong', 'strong']);
});

test('a reading names the favoured model and the difference in units of its error', () => {
  assert.equal(evidenceReading(-0.63, 0.2832, 'surrogate', 'full'), 'inconclusive (2.2σ)');
  assert.equal(evidenceReading(3.1, 0.5, 'wCDM', 'ΛCDM'), 'moderate, favours wCDM (6.2σ)');
  assert.equal(evidenceReading(-7, 0.2, 'wCDM', 'ΛCDM'), 'strong, favours ΛCDM (35.0σ)');
});
