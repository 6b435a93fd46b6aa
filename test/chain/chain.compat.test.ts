/** Each program against Debian's daemontools on the same inputs: exit code, messages, and what the child gets. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fixture, haveDaemontools, ours, runSync, start, tempDir, theirs, waitFor, type RunResult } from '../helpers/proc.js';
import { userWithGroups } from './proc-info.js';

const have = haveDaemontools();
const REPORT = fixture('chain-report');
const ENV = { ...process.env, PATH: '/usr/local/bin:/usr/bin:/bin', SVKIT_TEST_KEEP: 'kept', SVKIT_TEST_GONE: 'gone', SVKIT_TEST_OLD: 'old' };

/** Builds the inputs both implementations get: an env dir, a lock file path, a plain file. */
function inputs(dir: string): void {
  mkdirSync(`${dir}/env`);
  writeFileSync(`${dir}/env/SVKIT_TEST_NEW`, 'new value  \t \nsecond line\n');
  writeFileSync(`${dir}/env/SVKIT_TEST_OLD`, 'replaced');
  writeFileSync(`${dir}/env/SVKIT_TEST_GONE`, '');
  writeFileSync(`${dir}/env/SVKIT_TEST_NUL`, 'a\0b \0');
  writeFileSync(`${dir}/env/SVKIT_TEST_EMPTYLINE`, '\nx');
  writeFileSync(`${dir}/env/SVKIT_TEST_EQ=X`, 'odd');
  writeFileSync(`${dir}/env/.SVKIT_TEST_HIDDEN`, 'hidden');
  mkdirSync(`${dir}/envsub/sub`, { recursive: true });
  writeFileSync(`${dir}/plain`, 'x');
  mkdirSync(`${dir}/envpath`);
  writeFileSync(`${dir}/envpath/PATH`, '/nonexistent');
  writeFileSync(`${dir}/noexec`, '#!/bin/sh\necho ran\n', { mode: 0o644 });
  writeFileSync(`${dir}/badint`, '#!/nonexistent/sh\necho ran\n', { mode: 0o755 });
  mkdirSync(`${dir}/envfifo`);
  spawnSync('mkfifo', [`${dir}/envfifo/SVKIT_TEST_OLD`]); // no writer: read as empty, the variable goes
  writeFileSync(`${dir}/envfifo/SVKIT_TEST_NEW`, 'set');
}

/** Normalizes what may differ without meaning anything: pipe and socket inode numbers. */
const norm = (r: RunResult) => ({ code: r.code, signal: r.signal, stdout: r.stdout.replace(/(pipe|socket):\[\d+\]/g, '$1:[N]'), stderr: r.stderr });

function both(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = ENV) {
  return { ours: norm(runSync(ours(cmd), args, { cwd, env })), theirs: norm(runSync(theirs(cmd), args, { cwd, env })) };
}

/** The loaders that run a child, with the arguments before it. */
const LOADER_ARGS: Record<string, string[]> = {
  envdir: ['env'], envuidgid: ['nobody'], setuidgid: ['root'], softlimit: ['-o', '100'], setlock: ['lock'], pgrphack: [], fghack: [],
};
const LOADERS = Object.keys(LOADER_ARGS);

