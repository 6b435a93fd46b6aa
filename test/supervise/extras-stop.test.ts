/** Stopping with escalation: down-signal, timeout-kill, setsid + process-group kills (svc -K), svc -1 -2 -q. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { alive, fixture, ours, run, tempDir, waitFor } from '../helpers/proc.js';
import { extraState, fileLines, makeService, pidIn, rawStatus, superviseDir } from '../helpers/service-dir.js';

const svc = (...args: string[]) => run(ours('svc'), args);
/** Field 5 of /proc/PID/stat: the process group. */
const pgid = (pid: number): number => { const s = readFileSync(`/proc/${pid}/stat`, 'latin1'); return Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[2]); };

test('svc -1 -2 -q -h -a -i deliver USR1 USR2 QUIT HUP ALRM INT, in the order given; status unchanged', async (t) => {
  const { dir: root, cleanup } = tempDir();
  const dir = makeService(root, 's', `exec ${fixture('supervise-trap-signals')}`);
  superviseDir(t, dir, cleanup);
  const pid = await waitFor(() => pidIn(dir, 'service.pid'), 10000, 'service up');
  for (const [letter, name] of [['1', 'USR1'], ['2', 'USR2'], ['q', 'QUIT'], ['h', 'HUP'], ['a', 'ALRM'], ['i', 'INT']] as const) {
    const r = await svc(`-${letter}`, dir);
    assert.equal(r.code, 0, r.stderr);
    await waitFor(() => fileLines(join(dir, 'signals')).at(-1) === name, 5000, `${name} recorded`);
  }
  assert.deepEqual(fileLines(join(dir, 'signals')), ['USR1', 'USR2', 'QUIT', 'HUP', 'ALRM', 'INT']);
  assert.equal(rawStatus(dir).pid, pid, 'same process');
  assert.ok(alive(pid));
  const r = await svc('-z', dir);
  assert.equal(r.code, 100);
  assert.equal(r.stderr, 'svc: illegal option -- z\nsvc options: u up, d down, o once, x exit, p pause, c continue, h hup, a alarm, i interrupt, t term, k kill\n');
});

test('down-signal: svc -d sends the named signal (then CONT) instead of TERM', async (t) => {
  const { dir: root, cleanup } = tempDir();
  const dir = makeService(root, 's', `exec ${fixture('supervise-trap-signals')} TERM`, { 'down-signal': 'HUP\n' });
  // the fixture ignores TERM and only records HUP: make HUP end it
  superviseDir(t, dir, cleanup, () => [pidIn(dir, 'service.pid')]);
  const pid = await waitFor(() => pidIn(dir, 'service.pid'), 10000, 'service up');
  await svc('-d', dir);
  await waitFor(() => fileLines(join(dir, 'signals')).includes('HUP'), 5000, 'HUP recorded');
  assert.ok(!fileLines(join(dir, 'signals')).some((l) => l.startsWith('TERM')), 'no TERM sent');
  assert.equal(extraState(dir).state, 'stopping');
  assert.equal(rawStatus(dir).want, 'd'.charCodeAt(0));
  process.kill(pid, 'SIGKILL');
});

test('timeout-kill: a service ignoring the down signal is killed with SIGKILL; lastExit says so', async (t) => {
  const { dir: root, cleanup } = tempDir();
  const dir = makeService(root, 's', `exec ${fixture('supervise-trap-signals')} TERM`, { 'timeout-kill': '300\n' });
  const sv = superviseDir(t, dir, cleanup, () => [pidIn(dir, 'service.pid')]);
  const pid = await waitFor(() => pidIn(dir, 'service.pid'), 10000, 'service up');
  const r = await svc('-d', '-wd', '-T', '10000', dir);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(!alive(pid));
  assert.ok(fileLines(join(dir, 'signals')).includes('TERM-ignored'), 'TERM came first and was ignored');
  assert.deepEqual(extraState(dir).lastExit.signal, 'SIGKILL');
  assert.equal(extraState(dir).state, 'down');
  assert.match(sv.stderr(), /still running 300 ms after the down signal: sending KILL/);
});

