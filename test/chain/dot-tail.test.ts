import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DotTail } from '@svkit/chain/dot-tail';

test('DotTail: starts as dots, shifts new bytes in from the right, keeps three dots, drops NUL', () => {
  const t = new DotTail(20);
  assert.equal(t.toString(), '....................');
  t.push(Buffer.from('fatal error xyz\nwarning abc\n'));
  assert.equal(t.toString(), '... xyz\nwarning abc\n');
  const s = new DotTail(7);
  s.push(Buffer.from('a\0'));
  s.push(Buffer.from('b'));
  assert.equal(s.toString(), '.....ab');
  s.push(Buffer.from('cdefghij'));
  assert.equal(s.toString(), '...ghij');
});
