import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, statSync, writeFileSync, mkdirSync, readFileSync, openSync, writeSync, closeSync, constants } from 'node:fs';
import { join } from 'node:path';
import { alive, ours, run, start, tempDir, waitFor, sleep } from '../helpers/proc.js';
import { makeService, rawStatus, stopSupervise } from '../helpers/service-dir.js';

const svstat = async (dir: string): Promise<string> => (await run(ours('svstat'), [dir])).stdout;
const svc = (...args: string[]) => run(ours('svc'), args);

test('supervise creates the protocol files with daemontools modes and runs ./run', async (t) => {
  const { dir: root, cleanup } = tempDir();
  const dir = makeService(root, 's', 'echo "$0 $$" > started; exec sleep 1000');
  const sv = start(ours('supervise'), [dir]);
  t.after(async () => { await stopSupervise(dir, sv); cleanup(); });
  await waitFor(() => existsSync(join(dir, 'started')) && readFileSync(join(dir, 'started'), 'utf8').endsWith('\n'), 10000, 'run to start');
  const [argv0, pid] = readFileSync(join(dir, 'started'), 'utf8').trim().split(' ');
  // the child may run before supervise has written its pid (so may 0.76's): wait for the status to name it
  await waitFor(() => existsSync(join(dir, 'supervise/status')) && rawStatus(dir).pid === Number(pid), 5000, `status names pid ${pid}`);
  const mode = (p: string) => statSync(join(dir, p)).mode & 0o7777;
  assert.equal(mode('supervise'), 0o700);
  assert.ok(statSync(join(dir, 'supervise/control')).isFIFO());
  assert.ok(statSync(join(dir, 'supervise/ok')).isFIFO());
  assert.equal(mode('supervise/control'), 0o600);
  assert.equal(mode('supervise/ok'), 0o600);
  assert.equal(mode('supervise/lock'), 0o600);
  assert.equal(mode('supervise/status'), 0o644);
  assert.equal(statSync(join(dir, 'supervise/status')).size, 18);
  assert.equal(argv0, './run');
  const st = rawStatus(dir);
  assert.equal(st.want, 'u'.charCodeAt(0));
  assert.ok(alive(st.pid));
});

test('control letters: d u p c t o x act as daemontools 0.76', async (t) => {
  const { dir: root, cleanup } = tempDir();
  const dir = makeService(root, 's', 'exec sleep 1000');
  const sv = start(ours('supervise'), [dir]);
  t.after(async () => { await stopSupervise(dir, sv); cleanup(); });
  const pid1 = await waitFor(() => existsSync(join(dir, 'supervise/status')) && rawStatus(dir).pid, 10000, 'up');
  await svc('-p', dir);
  await waitFor(() => rawStatus(dir).paused === 1, 5000, 'paused');
  assert.match(readFileSync(`/proc/${pid1}/stat`, 'latin1'), /\) T /);
  assert.match(await svstat(dir), /^.*: up \(pid \d+\) \d+ seconds, paused\n$/);
  await svc('-c', dir);
  await waitFor(() => rawStatus(dir).paused === 0, 5000, 'continued');
  await svc('-d', dir);
  await waitFor(() => rawStatus(dir).pid === 0, 5000, 'down');
  assert.equal(rawStatus(dir).want, 'd'.charCodeAt(0));
  assert.ok(!alive(pid1));
  assert.match(await svstat(dir), /: down \d+ seconds, normally up\n$/);
  await svc('-u', dir);
  const pid2 = await waitFor(() => rawStatus(dir).pid, 5000, 'up again');
  assert.notEqual(pid2, pid1);
  await svc('-t', dir); // TERM: restarted, since want is up
  const pid3 = await waitFor(() => { const p = rawStatus(dir).pid; return p !== 0 && p !== pid2 && p; }, 5000, 'restart after -t');
  await svc('-o', dir);
  await waitFor(() => rawStatus(dir).want === 0, 5000, 'want once');
  await svc('-k', dir);
  await waitFor(() => rawStatus(dir).pid === 0, 5000, 'killed, not restarted');
  await sleep(1500);
  assert.equal(rawStatus(dir).pid, 0, 'once: no restart');
  assert.ok(!alive(pid3));
  await svc('-x', dir);
  await waitFor(() => sv.child.exitCode !== null, 5000, 'supervise exits after x while down');
  assert.equal(sv.child.exitCode, 0);
});

test('the down file: starts with want down; svc -u starts it; svstat says normally down', async (t) => {
  const { dir: root, cleanup } = tempDir();
  const dir = makeService(root, 's', 'exec sleep 1000', { down: '' });
  const sv = start(ours('supervise'), [dir]);
  t.after(async () => { await stopSupervise(dir, sv); cleanup(); });
  await waitFor(() => existsSync(join(dir, 'supervise/status')), 10000, 'status');
  assert.equal(rawStatus(dir).pid, 0);
  assert.equal(rawStatus(dir).want, 'd'.charCodeAt(0));
  assert.match(await svstat(dir), /: down \d+ seconds\n$/);
  await svc('-u', dir);
  await waitFor(() => rawStatus(dir).pid, 5000, 'up');
  assert.match(await svstat(dir), /: up \(pid \d+\) \d+ seconds, normally down\n$/);
});

test('a crash-looping run is restarted about once a second, forever', async (t) => {
  const { dir: root, cleanup } = tempDir();
  const dir = makeService(root, 's', 'echo x >> starts; exit 1');
  const sv = start(ours('supervise'), [dir]);
  t.after(async () => { await stopSupervise(dir, sv); cleanup(); });
  await waitFor(() => existsSync(join(dir, 'starts')) && readFileSync(join(dir, 'starts'), 'utf8').length >= 6, 10000, '3 starts');
  assert.ok(sv.child.exitCode === null, 'supervise still runs');
});

