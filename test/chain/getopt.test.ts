import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getopt } from '@svkit/chain/getopt';

test('getopt: clustered flags, attached and separate values, stops at the first operand', () => {
  const r = getopt(['-nx', '-m5', '-d', '7', 'file', '-n', 'x'], 'nxm:d:');
  assert.deepEqual(r, { ok: true, opts: [{ opt: 'n' }, { opt: 'x' }, { opt: 'm', value: '5' }, { opt: 'd', value: '7' }], rest: ['file', '-n', 'x'] });
});

test('getopt: -- ends options, a lone - is an operand', () => {
  assert.deepEqual(getopt(['-n', '--', '-x'], 'n'), { ok: true, opts: [{ opt: 'n' }], rest: ['-x'] });
  assert.deepEqual(getopt(['-', 'a'], 'n'), { ok: true, opts: [], rest: ['-', 'a'] });
});

test('getopt: unknown option and missing value are errors worded as daemontools', () => {
  assert.deepEqual(getopt(['-z'], 'n'), { ok: false, message: 'illegal option -- z' });
  assert.deepEqual(getopt(['-m'], 'm:'), { ok: false, message: 'option requires an argument -- m' });
  assert.deepEqual(getopt(['-:'], 'm:'), { ok: false, message: 'illegal option -- :' });
});
