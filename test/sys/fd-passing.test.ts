/**
 * Handing descriptors to another process (SCM_RIGHTS over a SOCK_SEQPACKET pair) and O_PATH
 * handles, as root svscan hands a user's directories and log pipes to that user's supervisor; and
 * spawnProcess started in a directory given by descriptor (fchdir), which follows a rename.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, fstatSync, mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { closeQuiet, MAX_PASSED_FDS, openDirPath, pipe2, recvFds, seqpacketPair, sendFds } from '@svkit/sys';
import { ROOT, run, tempDir } from '../helpers/proc.js';

test('sendFds/recvFds: bytes and descriptors arrive together, one message at a time; nothing queued, end of file, too many', (t) => {
  const { dir, cleanup } = tempDir('svkit-fdpass-');
  t.after(cleanup);
  const [a, b] = seqpacketPair();
  t.after(() => { closeQuiet(a); closeQuiet(b); });
  assert.equal(recvFds(b), undefined, 'nothing queued: undefined, no blocking');
  const [r, w] = pipe2();
  const d = openDirPath(dir);
  sendFds(a, Buffer.from('{"op":"first"}'), [d, r]);
  sendFds(a, Buffer.from('second'), []);
  closeQuiet(r);
  const got = recvFds(b)!;
  assert.equal(got.data.toString(), '{"op":"first"}');
  assert.equal(got.fds.length, 2);
  assert.equal(readlinkSync(`/proc/self/fd/${got.fds[0]}`), dir, 'the directory, as a new descriptor');
  assert.ok(fstatSync(got.fds[1]!).isFIFO(), 'the pipe');
  // the passed read end reads what our write end writes
  writeFileSync(`/proc/self/fd/${w}`, 'through\n');
  closeQuiet(w);
  assert.equal(readFileSync(`/proc/self/fd/${got.fds[1]}`, 'utf8'), 'through\n');
  const flags = readFileSync(`/proc/self/fdinfo/${got.fds[0]}`, 'latin1');
  assert.equal(Number.parseInt(/flags:\s*(\d+)/.exec(flags)![1]!, 8) & 0o10000000, 0o10000000, 'still O_PATH: no read or write right');
  assert.equal(Number.parseInt(/flags:\s*(\d+)/.exec(flags)![1]!, 8) & 0o2000000, 0o2000000, 'close-on-exec');
  got.fds.forEach(closeQuiet);
  assert.deepEqual(recvFds(b), { data: Buffer.from('second'), fds: [] });
  assert.throws(() => sendFds(a, Buffer.from('x'), new Array(MAX_PASSED_FDS + 1).fill(d)), { code: 'EMSGSIZE' });
  closeQuiet(d);
  closeQuiet(a);
  assert.equal(recvFds(b), null, 'the peer closed: null');
});

test('openDirPath: a directory only (a FIFO is never opened, ENOTDIR)', (t) => {
  const { dir, cleanup } = tempDir('svkit-fdpass-');
  t.after(cleanup);
  writeFileSync(join(dir, 'file'), '');
  assert.throws(() => openDirPath(join(dir, 'file')), { code: 'ENOTDIR' });
  assert.throws(() => openDirPath(join(dir, 'none')), { code: 'ENOENT' });
  const fd = openDirPath(dir);
  assert.throws(() => readFileSync(`/proc/self/fd/${fd}/../none`), { code: 'ENOENT' });
  closeSync(fd);
});

test('spawnProcess with cwdFd: the program starts in the directory held open, after it was renamed and another put in its place', async (t) => {
  const { dir, cleanup } = tempDir('svkit-fdpass-');
  t.after(cleanup);
  mkdirSync(join(dir, 'svc'));
  writeFileSync(join(dir, 'svc/run'), '#!/bin/sh\necho held\n', { mode: 0o755 });
  const script = join(dir, 'driver.mjs');
  writeFileSync(script, `import * as sys from ${JSON.stringify(join(ROOT, 'packages/sys/dist/index.js'))};
    import { mkdirSync, openSync, renameSync, writeFileSync } from 'node:fs';
    const held = openSync(${JSON.stringify(join(dir, 'svc'))}, 'r');
    renameSync(${JSON.stringify(join(dir, 'svc'))}, ${JSON.stringify(join(dir, 'moved'))});
    mkdirSync(${JSON.stringify(join(dir, 'svc'))});
    writeFileSync(${JSON.stringify(join(dir, 'svc/run'))}, '#!/bin/sh\\necho planted\\n', { mode: 0o755 });
    const pid = sys.spawnProcess({ file: './run', argv: ['./run'], cwdFd: held, env: {}, fds: new Map([[1, 1], [2, 2]]) });
    sys.onChildExit(pid, () => {});
  `);
  const r = await run(process.execPath, [script], { timeoutMs: 30000 });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'held\n');
});
