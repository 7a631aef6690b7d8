/** Pulls and fit residuals (lib/stats/pull.ts): one sign convention, (observed − expected)/σ. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fitResiduals, pull } from '../../../lib/stats/index.ts';

test('a pull is positive when the observed value lies above the expected one', () => {
  assert.ok(Math.abs(pull(1.1, 1, 0.05) - 2) < 1e-12);
  assert.ok(Math.abs(pull(0.9, 1, 0.05) + 2) < 1e-12);
});

test('fit residuals: (data − model)/σ, χ² their sum of squares, dof = points − free parameters', () => {
  const fit = fitResiduals([3, 1, 5], [1, 2, 5], [2, 0.5, 1], 1);
  assert.deepEqual(Array.from(fit.residuals), [1, -2, 0]);
  assert.equal(fit.chiSquare, 5);
  assert.equal(fit.dof, 2);
  assert.throws(() => fitResiduals([1, 2], [1], [1, 1], 0), /differ in length/);
});
