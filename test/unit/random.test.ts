import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../lib/random.ts';

test('same seed gives the same stream; state round-trips', () => {
  const a = Rng.fromSeed(7);
  const b = Rng.fromSeed(7);
  for (let i = 0; i < 100; i++) assert.equal(a.uniform(), b.uniform());
  const c = Rng.fromState(a.state());
  for (let i = 0; i < 100; i++) assert.equal(a.normal(), c.normal());
  assert.notEqual(Rng.fromSeed(8).uniform(), Rng.fromSeed(7).uniform());
});

test('normal draws have unit variance and zero mean', () => {
  const r = Rng.fromSeed(1);
  const n = 200_000;
  let m = 0;
  let v = 0;
  for (let i = 0; i < n; i++) {
    const x = r.normal();
    m += x;
    v += x * x;
  }
  assert.ok(Math.abs(m / n) < 5 / Math.sqrt(n));
  assert.ok(Math.abs(v / n - 1) < 5 * Math.sqrt(2 / n));
});