const cases: Array<[string, string, string[]]> = [
  ['envdir applies the daemontools rules', 'envdir', ['env', REPORT]],
  ['envdir without a child', 'envdir', ['env']],
  ['envdir without arguments', 'envdir', []],
  ['envdir on a missing directory', 'envdir', ['missing', REPORT]],
  ['envdir on a file', 'envdir', ['plain', REPORT]],
  ['envdir on a directory with a subdirectory', 'envdir', ['envsub', REPORT]],
  ['envdir with a missing child', 'envdir', ['env', 'svkit-no-such-program']],
  ['envdir sets PATH but finds the child on the old one', 'envdir', ['envpath', 'sh', '-c', 'echo $PATH']],
  ['envuidgid sets UID and GID', 'envuidgid', ['nobody', REPORT]],
  ['envuidgid with an unknown account', 'envuidgid', ['svkit-no-such-user', REPORT]],
  ['envuidgid without a child', 'envuidgid', ['nobody']],
  ['setuidgid nobody', 'setuidgid', ['nobody', REPORT]],
  ['setuidgid with an unknown account', 'setuidgid', ['svkit-no-such-user', REPORT]],
  ['setuidgid without a child', 'setuidgid', ['nobody']],
  ['setuidgid with a missing child', 'setuidgid', ['nobody', 'svkit-no-such-program']],
  ['softlimit with every option', 'softlimit', ['-m', '300000000', '-d', '400000000', '-o', '=', '-c', '5', '-t', '7', '-r', '9', '-p', '2000', '-f', '1300000', REPORT]],
  ['softlimit with attached values and --', 'softlimit', ['-a=', '-s9000000', '-l4096', '--', REPORT]],
  ['softlimit with a bad number', 'softlimit', ['-m', '12x', REPORT]],
  ['softlimit with an unknown option', 'softlimit', ['-z', '1', REPORT]],
  ['softlimit with a missing value', 'softlimit', ['-m']],
  ['softlimit without a child', 'softlimit', ['-m', '1000']],
  ['softlimit with a missing child', 'softlimit', ['-m', '300000000', 'svkit-no-such-program']],
  ['setlock gives the child the locked file', 'setlock', ['lock', REPORT]],
  ['setlock -n on a free lock', 'setlock', ['-n', 'lock2', REPORT]],
  ['setlock on an unopenable file', 'setlock', ['missing/lock', REPORT]],
  ['setlock -x on an unopenable file', 'setlock', ['-x', 'missing/lock', REPORT]],
  ['setlock with an unknown option', 'setlock', ['-q', 'lock', REPORT]],
  ['setlock without a child', 'setlock', ['lock']],
  ['setlock with a missing child', 'setlock', ['lock', 'svkit-no-such-program']],
  ['pgrphack starts a new session and group', 'pgrphack', [REPORT]],
  ['pgrphack without a child', 'pgrphack', []],
  ['pgrphack with a missing child', 'pgrphack', ['svkit-no-such-program']],
  ['fghack passes the exit code and the extra descriptors', 'fghack', ['sh', '-c', `${REPORT}; exit 3`]],
  ['fghack with a crashing child', 'fghack', ['sh', '-c', 'kill -9 $$']],
  ['fghack waits for a backgrounded grandchild', 'fghack', ['sh', '-c', '(sleep 0.3; echo late) & echo early']],
  ['fghack without a child', 'fghack', []],
  ['fghack with a missing child', 'fghack', ['svkit-no-such-program']],
  ['envdir with a FIFO entry', 'envdir', ['envfifo', REPORT]],
  ['softlimit -m 2^64-1 (RLIM_INFINITY)', 'softlimit', ['-m', '18446744073709551615', '-o', '18446744073709551615', REPORT]],
  // the child named by a path: missing, not executable, a script whose interpreter is missing
  ...LOADERS.flatMap((cmd) => ['./svkit-no-such-program', './noexec', './badint'].map((child): [string, string, string[]] =>
    [`${cmd} with the child ${child}`, cmd, [...LOADER_ARGS[cmd]!, child]])),
  ['readproctitle with a short window', 'readproctitle', ['errors:', '....']],
  ['readproctitle without arguments', 'readproctitle', []],
];

for (const [name, cmd, args] of cases) {
  test(`compat: ${name} (${cmd} ${args.join(' ').replace(REPORT, 'chain-report')})`, { skip: !have }, (t) => {
    const { dir, cleanup } = tempDir('svkit-compat-');
    t.after(cleanup);
    inputs(dir);
    const r = both(cmd, args, dir);
    assert.deepEqual(r.ours, r.theirs);
  });
}

for (const cmd of LOADERS) {
  test(`compat: ${cmd} with a child found on PATH that cannot run (not executable; missing interpreter)`, { skip: !have }, (t) => {
    const { dir, cleanup } = tempDir('svkit-compat-');
    t.after(cleanup);
    inputs(dir);
    for (const child of ['noexec', 'badint']) {
      const r = both(cmd, [...LOADER_ARGS[cmd]!, child], dir, { ...ENV, PATH: `${dir}:/usr/bin:/bin` });
      assert.deepEqual(r.ours, r.theirs, child);
      assert.equal(r.ours.code, 111, child);
    }
  });
}

test('compat: softlimit -o 64 fghack with a missing child: fghack says so (the limits pending)', { skip: !have }, (t) => {
  const { dir, cleanup } = tempDir('svkit-compat-');
  t.after(cleanup);
  inputs(dir);
  for (const child of ['./svkit-no-such-program', './noexec']) {
    const o = norm(runSync(ours('softlimit'), ['-o', '64', ours('fghack'), child], { cwd: dir, env: ENV }));
    const c = norm(runSync(theirs('softlimit'), ['-o', '64', theirs('fghack'), child], { cwd: dir, env: ENV }));
    assert.deepEqual(o, c, child);
  }
});

test('compat: setuidgid to a user with supplementary groups: same uid and gid; ours adds the groups of /etc/group', { skip: !have }, (t) => {
  const user = userWithGroups();
  if (!user) return t.skip('no user with supplementary groups in /etc/group');
  const { dir, cleanup } = tempDir('svkit-compat-');
  t.after(cleanup);
  const r = both('setuidgid', [user, 'id'], dir);
  const gid = runSync('id', ['-gn', user]).stdout.trim();
  const all = runSync('id', [user]).stdout.trim();
  assert.equal(r.ours.stdout.trim(), all);
  assert.match(r.theirs.stdout.trim(), new RegExp(`^uid=\\d+\\(${user}\\) gid=\\d+\\(${gid}\\) groups=\\d+\\(${gid}\\)$`));
  assert.equal(r.ours.stdout.split(' groups=')[0], r.theirs.stdout.split(' groups=')[0]);
});

