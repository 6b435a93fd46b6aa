/** Readiness (notification-fd), svc -w waits with -T, and svstat --json across directories. */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixture, haveDaemontools, ours, run, start, tempDir, theirs, waitFor } from '../helpers/proc.js';
import { extraState, makeService, rawStatus, stopSupervise } from '../helpers/service-dir.js';

/** Runs our supervise on each dir; cleanup stops services and supervisors, removes the temp dir. */
function supervise(t: TestContext, dirs: string[], cleanup: () => void): void {
  const svs = dirs.map((d) => start(ours('supervise'), [d]));
  t.after(async () => {
    for (const [i, sv] of svs.entries()) await stopSupervise(dirs[i]!, sv);
    cleanup();
  });
}
const svc = (...args: string[]) => run(ours('svc'), args);
const svstat = async (...dirs: string[]): Promise<string> => (await run(ours('svstat'), dirs)).stdout;

test('notification-fd: not ready until the service writes a newline; svc -wU times out (111), then succeeds', async (t) => {
  const { dir: root, cleanup } = tempDir();
  const dir = makeService(root, 's', `exec ${fixture('supervise-notify-ready')}`, { 'notification-fd': '5\n' });
  supervise(t, [dir], cleanup);
  const r1 = await svc('-wu', '-T', '10000', dir);
  assert.equal(r1.code, 0, r1.stderr);
  await waitFor(() => existsSync(join(dir, 'service.pid')), 10000, 'service running');
  const pid = rawStatus(dir).pid;
  assert.equal(extraState(dir).ready, false);
  assert.equal(extraState(dir).notifies, true);
  assert.match(await svstat(dir), /: up \(pid \d+\) \d+ seconds\n$/, 'no ready while not ready');
  const r2 = await svc('-wU', '-T', '300', dir);
  assert.equal(r2.code, 111);
  assert.equal(r2.stderr, `svc: warning: timed out waiting for ${dir}\n`);
  const waiter = svc('-wU', '-T', '10000', dir);
  writeFileSync(join(dir, 'go'), '');
  const r3 = await waiter;
  assert.equal(r3.code, 0, r3.stderr);
  assert.equal(extraState(dir).ready, true);
  assert.equal(rawStatus(dir).pid, pid, 'same process, now ready');
  assert.match(await svstat(dir), /: up \(pid \d+\) \d+ seconds, ready \d+ seconds\n$/);
  const [j] = JSON.parse((await run(ours('svstat'), ['--json', dir])).stdout);
  assert.equal(j.ready, true);
  assert.equal(typeof j.readySince, 'number');
  // a restart makes it not ready again until it says so
  rmSync(join(dir, 'go'));
  await svc('-t', dir);
  await waitFor(() => { const p = rawStatus(dir).pid; return p !== 0 && p !== pid; }, 10000, 'restarted');
  assert.equal(extraState(dir).ready, false, 'readiness is per run');
  assert.match(await svstat(dir), /: up \(pid \d+\) \d+ seconds\n$/);
  assert.equal((await svc('-wU', '-T', '200', dir)).code, 111);
});

test('svc -u db && svc -wU -T 10000 db && svc -u app: app starts only once db is ready', async (t) => {
  const { dir: root, cleanup } = tempDir();
  const db = makeService(root, 'db', `exec ${fixture('supervise-notify-ready')}`, { 'notification-fd': '4\n', down: '' });
  const app = makeService(root, 'app', 'test -e ../db/go && echo db-was-ready > started || echo db-not-ready > started; exec sleep 100000', { down: '' });
  supervise(t, [db, app], cleanup);
  await waitFor(() => existsSync(join(db, 'supervise/status')) && existsSync(join(app, 'supervise/status')), 10000, 'supervisors');
  const chain = run('sh', ['-c', `"$0" -u db && "$0" -wU -T 10000 db && "$0" -u app`, ours('svc')], { cwd: root });
  await waitFor(() => existsSync(join(db, 'service.pid')), 10000, 'db running');
  assert.ok(!existsSync(join(app, 'started')), 'app waits for db');
  writeFileSync(join(db, 'go'), '');
  const r = await chain;
  assert.equal(r.code, 0, r.stderr);
  await waitFor(() => existsSync(join(app, 'started')), 10000, 'app started');
  assert.equal(readFileSync(join(app, 'started'), 'utf8'), 'db-was-ready\n');
});

