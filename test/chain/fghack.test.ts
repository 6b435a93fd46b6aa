/** fghack: a child that cannot be run is reported as 0.76 does (the extra fds must not swallow the exec error). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { ours, runSync, tempDir } from '../helpers/proc.js';

const ENV = { ...process.env, PATH: '/usr/bin:/bin' };

/** Children that cannot run, and what fghack must say about each. */
function children(dir: string): Array<[string, string]> {
  writeFileSync(`${dir}/noexec`, '#!/bin/sh\necho ran\n', { mode: 0o644 });
  writeFileSync(`${dir}/badint`, '#!/nonexistent/sh\necho ran\n', { mode: 0o755 });
  mkdirSync(`${dir}/adir`);
  return [
    ['./svkit-no-such-program', 'file does not exist'],
    ['./noexec', 'access denied'],
    ['./adir', 'access denied'],
    ['./badint', 'file does not exist'], // execve's ENOENT: only the exec itself can tell
    [`${dir}/badint`, 'file does not exist'],
  ];
}

test('fghack ./child that cannot run: "fghack: fatal: unable to run ./child: reason", exit 111', (t) => {
  const { dir, cleanup } = tempDir('svkit-fghack-');
  t.after(cleanup);
  for (const [child, reason] of children(dir)) {
    const r = runSync(ours('fghack'), [child, 'arg'], { cwd: dir, env: ENV });
    assert.deepEqual({ code: r.code, stderr: r.stderr, stdout: r.stdout },
      { code: 111, stderr: `fghack: fatal: unable to run ${child}: ${reason}\n`, stdout: '' }, child);
  }
});

test('fghack child found on PATH that cannot run: access denied / file does not exist, exit 111', (t) => {
  const { dir, cleanup } = tempDir('svkit-fghack-');
  t.after(cleanup);
  children(dir);
  for (const [child, reason] of [['noexec', 'access denied'], ['badint', 'file does not exist']]) {
    const r = runSync(ours('fghack'), [child], { cwd: dir, env: { ...ENV, PATH: `${dir}:/usr/bin:/bin` } });
    assert.deepEqual({ code: r.code, stderr: r.stderr }, { code: 111, stderr: `fghack: fatal: unable to run ${child}: ${reason}\n` }, child);
  }
});

test('softlimit -o 64 fghack ./child that cannot run: still fghack\'s message and 111 (limits pending)', (t) => {
  const { dir, cleanup } = tempDir('svkit-fghack-');
  t.after(cleanup);
  for (const [child, reason] of children(dir)) {
    const r = runSync(ours('softlimit'), ['-o', '64', ours('fghack'), child], { cwd: dir, env: ENV });
    assert.deepEqual({ code: r.code, stderr: r.stderr }, { code: 111, stderr: `fghack: fatal: unable to run ${child}: ${reason}\n` }, child);
  }
});

/** The fds 3 and up the child shell of `cmd...` had, with what each points to (pipe inode numbers kept). */
function childFds(cmd: string[]): Map<number, string> {
  const r = runSync(cmd[0]!, [...cmd.slice(1), 'sh', '-c', 'cd /proc/$$/fd && for f in [0-9]*; do echo "$f $(readlink $f)"; done'], { env: ENV });
  assert.equal(r.stderr, '');
  assert.equal(r.code, 0);
  const out = new Map<number, string>();
  for (const line of r.stdout.trim().split('\n')) {
    const [fd, target] = line.split(' ');
    if (Number(fd) > 2) out.set(Number(fd), target!);
  }
  return out;
}

for (const cmd of [[ours('fghack')], [ours('softlimit'), '-o', '64', ours('fghack')]]) {
  test(`${cmd.map((a) => a.replace(/.*\//, '')).join(' ')} sh: the child has fds 3-33 on one pipe`, () => {
    const fds = childFds(cmd);
    const pipe = fds.get(3);
    assert.match(pipe ?? '', /^pipe:\[\d+\]$/, `fd 3 in ${JSON.stringify([...fds])}`);
    for (let fd = 3; fd <= 33; fd++) assert.equal(fds.get(fd), pipe, `fd ${fd} in ${JSON.stringify([...fds])}`);
  });
}