test('compat: envdir with an unreadable file or directory (as nobody)', { skip: !have }, (t) => {
  const { dir, cleanup } = tempDir('svkit-compat-');
  t.after(cleanup);
  chmodSync(dir, 0o755);
  inputs(dir);
  writeFileSync(`${dir}/env/SVKIT_TEST_SECRET`, 'x', { mode: 0o000 });
  mkdirSync(`${dir}/noread`, { mode: 0o311 });
  mkdirSync(`${dir}/nosearch`, { mode: 0o000 });
  for (const d of ['env', 'noread', 'nosearch']) {
    const as = (prog: string) => norm(runSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', prog, d, 'true'], { cwd: dir, env: ENV }));
    const o = as(ours('envdir'));
    assert.deepEqual(o, as(theirs('envdir')), d);
    assert.equal(o.code, 111, d);
  }
});

test('compat: setuidgid without the right to change ids fails the same way', { skip: !have }, (t) => {
  const { dir, cleanup } = tempDir('svkit-compat-');
  t.after(cleanup);
  chmodSync(dir, 0o755);
  const o = runSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', ours('setuidgid'), 'root', 'true'], { cwd: dir, env: ENV });
  const c = runSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', theirs('setuidgid'), 'root', 'true'], { cwd: dir, env: ENV });
  assert.deepEqual(norm(o), norm(c));
  assert.equal(o.code, 111);
});

for (const [holder, waiter] of [['theirs', 'ours'], ['ours', 'theirs']] as const) {
  test(`compat: a lock held by ${holder} setlock stops ${waiter} setlock -n (exit 111, or 0 with -x), and -N waits`, { skip: !have }, async (t) => {
    const { dir, cleanup } = tempDir('svkit-compat-');
    const pick = (w: string) => (w === 'ours' ? ours('setlock') : theirs('setlock'));
    const h = start(pick(holder), ['lock', 'sh', '-c', 'echo locked; read x'], { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
    t.after(async () => {
      await h.stop('SIGKILL');
      cleanup();
    });
    await waitFor(() => h.stdout().includes('locked'), 15000, 'the holder to take the lock');
    const n = runSync(pick(waiter), ['-n', 'lock', 'echo', 'ran'], { cwd: dir, env: ENV });
    assert.deepEqual(norm(n), { code: 111, signal: null, stdout: '', stderr: 'setlock: fatal: unable to lock lock: temporary failure\n' });
    const x = runSync(pick(waiter), ['-nx', 'lock', 'echo', 'ran'], { cwd: dir, env: ENV });
    assert.deepEqual(norm(x), { code: 0, signal: null, stdout: '', stderr: '' });
    const w = start(pick(waiter), ['lock', 'echo', 'ran'], { cwd: dir });
    t.after(() => w.stop('SIGKILL'));
    await waitFor(async () => {
      const { readFileSync } = await import('node:fs');
      return readFileSync('/proc/locks', 'utf8').split('\n').filter((l) => / FLOCK /.test(l) && l.includes(` ${w.child.pid} `)).length > 0;
    }, 15000, 'the waiter to block in flock');
    assert.equal(w.stdout(), '');
    h.child.stdin!.end('\n');
    await waitFor(() => w.stdout() === 'ran\n', 15000, 'the waiter to run once the lock is free');
  });
}

test('compat: readproctitle shows the tail of its input in its command line, as 0.76', { skip: !have }, async (t) => {
  const titles: string[] = [];
  for (const prog of [ours('readproctitle'), theirs('readproctitle')]) {
    const p = start(prog, ['io', 'errors:', '....................'], { stdio: ['pipe', 'pipe', 'pipe'] });
    t.after(() => p.stop('SIGKILL'));
    p.child.stdin!.write('fatal error xyz\nwarning abc\n');
    const { readFileSync } = await import('node:fs');
    const cmdline = () => readFileSync(`/proc/${p.child.pid}/cmdline`, 'latin1').replace(/\0+$/, '').replace(/\0/g, ' ');
    titles.push(await waitFor(() => (cmdline().endsWith('... xyz\nwarning abc\n') ? cmdline() : ''), 15000, `${prog} title (now: ${JSON.stringify(cmdline())})`));
    p.child.stdin!.end();
    const code = await new Promise((r) => p.child.once('exit', r));
    assert.equal(code, 0, 'exits at end of input');
  }
  assert.equal(titles[0]!.replace(/^\S+/, 'PROG'), titles[1]!.replace(/^\S+/, 'PROG'));
  assert.equal(titles[1], `${theirs('readproctitle')} io errors: ... xyz\nwarning abc\n`);
});
