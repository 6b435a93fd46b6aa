/** softlimit before more of our (Node) loaders: the limits reach the final program, Node never runs under them. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { ours, runSync, tempDir } from '../helpers/proc.js';
import { parseLimit } from '@svkit/chain/softlimit';
import { encodeLimits, pendingLimits } from '@svkit/chain/pending-limits';

const LIMITS = "grep -E '^Max (data size|stack size|address space|open files)' /proc/$$/limits | tr -s ' '; env | grep '^SVKIT_SOFTLIMITS=' || echo no-pending-var";
const want = [
  'Max data size 500000000 unlimited bytes',
  'Max stack size 500000000 unlimited bytes',
  'Max open files 64 ',
  'Max address space 500000000 unlimited bytes',
];

for (const chain of [
  ['setlock', 'LOCK'],
  ['envdir', 'ENV', 'setlock', 'LOCK', 'pgrphack'],
  ['fghack'],
  ['setlock', 'LOCK', 'fghack'],
]) {
  test(`softlimit -m 500000000 -o 64 ${chain.join(' ')} sh: the shell has the limits, the chain ran`, (t) => {
    const { dir, cleanup } = tempDir('svkit-softlimit-');
    t.after(cleanup);
    mkdirSync(`${dir}/ENV`);
    const args = chain.map((a) => (a === a.toLowerCase() ? ours(a) : `${dir}/${a}`));
    const r = runSync(ours('softlimit'), ['-m', '500000000', '-o', '64', ...args, 'sh', '-c', LIMITS]);
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
    const lines = r.stdout.trim().split('\n');
    for (const w of want) assert.ok(lines.some((l) => l.startsWith(w)), `${w} in ${r.stdout}`);
    assert.equal(lines.at(-1), 'no-pending-var');
  });
}

test('pending limits: encode and parse round-trip; malformed entries ignored', () => {
  const m = new Map([[9, 500000000n], [7, 18446744073709551615n]]);
  assert.deepEqual(pendingLimits({ SVKIT_SOFTLIMITS: encodeLimits(m) }), m);
  assert.deepEqual(pendingLimits({ SVKIT_SOFTLIMITS: 'x=1,9=abc,,3=7' }), new Map([[3, 7n]]));
  assert.deepEqual(pendingLimits({}), new Map());
});

test('parseLimit: decimal or =, nothing else', () => {
  assert.equal(parseLimit('500000000'), 500000000n);
  assert.equal(parseLimit('='), 0xffffffffffffffffn);
  for (const bad of ['', '-5', '1x', '0x10', ' 5', '99999999999999999999999']) assert.equal(parseLimit(bad), undefined, bad);
});
