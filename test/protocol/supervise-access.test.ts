/**
 * The clients' rule for reaching DIR/supervise (supervise-access.ts), through the protocol's
 * readers and writers as root: a link only in a directory owned by root or by us, supervise/ owned
 * by the directory's owner (root or us for a root-owned one), not writable by group or others.
 * Layouts are built by hand: a supervise/ with an `ok` FIFO whose reader the test holds ("running"),
 * a `control` FIFO whose reader the test holds (to see what a client wrote), and a status record.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, closeSync, constants, mkdirSync, openSync, readSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readExtraState, readStatus, serviceStatus, superviseRunning, writeControl } from '@svkit/protocol';
import { NOBODY, mkfifo } from '../helpers/as-user.js';
import { forgedStatus } from '../helpers/hostile-scan.js';
import { tempDir } from '../helpers/proc.js';

/** A supervise/-like directory at `path`, owned by `uid`, mode `mode`; its control FIFO's reader. */
function fakeSupervise(t: { after(fn: () => void): void }, path: string, uid: number, mode = 0o700, pid = 4242): { control(): string } {
  mkdirSync(path, { mode });
  chmodSync(path, mode);
  mkfifo(join(path, 'ok'));
  mkfifo(join(path, 'control'));
  writeFileSync(join(path, 'status'), forgedStatus(pid));
  writeFileSync(join(path, 'state.json'), JSON.stringify({ state: 'up', pid, restarts: 7 }));
  for (const f of ['ok', 'control', 'status', 'state.json', '.']) chownSync(join(path, f), uid, uid);
  const ok = openSync(join(path, 'ok'), constants.O_RDONLY | constants.O_NONBLOCK);
  const control = openSync(join(path, 'control'), constants.O_RDONLY | constants.O_NONBLOCK);
  t.after(() => { closeSync(ok); closeSync(control); });
  return {
    control() {
      const b = Buffer.alloc(256);
      try {
        return b.subarray(0, readSync(control, b)).toString('latin1');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EAGAIN') return '';
        throw e;
      }
    },
  };
}

/** A service directory NAME in `root` owned by `uid` (mode 0755). */
function serviceDir(root: string, name: string, uid: number): string {
  const d = join(root, name);
  mkdirSync(d, { mode: 0o755 });
  chownSync(d, uid, uid);
  return d;
}

/** What every reader makes of `dir`: pid seen (or error code) by each, and whether a letter got through. */
function clients(dir: string, control: () => string): Record<string, unknown> {
  const code = (f: () => unknown): unknown => {
    try {
      return f();
    } catch (e) {
      return (e as NodeJS.ErrnoException).code;
    }
  };
  return {
    serviceStatus: code(() => serviceStatus(dir).pid),
    readStatus: code(() => readStatus(dir).pid),
    readExtraState: readExtraState(dir)?.pid,
    superviseRunning: code(() => superviseRunning(dir)),
    writeControl: code(() => writeControl(dir, 'k')),
    letters: control(),
  };
}

const REFUSED = { serviceStatus: 'EUNTRUSTED', readStatus: 'EUNTRUSTED', readExtraState: undefined, superviseRunning: 'EUNTRUSTED', writeControl: 'EUNTRUSTED', letters: '' };
const OPEN = { serviceStatus: 4242, readStatus: 4242, readExtraState: 4242, superviseRunning: true, writeControl: undefined, letters: 'k' };

test('a supervise link in a directory nobody owns is never followed by root; one in a root-owned directory is', (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  chmodSync(dir, 0o755);
  const victim = fakeSupervise(t, join(dir, 'victim-supervise'), 0);
  const u = serviceDir(dir, 'u', NOBODY);
  symlinkSync(join(dir, 'victim-supervise'), join(u, 'supervise'));
  assert.deepEqual(clients(u, victim.control), REFUSED, 'nobody\'s link to root\'s supervise/');
  let msg = '';
  try { serviceStatus(u); } catch (e) { msg = (e as Error).message; }
  assert.equal(msg, 'unable to open supervise/ok: supervise is a symbolic link, in a directory we do not own');
  const r = serviceDir(dir, 'r', 0);
  symlinkSync(join(dir, 'victim-supervise'), join(r, 'supervise'));
  assert.deepEqual(clients(r, victim.control), OPEN, 'root\'s own link (the read-only-root recipe)');
});

test('supervise/ must be owned by the directory\'s owner (root\'s for root), not writable by group or others', (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  chmodSync(dir, 0o755);
  const cases: [string, number, number, number, Record<string, unknown>, string][] = [
    ['root dir, root supervise/', 0, 0, 0o700, OPEN, ''],
    ['nobody dir, nobody supervise/', NOBODY, NOBODY, 0o700, OPEN, ''],
    ['nobody dir, root supervise/ (leftover or planted)', NOBODY, 0, 0o700, REFUSED, 'supervise/ is owned by uid 0, not by uid 65534, the owner of DIR'],
    ['root dir, nobody supervise/ (planted; root\'s clients)', 0, NOBODY, 0o700, REFUSED, 'supervise/ is owned by uid 65534, not by uid 0, the owner of DIR'],
    ['root dir, root supervise/ mode 0777', 0, 0, 0o777, REFUSED, 'supervise/ is writable by group or others (mode 777)'],
    ['root dir, root supervise/ mode 0770', 0, 0, 0o770, REFUSED, 'supervise/ is writable by group or others (mode 770)'],
  ];
  cases.forEach(([what, dirUid, supUid, mode, want, why], i) => {
    const d = serviceDir(dir, `d${i}`, dirUid);
    const sup = fakeSupervise(t, join(d, 'supervise'), supUid, mode);
    assert.deepEqual(clients(d, sup.control), want, what);
    let msg = '';
    try { writeControl(d, 'k'); } catch (e) { msg = (e as Error).message; }
    assert.equal(msg, why.replace('DIR', d), `${what}: the reason`);
    sup.control();
  });
});

test('without supervise/, or with a file there, the errors are the system\'s, as 0.76 meets them', (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const none = serviceDir(dir, 'none', NOBODY);
  const file = serviceDir(dir, 'file', 0);
  writeFileSync(join(file, 'supervise'), '');
  const dangling = serviceDir(dir, 'dangling', 0);
  symlinkSync(join(dir, 'nowhere'), join(dangling, 'supervise'));
  const codes = (d: string): unknown[] => [superviseRunning, (x: string) => writeControl(x, 'u')].map((f) => {
    try { return f(d); } catch (e) { return (e as NodeJS.ErrnoException).code; }
  });
  assert.deepEqual(codes(none), ['ENOENT', 'ENOENT']);
  assert.deepEqual(codes(file), ['ENOTDIR', 'ENOTDIR']);
  assert.deepEqual(codes(dangling), ['ENOENT', 'ENOENT']);
  assert.throws(() => serviceStatus(none), { message: 'unable to open supervise/ok: file does not exist' });
});
