import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseScript } from '@svkit/log/multilog-script';

test('t only as the first argument; sizes clamped as 0.76; settings apply to later dirs', () => {
  const s = parseScript(['t', 's10', 'n0', './a', 's99999999', 'n5', '!gzip', '/b', 't']);
  assert.equal(s.timestamp, true);
  assert.deepEqual(s.actions, [
    { kind: 'dir', dir: './a', settings: { size: 4096, num: 2, processor: undefined } },
    { kind: 'dir', dir: '/b', settings: { size: 16777215, num: 5, processor: 'gzip' } },
  ]);
  assert.deepEqual(s.ignored, ['t']);
});

test('patterns, alerts, status files; unknown actions are ignored', () => {
  const s = parseScript(['e', '-*', '+x*', '=st', 'bogus', '']);
  assert.equal(s.timestamp, false);
  assert.equal(s.actions.length, 4);
  assert.deepEqual(s.actions[0], { kind: 'alert' });
  assert.equal(s.actions[1]!.kind, 'select');
  assert.deepEqual(s.actions[3], { kind: 'status', file: 'st' });
  assert.deepEqual(s.ignored, ['bogus', '']);
});

test('sizes read leading digits only; garbage is 0 and gets clamped', () => {
  const s = parseScript(['sabc', 'n3x', './d']);
  assert.deepEqual(s.actions[0], { kind: 'dir', dir: './d', settings: { size: 4096, num: 3, processor: undefined } });
});