test('without setsid (0.76): svc -d stops a run that forgot exec, its background child survives', async (t) => {
  const { dir: root, cleanup } = tempDir();
  const dir = makeService(root, 's', `exec ${fixture('supervise-forgets-exec')}`);
  superviseDir(t, dir, cleanup, () => [pidIn(dir, 'child.pid'), pidIn(dir, 'fg.pid')]);
  const pid = await waitFor(() => pidIn(dir, 'service.pid'), 10000, 'service up');
  const child = await waitFor(() => pidIn(dir, 'child.pid'), 10000, 'child');
  assert.notEqual(pgid(pid), pid, 'the service stays in supervise\'s process group, as 0.76');
  await svc('-d', '-wd', '-T', '10000', dir);
  assert.ok(!alive(pid));
  assert.ok(alive(child), 'the forgotten child is left behind (the problem setsid solves)');
});

test('setsid: the service leads its own group; svc -d signals the whole group, leaving nothing behind', async (t) => {
  const { dir: root, cleanup } = tempDir();
  const dir = makeService(root, 's', `exec ${fixture('supervise-forgets-exec')}`, { setsid: '' });
  superviseDir(t, dir, cleanup, () => [pidIn(dir, 'child.pid'), pidIn(dir, 'fg.pid')]);
  const pid = await waitFor(() => pidIn(dir, 'service.pid'), 10000, 'service up');
  const child = await waitFor(() => pidIn(dir, 'child.pid'), 10000, 'child');
  assert.equal(pgid(pid), pid, 'own process group');
  assert.equal(pgid(child), pid, 'the child is in it');
  const r = await svc('-d', '-wd', '-T', '10000', dir);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(!alive(pid));
  await waitFor(() => !alive(child) && !alive(pidIn(dir, 'fg.pid')), 5000, 'background children killed with the group');
  assert.equal(extraState(dir).lastExit.signal, 'SIGTERM');
});

test('svc -K kills the whole process group under setsid; the service is restarted (want up)', async (t) => {
  const { dir: root, cleanup } = tempDir();
  const dir = makeService(root, 's', `echo x >> starts; exec ${fixture('supervise-forgets-exec')}`, { setsid: '' });
  const children: number[] = [];
  superviseDir(t, dir, cleanup, () => [...children, pidIn(dir, 'child.pid'), pidIn(dir, 'fg.pid')]);
  const pid = await waitFor(() => pidIn(dir, 'service.pid'), 10000, 'service up');
  const child = await waitFor(() => pidIn(dir, 'child.pid'), 10000, 'child');
  children.push(child);
  const r = await svc('-K', dir);
  assert.equal(r.code, 0, r.stderr);
  await waitFor(() => !alive(pid) && !alive(child), 5000, 'service and child killed');
  await waitFor(() => fileLines(join(dir, 'starts')).length === 2 && pidIn(dir, 'service.pid') !== pid, 10000, 'restarted');
  assert.equal(extraState(dir).lastExit.signal, 'SIGKILL');
});

test('svc -K without setsid kills only the service, never supervise\'s own group', async (t) => {
  const { dir: root, cleanup } = tempDir();
  const dir = makeService(root, 's', `exec ${fixture('supervise-forgets-exec')}`, { down: '' });
  const sv = superviseDir(t, dir, cleanup, () => [pidIn(dir, 'child.pid'), pidIn(dir, 'fg.pid')]);
  await waitFor(() => existsSync(join(dir, 'supervise/status')), 10000, 'supervise');
  await svc('-o', dir);
  const pid = await waitFor(() => pidIn(dir, 'service.pid'), 10000, 'service up');
  const child = await waitFor(() => pidIn(dir, 'child.pid'), 10000, 'child');
  await svc('-K', dir);
  await waitFor(() => !alive(pid), 5000, 'service killed');
  assert.ok(alive(child), 'not in a group of its own: only the service got KILL');
  assert.equal(sv.child.exitCode, null, 'supervise survived');
});
