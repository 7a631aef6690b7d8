/** `--tag key=value` and `--note` (lib/engine/run-labels.ts): what a run's labels may be. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../../lib/engine/errors.ts';
import { checkNote, parseTags } from '../../lib/engine/run-labels.ts';

test('tags: key=value pairs (the value may hold = and be empty); anything else is a one-line user error naming the flag', () => {
  assert.deepEqual(parseTags(['owner=ana', 'query=a=b', 'empty=']), { owner: 'ana', query: 'a=b', empty: '' });
  const proto = parseTags(['__proto__=x']);
  assert.equal(Object.getPrototypeOf(proto), Object.prototype, 'a __proto__ key is a plain key');
  assert.equal(Object.getOwnPropertyDescriptor(proto, '__proto__')?.value, 'x');
  for (const [flags, message] of [
    [['x'], '--tag x: expected key=value'],
    [['=v'], '--tag =v: expected key=value'],
    [['a b=c'], '--tag a b=c: the key must be letters, digits, _ . - (at most 64, not starting with . or -)'],
    [['k=1', 'k=2'], '--tag k: given twice'],
    [[`k=${'v'.repeat(257)}`], '--tag k: the value is longer than 256 characters'],
  ] as const) {
    assert.throws(() => parseTags(flags), (err: Error) => err instanceof UserError && err.message === message, message);
  }
  assert.equal(checkNote('a first look'), 'a first look');
  assert.throws(() => checkNote('n'.repeat(2001)), /--note: longer than 2000 characters/);
});