test('svc -w without a readiness protocol: U is up; d and D; bad -w/-T usage; unreachable dirs fail (111)', async (t) => {
  const { dir: root, cleanup } = tempDir();
  const dir = makeService(root, 's', 'exec sleep 100000');
  supervise(t, [dir], cleanup);
  assert.equal((await svc('-wU', '-T', '10000', dir)).code, 0);
  assert.equal((await svc('-wd', '-T', '200', dir)).code, 111);
  assert.equal((await svc('-d', '-wD', '-T', '10000', dir)).code, 0);
  assert.equal(rawStatus(dir).pid, 0);
  let r = await svc('-wx', dir);
  assert.equal(r.code, 100);
  assert.match(r.stderr, /^svc: -w takes u \(up\), U \(up and ready\), d \(down\) or D \(down and finished\), not x\nsvc: usage: svc /);
  r = await svc('-T', 'soon', '-wu', dir);
  assert.equal(r.code, 100);
  r = await svc('-wd', '-T', '200', dir, join(root, 'missing'));
  assert.equal(r.code, 111);
  assert.match(r.stderr, /unable to chdir to .*missing: file does not exist/);
  mkdirSync(join(root, 'nosup'));
  r = await svc('-wd', '-T', '200', join(root, 'nosup'));
  assert.equal(r.code, 111);
  assert.equal(r.stderr, `svc: warning: timed out waiting for ${join(root, 'nosup')}: unable to open supervise/ok: file does not exist\n`);
});

test('svstat --json: several dirs at once, a missing one and one without supervise get an error entry', async (t) => {
  const { dir: root, cleanup } = tempDir();
  const up = makeService(root, 'up', 'exec sleep 100000');
  const down = makeService(root, 'down', 'exec sleep 100000', { down: '' });
  mkdirSync(join(root, 'nosup'));
  supervise(t, [up, down], cleanup);
  await waitFor(() => existsSync(join(down, 'supervise/status')) && existsSync(join(up, 'supervise/status')) && rawStatus(up).pid, 10000, 'both supervised');
  const r = await run(ours('svstat'), ['--json', up, down, join(root, 'missing'), join(root, 'nosup')]);
  assert.equal(r.code, 0);
  const [a, b, c, d] = JSON.parse(r.stdout);
  assert.equal(a.dir, up);
  assert.equal(a.state, 'up');
  assert.equal(a.pid, rawStatus(up).pid);
  assert.equal(a.want, 'up');
  assert.equal(a.ready, true, 'no notification-fd: up is ready');
  assert.equal(a.restarts, 0);
  assert.equal(a.lastExit, null);
  assert.equal(typeof a.since, 'number');
  assert.equal(b.state, 'down');
  assert.equal(b.pid, null);
  assert.equal(b.want, 'down');
  assert.equal(b.normallyUp, false);
  assert.deepEqual(c, { dir: join(root, 'missing'), error: 'unable to chdir: file does not exist', code: 'ENOENT' });
  assert.deepEqual(d, { dir: join(root, 'nosup'), error: 'unable to open supervise/ok: file does not exist', code: 'ENOENT' });
  await svc('-k', up);
  await waitFor(() => { const x = extraState(up); return x.lastExit?.signal === 'SIGKILL' && x.pid !== 0 && x; }, 10000, 'restarted after kill');
  const [a2] = JSON.parse((await run(ours('svstat'), ['--json', up])).stdout);
  assert.deepEqual([a2.lastExit.code, a2.lastExit.signal, a2.restarts], [null, 'SIGKILL', 1]);
});

test('without the new files, our svstat line is word for word what Debian\'s svstat prints', async (t) => {
  if (!haveDaemontools()) return t.skip('daemontools not installed');
  const { dir: root, cleanup } = tempDir();
  const up = makeService(root, 'up', 'exec sleep 100000');
  const down = makeService(root, 'down', 'exec sleep 100000', { down: '' });
  supervise(t, [up, down], cleanup);
  await waitFor(() => existsSync(join(down, 'supervise/status')) && existsSync(join(up, 'supervise/status')) && rawStatus(up).pid, 10000, 'both supervised');
  await svc('-p', up);
  await svc('-u', down);
  await waitFor(() => rawStatus(up).paused === 1 && rawStatus(down).pid !== 0, 10000, 'paused and up');
  await svc('-d', down);
  await waitFor(() => rawStatus(down).pid === 0, 10000, 'down again');
  const args = [up, down, '-x', join(root, 'missing')];
  await waitFor(async () => (await run(ours('svstat'), args)).stdout === (await run(theirs('svstat'), args)).stdout, 10000, 'same output (retried across a second boundary)');
});
