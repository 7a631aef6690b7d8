import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closedForm, integrate } from '../../pipelines/demo/oscillator.ts';

test('the RK4 oscillator matches the closed-form damped solution to 1e-8', () => {
  const p = { omega: 2.1, gamma: 0.3, amplitude: 0.8 };
  const t = Float64Array.from({ length: 57 }, (_, i) => 0.17 * (i + 1));
  const x = integrate(p, t, 2000);
  t.forEach((ti, i) => assert.ok(Math.abs(x[i]! - closedForm(p, ti)) < 1e-8, `t=${ti}`));
});