test('missing or non-executable run: daemontools message on stderr, keeps trying, svc still works', async (t) => {
  const { dir: root, cleanup } = tempDir();
  const dir = join(root, 'norun');
  mkdirSync(dir);
  const sv = start(ours('supervise'), [dir]);
  t.after(async () => { await sv.stop('SIGKILL'); cleanup(); });
  await waitFor(() => sv.stderr().split('\n').filter((l) => l.includes('unable to start')).length >= 2, 10000, 'two start attempts');
  assert.match(sv.stderr(), new RegExp(`^supervise: fatal: unable to start ${dir}/run: file does not exist$`, 'm'));
  assert.doesNotMatch(sv.stderr(), /at .*\.js|Error:/, 'no stack trace');
  writeFileSync(join(dir, 'run'), '#!/bin/sh\nexec sleep 1000\n', { mode: 0o644 });
  await waitFor(() => sv.stderr().includes('access denied'), 10000, 'access denied');
  await svc('-dx', dir);
  await waitFor(() => sv.child.exitCode !== null, 5000, 'exit');
  assert.equal(sv.child.exitCode, 0);
});

test('usage, missing dir, unwritable dir and a held lock: messages and exit codes', async (t) => {
  const { dir: root, cleanup } = tempDir();
  let r = await run(ours('supervise'), []);
  assert.equal(r.code, 100);
  assert.equal(r.stderr, 'supervise: usage: supervise dir\n');
  r = await run(ours('supervise'), [join(root, 'nope')]);
  assert.equal(r.code, 111);
  assert.equal(r.stderr, `supervise: fatal: unable to chdir to ${root}/nope: file does not exist\n`);
  chmodSync(root, 0o755); // nobody may enter, but not write
  const ro = makeService(root, 'ro', 'exec sleep 1000');
  const asNobody = await run('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', ours('supervise'), ro]);
  assert.equal(asNobody.code, 111);
  assert.match(asNobody.stderr, /^supervise: fatal: unable to mkdir .*\/ro\/supervise: access denied\n$/);
  const dir = makeService(root, 's', 'exec sleep 1000');
  const sv = start(ours('supervise'), [dir]);
  t.after(async () => { await stopSupervise(dir, sv); cleanup(); });
  await waitFor(() => existsSync(join(dir, 'supervise/status')) && rawStatus(dir).pid, 10000, 'up');
  r = await run(ours('supervise'), [dir]);
  assert.equal(r.code, 111);
  assert.equal(r.stderr, `supervise: fatal: unable to acquire ${dir}/supervise/lock: temporary failure\n`);
});

test('garbage on the control FIFO is ignored; a regular file in place of a FIFO is replaced', async (t) => {
  const { dir: root, cleanup } = tempDir();
  const dir = makeService(root, 's', 'exec sleep 1000');
  mkdirSync(join(dir, 'supervise'), { mode: 0o700 });
  writeFileSync(join(dir, 'supervise/control'), 'not a fifo');
  const sv = start(ours('supervise'), [dir]);
  t.after(async () => { await stopSupervise(dir, sv); cleanup(); });
  const pid = await waitFor(() => existsSync(join(dir, 'supervise/status')) && rawStatus(dir).pid, 10000, 'up');
  assert.ok(statSync(join(dir, 'supervise/control')).isFIFO());
  assert.match(sv.stderr(), /supervise\/control is not a FIFO: replacing it/);
  const fd = openSync(join(dir, 'supervise/control'), constants.O_WRONLY | constants.O_NONBLOCK);
  writeSync(fd, Buffer.from([0, 255, 0x7a, 0x0a, 0x55, 0x44, 0xc3, 0xa9]));
  closeSync(fd);
  await sleep(300);
  assert.equal(rawStatus(dir).pid, pid, 'still the same process');
  assert.ok(alive(pid));
  await svc('-d', dir); // and control still works afterwards
  await waitFor(() => rawStatus(dir).pid === 0, 5000, 'down');
});

test('SIGTERM kills supervise only; the next supervise adopts the running service (no second instance)', async (t) => {
  const { dir: root, cleanup } = tempDir();
  const dir = makeService(root, 's', 'echo x >> starts; exec sleep 1000');
  const sv1 = start(ours('supervise'), [dir]);
  const pid = await waitFor(() => existsSync(join(dir, 'supervise/status')) && rawStatus(dir).pid, 10000, 'up');
  await sv1.stop('SIGTERM');
  assert.equal(sv1.child.signalCode, 'SIGTERM');
  assert.ok(alive(pid), 'service survives its supervisor');
  const sv2 = start(ours('supervise'), [dir]);
  t.after(async () => { await stopSupervise(dir, sv2); cleanup(); });
  await waitFor(async () => (await run(ours('svok'), [dir])).code === 0, 10000, 'svok');
  await sleep(500);
  assert.equal(rawStatus(dir).pid, pid, 'adopted, not restarted');
  assert.equal(readFileSync(join(dir, 'starts'), 'utf8'), 'x\n');
  await svc('-d', dir); // control reaches the adopted process
  await waitFor(() => !alive(pid), 5000, 'adopted process stopped');
  await waitFor(() => rawStatus(dir).pid === 0, 5000, 'status down');
  await svc('-u', dir);
  await waitFor(() => rawStatus(dir).pid !== 0, 5000, 'started again');
  await svc('-dx', dir);
  await waitFor(() => sv2.child.exitCode !== null, 5000, 'exit');
});
