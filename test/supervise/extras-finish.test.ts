/** supervise's ./finish (s6 convention): arguments, timeout-finish, `svc -wD`, svstat while finishing. */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { alive, fixture, ours, run, start, tempDir, waitFor } from '../helpers/proc.js';
import { makeService, rawStatus } from '../helpers/service-dir.js';

/** Runs our supervise on dir; cleanup stops service and supervise, kills `extraPids()`, removes the temp dir. */
function supervise(t: TestContext, dir: string, cleanup: () => void, extraPids: () => number[] = () => []): ReturnType<typeof start> {
  const sv = start(ours('supervise'), [dir]);
  t.after(async () => {
    await run(ours('svc'), ['-dx', dir]);
    await waitFor(() => sv.child.exitCode !== null, 5000, 'supervise to exit').catch(() => {});
    await sv.stop('SIGKILL');
    for (const p of extraPids()) try { process.kill(p, 'SIGKILL'); } catch { /* gone */ }
    cleanup();
  });
  return sv;
}
const pidIn = (dir: string, f: string): number => Number(readFileSync(join(dir, f), 'utf8').trim());
const lines = (p: string): string[] => (existsSync(p) ? readFileSync(p, 'utf8').split('\n').filter(Boolean) : []);
const state = (dir: string): Record<string, any> => JSON.parse(readFileSync(join(dir, 'supervise/state.json'), 'utf8'));

test('finish gets the exit code, 0 and DIR after an exit; 256, the signal number and DIR after a signal', async (t) => {
  const { dir: root, cleanup } = tempDir();
  const dir = makeService(root, 's', 'echo x >> starts; if [ -e crash ]; then exit 3; fi; exec sleep 100000', {
    finish: `#!/bin/sh\nexec ${fixture('supervise-record-args')} "$@"\n`,
  });
  writeFileSync(join(dir, 'crash'), '');
  supervise(t, dir, cleanup);
  const log = join(dir, 'finish.log');
  await waitFor(() => lines(log).length >= 1, 10000, 'finish after exit 3');
  assert.equal(lines(log)[0], `3 0 ${dir}`);
  // 0.76 restart after a quick death still holds with a finish script
  await waitFor(() => lines(join(dir, 'starts')).length >= 2, 10000, 'restart after finish');
  await run('rm', ['-f', join(dir, 'crash')]);
  const pid = await waitFor(() => { const p = rawStatus(dir).pid; return p !== 0 && lines(join(dir, 'starts')).length >= 3 && alive(p) && p; }, 10000, 'a long-running run');
  process.kill(pid, 'SIGKILL');
  await waitFor(() => lines(log).includes(`256 9 ${dir}`), 10000, 'finish after SIGKILL');
  assert.equal(state(dir).lastExit.signal, 'SIGKILL');
  assert.equal(state(dir).lastExit.code, null);
});

test('timeout-finish: a finish that overstays is killed, then run restarts', async (t) => {
  const { dir: root, cleanup } = tempDir();
  const dir = makeService(root, 's', 'echo x >> starts; exit 1', {
    finish: `#!/bin/sh\nexec ${fixture('supervise-record-args')} "$@"\n`,
    'finish-sleep': '100000\n',
    'timeout-finish': '300\n',
  });
  const sv = supervise(t, dir, cleanup, () => (existsSync(join(dir, 'finish.pid')) ? [pidIn(dir, 'finish.pid')] : []));
  const fin = await waitFor(() => existsSync(join(dir, 'finish.pid')) && pidIn(dir, 'finish.pid'), 10000, 'finish to start');
  await waitFor(() => lines(join(dir, 'starts')).length >= 2, 15000, 'run restarted after finish was killed');
  assert.ok(!alive(fin), 'the slow finish was killed');
  assert.ok(!existsSync(join(dir, 'finish.log')), 'finish never got to write');
  assert.equal(sv.child.exitCode, null, 'supervise still runs');
});

test('svc -d -wD returns only once finish is done; svstat says finishing meanwhile; -wd does not wait for it', async (t) => {
  const { dir: root, cleanup } = tempDir();
  const dir = makeService(root, 's', 'exec sleep 100000', {
    finish: `#!/bin/sh\nwhile [ ! -e release ]; do sleep 0.05; done\nexec ${fixture('supervise-record-args')} "$@"\n`,
  });
  supervise(t, dir, cleanup);
  await waitFor(() => existsSync(join(dir, 'supervise/status')) && rawStatus(dir).pid, 10000, 'up');
  const svstat0 = (await run(ours('svstat'), [dir])).stdout;
  assert.match(svstat0, /^.*: up \(pid \d+\) \d+ seconds\n$/, 'no extra words for a running service with a finish');
  let r = await run(ours('svc'), ['-d', '-wd', '-T', '10000', dir]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(rawStatus(dir).pid, 0);
  assert.equal(state(dir).state, 'finishing');
  assert.match((await run(ours('svstat'), [dir])).stdout, /: down \d+ seconds, normally up, finishing\n$/);
  r = await run(ours('svc'), ['-wD', '-T', '300', dir]);
  assert.equal(r.code, 111, 'finish still running: -wD times out');
  assert.equal(r.stderr, `svc: warning: timed out waiting for ${dir}\n`);
  const waiter = run(ours('svc'), ['-wD', '-T', '10000', dir]);
  writeFileSync(join(dir, 'release'), '');
  r = await waiter;
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(lines(join(dir, 'finish.log')), [`256 15 ${dir}`], 'finish done (TERM = 15) when -wD returned');
  assert.equal(state(dir).state, 'down');
  assert.match((await run(ours('svstat'), [dir])).stdout, /: down \d+ seconds, normally up\n$/);
});
