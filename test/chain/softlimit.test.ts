/** softlimit before more of our (Node) loaders: the limits reach the final program, Node never runs under them. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
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

/** The soft and hard values of /proc/self/limits lines, by name (e.g. "Max data size"). */
function limits(text: string): Map<string, [string, string]> {
  const out = new Map<string, [string, string]>();
  for (const line of text.split('\n').slice(1)) {
    const m = /^(.+?)\s{2,}(\S+)\s+(\S+)/.exec(line);
    if (m) out.set(m[1]!, [m[2]!, m[3]!]);
  }
  return out;
}

for (const chain of [[], ['setlock', 'LOCK']]) {
  test(`softlimit -m 18446744073709551615 -c 18446744073709551615 ${[...chain, "sh"].join(" ")}: 2^64-1 is RLIM_INFINITY (soft = hard), as 0.76`, (t) => {
    const { dir, cleanup } = tempDir('svkit-softlimit-');
    t.after(cleanup);
    const args = chain.map((a) => (a === a.toLowerCase() ? ours(a) : `${dir}/${a}`));
    const max = '18446744073709551615';
    // start from lowered soft limits, so that "raised to the hard limit" shows
    const r = runSync('sh', ['-c', 'ulimit -S -c 0; ulimit -S -s 4096; exec "$@"', 'sh',
      ours('softlimit'), '-m', max, '-c', max, ...args, 'cat', '/proc/self/limits']);
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
    const got = limits(r.stdout);
    for (const name of ['Max data size', 'Max stack size', 'Max locked memory', 'Max address space', 'Max core file size']) {
      const [soft, hard] = got.get(name) ?? [];
      assert.equal(soft, hard, `${name}: ${r.stdout}`);
    }
    assert.equal(got.get('Max stack size')?.[0], limits(readFileSync('/proc/self/limits', 'utf8')).get('Max stack size')?.[1]);
  });
}

test('softlimit -m 18446744073709551616 (2^64) is a usage error', () => {
  const r = runSync(ours('softlimit'), ['-m', '18446744073709551616', 'true']);
  assert.equal(r.code, 100);
  assert.match(r.stderr, /^softlimit: usage: softlimit /);
});

test('pending limits: encode and parse round-trip; malformed entries ignored', () => {
  const m = new Map([[9, 500000000n], [7, 18446744073709551615n]]);
  assert.deepEqual(pendingLimits({ SVKIT_SOFTLIMITS: encodeLimits(m) }), m);
  assert.deepEqual(pendingLimits({ SVKIT_SOFTLIMITS: 'x=1,9=abc,,3=7' }), new Map([[3, 7n]]));
  assert.deepEqual(pendingLimits({}), new Map());
});

test('parseLimit: decimal or =, nothing else', () => {
  assert.equal(parseLimit('500000000'), 500000000n);
  assert.equal(parseLimit('='), 0xffffffffffffffffn);
  assert.equal(parseLimit('18446744073709551615'), 0xffffffffffffffffn);
  assert.equal(parseLimit('18446744073709551614'), 0xfffffffffffffffen);
  for (const bad of ['', '-5', '1x', '0x10', ' 5', '18446744073709551616', '99999999999999999999999']) assert.equal(parseLimit(bad), undefined, bad);
});
