/** The client side of the trust model against Debian's daemontools 0.76: same text, same exit codes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NOBODY, asUser } from '../helpers/as-user.js';
import { LONG, fifoStatusDir, hostileScan } from '../helpers/hostile-scan.js';
import { haveDaemontools, ours, run, theirs, waitFor } from '../helpers/proc.js';

const HAVE = haveDaemontools();
const opts = { skip: !HAVE && 'Debian daemontools not installed' };

test('R6: svstat on a FIFO at supervise/status (ok held open) prints what 0.76 prints, at once', opts, async (t) => {
  const d = fifoStatusDir(t);
  const line = `${d}: unable to read supervise/status: bad format\n`;
  const them = await run(theirs('svstat'), [d], { timeoutMs: 20000 });
  assert.deepEqual({ code: them.code, stdout: them.stdout }, { code: 0, stdout: line }, '0.76');
  const us = await run(ours('svstat'), [d], { timeoutMs: 20000 });
  assert.deepEqual({ code: us.code, signal: us.signal, stdout: us.stdout }, { code: 0, signal: null, stdout: them.stdout }, 'ours');
});

test('R7: svok as a user who may not open supervise/ok: exit 111 and the message of 0.76', opts, async (t) => {
  const h = hostileScan(t, 'exec sleep 1000');
  h.svscan();
  // b is root's: its supervise/ is root's 0700 (s's is nobody's own now, supervised as nobody)
  await waitFor(async () => (await run(ours('svok'), [h.b])).code === 0, LONG, 'root\'s svok: b supervised');
  const them = await asUser(NOBODY, theirs('svok'), [h.b]);
  assert.deepEqual({ code: them.code, stderr: them.stderr }, { code: 111, stderr: `svok: fatal: unable to open ${h.b}/supervise/ok: access denied\n` }, '0.76');
  const us = await asUser(NOBODY, ours('svok'), [h.b]);
  assert.deepEqual({ code: us.code, stderr: us.stderr }, { code: them.code, stderr: them.stderr }, 'ours');
});
