/** `svstat dir... | head -1`: a reader that goes away ends svstat as it ends daemontools 0.76's. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { haveDaemontools, ours, tempDir } from '../helpers/proc.js';

/**
 * Runs `SVSTAT dirs... | head -n 1` in bash: svstat's stderr and its exit status. 20000 missing
 * directories make ~1 MB of lines, far more than a pipe holds after head has left, so svstat
 * always writes to a pipe nobody reads.
 */
function headOne(svstat: string, root: string): { stderr: string; status: string; first: string } {
  const dirs = Array.from({ length: 20000 }, (_, i) => join(root, `missing${i}`));
  const script = `"$0" "$@" 2>"${root}/err" | head -n 1; echo "status=\${PIPESTATUS[0]}"; cat "${root}/err"`;
  const r = spawnSync('/bin/bash', ['-c', script, svstat, ...dirs], { encoding: 'utf8', timeout: 60000 });
  const [first, status, ...rest] = r.stdout.split('\n');
  return { first, status, stderr: rest.join('\n').trim() };
}

test('svstat into a pipe closed early: killed by SIGPIPE (status 141), no message', async (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const r = headOne(ours('svstat'), dir);
  assert.equal(r.first, `${join(dir, 'missing0')}: unable to chdir: file does not exist`);
  assert.equal(r.stderr, '');
  assert.equal(r.status, 'status=141');
});

test('the same as Debian daemontools 0.76 svstat', { skip: !haveDaemontools() && 'Debian daemontools not installed' }, async (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  assert.deepEqual(headOne(ours('svstat'), dir), headOne('/usr/bin/svstat', dir));
});
