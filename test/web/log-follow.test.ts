import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LogFollowers } from '@svkit/web/log-follow';
import { tempDir, waitFor } from '../helpers/proc.js';

test('LogFollowers: one poller per file, appended lines, multilog rotation and truncation, times as tai64nlocal', async (t) => {
  const { dir, cleanup } = tempDir();
  const followers = new LogFollowers();
  t.after(() => {
    followers.closeAll();
    cleanup();
  });
  const cur = join(dir, 'current');
  writeFileSync(cur, 'old line\n');
  const a: string[] = [];
  const b: string[] = [];
  const offA = followers.subscribe(cur, 9, (s) => a.push(s));
  const offB = followers.subscribe(cur, 9, (s) => b.push(s));
  assert.equal(followers.size, 1, 'one poller for two subscribers');

  appendFileSync(cur, '@400000005f5e100a00000000 stamped\nhalf');
  await waitFor(() => a.join('').includes('stamped'), 10000, 'appended line');
  const local = new Date(1600000000 * 1000); // the label is 2^62 + 10 + unix seconds (daemontools)
  const p2 = (n: number): string => String(n).padStart(2, '0');
  assert.equal(a.join(''), `${local.getFullYear()}-${p2(local.getMonth() + 1)}-${p2(local.getDate())} ${p2(local.getHours())}:${p2(local.getMinutes())}:${p2(local.getSeconds())}.000000000 stamped\n`);
  appendFileSync(cur, ' done\n');
  await waitFor(() => a.join('').includes('half done\n'), 10000, 'a partial line is delivered once complete');

  // multilog rotation: current renamed away, a new current started
  renameSync(cur, join(dir, '@400000005f5e10000000000a.s'));
  writeFileSync(cur, 'after rotation\n');
  await waitFor(() => a.join('').includes('after rotation\n'), 10000, 'the new file from its start');

  truncateSync(cur, 0);
  appendFileSync(cur, 'x\n');
  await waitFor(() => a.join('').includes('==> File truncated <==\nx\n'), 10000, 'truncation noticed');
  assert.equal(b.join(''), a.join(''), 'both subscribers got the same text');
  assert.doesNotMatch(a.join(''), /old line/);
  offA();
  offB();
  assert.equal(followers.size, 0, 'the poller stops with its last subscriber');
});
