/** supervise's ./finish (s6 convention): arguments, timeout-finish, `svc -wD`, svstat while finishing. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { alive, fixture, ours, run, tempDir, waitFor } from '../helpers/proc.js';
import { extraState, fileLines, makeService, pidIn, rawStatus, superviseDir } from '../helpers/service-dir.js';


test('finish gets the exit code, 0 and DIR after an exit; 256, the signal number and DIR after a signal', async (t) => {
  const { dir: root, cleanup } = tempDir();
  const dir = makeService(root, 's', 'echo x >> starts; if [ -e crash ]; then exit 3; fi; exec sleep 100000', {
    finish: `#!/bin/sh\nexec ${fixture('supervise-record-args')} "$@"\n`,
  });
  writeFileSync(join(dir, 'crash'), '');
  superviseDir(t, dir, cleanup);
  const log = join(dir, 'finish.log');
  await waitFor(() => fileLines(log).length >= 1, 10000, 'finish after exit 3');
  assert.equal(fileLines(log)[0], `3 0 ${dir}`);
  // 0.76 restart after a quick death still holds with a finish script
  await waitFor(() => fileLines(join(dir, 'starts')).length >= 2, 10000, 'restart after finish');
  await run('rm', ['-f', join(dir, 'crash')]);
  const pid = await waitFor(() => { const p = rawStatus(dir).pid; return p !== 0 && fileLines(join(dir, 'starts')).length >= 3 && alive(p) && p; }, 10000, 'a long-running run');
  process.kill(pid, 'SIGKILL');
  await waitFor(() => fileLines(log).includes(`256 9 ${dir}`), 10000, 'finish after SIGKILL');
  assert.equal(extraState(dir).lastExit.signal, 'SIGKILL');
  assert.equal(extraState(dir).lastExit.code, null);
});

test('timeout-finish: a finish that overstays is killed, then run restarts', async (t) => {
  const { dir: root, cleanup } = tempDir();
  const dir = makeService(root, 's', 'echo x >> starts; exit 1', {
    finish: `#!/bin/sh\nexec ${fixture('supervise-record-args')} "$@"\n`,
    'finish-sleep': '100000\n',
    'timeout-finish': '300\n',
  });
  const sv = superviseDir(t, dir, cleanup, () => (existsSync(join(dir, 'finish.pid')) ? [pidIn(dir, 'finish.pid')] : []));
  const fin = await waitFor(() => existsSync(join(dir, 'finish.pid')) && pidIn(dir, 'finish.pid'), 10000, 'finish to start');
  await waitFor(() => fileLines(join(dir, 'starts')).length >= 2, 15000, 'run restarted after finish was killed');
  assert.ok(!alive(fin), 'the slow finish was killed');
  assert.ok(!existsSync(join(dir, 'finish.log')), 'finish never got to write');
  assert.equal(sv.child.exitCode, null, 'supervise still runs');
});

test('svc -d -wD returns only once finish is done; svstat says finishing meanwhile; -wd does not wait for it', async (t) => {
  const { dir: root, cleanup } = tempDir();
  const dir = makeService(root, 's', 'exec sleep 100000', {
    finish: `#!/bin/sh\nwhile [ ! -e release ]; do sleep 0.05; done\nexec ${fixture('supervise-record-args')} "$@"\n`,
  });
  superviseDir(t, dir, cleanup);
  await waitFor(() => existsSync(join(dir, 'supervise/status')) && rawStatus(dir).pid, 10000, 'up');
  const svstat0 = (await run(ours('svstat'), [dir])).stdout;
  assert.match(svstat0, /^.*: up \(pid \d+\) \d+ seconds\n$/, 'no extra words for a running service with a finish');
  let r = await run(ours('svc'), ['-d', '-wd', '-T', '10000', dir]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(rawStatus(dir).pid, 0);
  assert.equal(extraState(dir).state, 'finishing');
  assert.match((await run(ours('svstat'), [dir])).stdout, /: down \d+ seconds, normally up, finishing\n$/);
  r = await run(ours('svc'), ['-wD', '-T', '300', dir]);
  assert.equal(r.code, 111, 'finish still running: -wD times out');
  assert.equal(r.stderr, `svc: warning: timed out waiting for ${dir}\n`);
  const waiter = run(ours('svc'), ['-wD', '-T', '10000', dir]);
  writeFileSync(join(dir, 'release'), '');
  r = await waiter;
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(fileLines(join(dir, 'finish.log')), [`256 15 ${dir}`], 'finish done (TERM = 15) when -wD returned');
  assert.equal(extraState(dir).state, 'down');
  assert.match((await run(ours('svstat'), [dir])).stdout, /: down \d+ seconds, normally up\n$/);
});
