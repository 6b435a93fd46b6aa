/** Both directions against Debian's daemontools 0.76: our supervise with their svc/svstat/svok, and the reverse. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { haveDaemontools, ours, run, start, tempDir, waitFor } from '../helpers/proc.js';
import { makeService, rawStatus, stopSupervise } from '../helpers/service-dir.js';

const HAVE = haveDaemontools();
const opts = { skip: !HAVE && 'Debian daemontools not installed' };

/** svstat output of both tools for the same dirs, retried until they agree on the seconds too. */
async function bothSvstat(dirs: string[]): Promise<{ ours: string; theirs: string }> {
  let last = { ours: '', theirs: '' };
  for (let i = 0; i < 5; i++) {
    const [a, b] = await Promise.all([run(ours('svstat'), dirs), run('/usr/bin/svstat', dirs)]);
    last = { ours: a.stdout, theirs: b.stdout };
    if (a.stdout === b.stdout) return last;
  }
  return last;
}

for (const [who, supervise, svc, svstat, svok] of [
  ['our supervise, their svc/svstat/svok', ours('supervise'), '/usr/bin/svc', '/usr/bin/svstat', '/usr/bin/svok'],
  ['their supervise, our svc/svstat/svok', '/usr/bin/supervise', ours('svc'), ours('svstat'), ours('svok')],
] as const) {
  test(`${who}: control and status interoperate`, opts, async (t) => {
    const { dir: root, cleanup } = tempDir();
    const dir = makeService(root, 's', 'exec sleep 1000');
    const sv = start(supervise, [dir]);
    t.after(async () => { await stopSupervise(dir, sv); cleanup(); });
    await waitFor(async () => (await run(svok, [dir])).code === 0, 10000, 'svok 0');
    const pid = await waitFor(() => rawStatus(dir).pid, 5000, 'pid');
    assert.match((await run(svstat, [dir])).stdout, new RegExp(`^${dir}: up \\(pid ${pid}\\) \\d+ seconds\\n$`));
    // the real supervise sleeps ~1 s after a start before it reads control: wait for each effect
    await run(svc, ['-p', dir]);
    await waitFor(async () => /, paused\n$/.test((await run(svstat, [dir])).stdout), 5000, 'paused');
    await run(svc, ['-c', dir]);
    await waitFor(() => rawStatus(dir).paused === 0, 5000, 'continued');
    await run(svc, ['-d', dir]);
    await waitFor(async () => /: down \d+ seconds, normally up\n$/.test((await run(svstat, [dir])).stdout), 5000, 'down');
    await run(svc, ['-u', dir]);
    await waitFor(() => rawStatus(dir).pid !== 0, 5000, 'up again');
    await run(svc, ['-dx', dir]);
    await waitFor(() => sv.child.exitCode !== null, 8000, 'supervise exits');
    assert.equal(sv.child.exitCode, 0);
    assert.equal((await run(svok, [dir])).code, 100);
    assert.equal((await run(svstat, [dir])).stdout, `${dir}: supervise not running\n`);
  });
}

test('svstat prints the same lines as 0.76 for the same directories, errors included', opts, async (t) => {
  const { dir: root, cleanup } = tempDir();
  const up = makeService(root, 'up', 'exec sleep 1000');
  const nd = makeService(root, 'normallydown', 'exec sleep 1000', { down: '' });
  const notrunning = makeService(root, 'notrunning', 'exec sleep 1000');
  mkdirSync(join(notrunning, 'supervise'));
  const nosup = makeService(root, 'nosupervise', 'exec sleep 1000');
  const sups = [start(ours('supervise'), [up]), start(ours('supervise'), [nd])];
  t.after(async () => {
    await stopSupervise(up, sups[0]!);
    await stopSupervise(nd, sups[1]!);
    cleanup();
  });
  await waitFor(() => existsSync(join(up, 'supervise/status')) && rawStatus(up).pid !== 0, 10000, 'up');
  await waitFor(() => existsSync(join(nd, 'supervise/status')), 10000, 'nd');
  const dirs = [up, nd, notrunning, nosup, join(root, 'missing')];
  let r = await bothSvstat(dirs);
  assert.equal(r.ours, r.theirs);
  assert.match(r.ours, /normallydown: down \d+ seconds\n/);
  await run(ours('svc'), ['-u', nd]);
  await run(ours('svc'), ['-p', up]);
  await waitFor(() => rawStatus(nd).pid !== 0 && rawStatus(up).paused === 1, 5000, 'changes');
  r = await bothSvstat(dirs);
  assert.equal(r.ours, r.theirs);
  assert.match(r.ours, /normallydown: up \(pid \d+\) \d+ seconds, normally down\n/);
  assert.match(r.ours, /up: up \(pid \d+\) \d+ seconds, paused\n/);
  await run(ours('svc'), ['-d', up]);
  await waitFor(() => rawStatus(up).pid === 0, 5000, 'down');
  // a truncated status file: "bad format" from both
  writeFileSync(join(up, 'supervise/status'), 'short');
  r = await bothSvstat([up]);
  assert.equal(r.ours, r.theirs);
  assert.equal(r.ours, `${up}: unable to read supervise/status: bad format\n`);
});

test('svc and svok: the same warnings and exit codes as 0.76', opts, async (t) => {
  const { dir: root, cleanup } = tempDir();
  t.after(cleanup);
  const nosup = makeService(root, 'nosupervise', 'exec sleep 1000');
  const missing = join(root, 'missing');
  const notrunning = makeService(root, 'notrunning', 'exec sleep 1000');
  mkdirSync(join(notrunning, 'supervise'));
  execFileSync('mkfifo', [join(notrunning, 'supervise/control')]);
  // no letters at all: 0.76 still opens supervise/control and warns
  for (const args of [['-u', nosup, missing], ['-z', nosup], [], ['-u'], [nosup], [missing, notrunning]]) {
    const [a, b] = await Promise.all([run(ours('svc'), args), run('/usr/bin/svc', args)]);
    assert.equal(a.code, b.code, `svc ${args.join(' ')}: exit code`);
    // first line identical (0.76 prints only its options line after an illegal option; we add one)
    assert.equal(a.stderr.split('\n').slice(0, 2).join('\n'), b.stderr.split('\n').slice(0, 2).join('\n'), `svc ${args.join(' ')}`);
  }
  for (const args of [[nosup], [missing], []]) {
    const [a, b] = await Promise.all([run(ours('svok'), args), run('/usr/bin/svok', args)]);
    assert.equal(a.code, b.code, `svok ${args.join(' ')}`);
    assert.equal(a.stderr, b.stderr, `svok ${args.join(' ')}`);
  }
});

test('each refuses a directory whose lock the other holds', opts, async (t) => {
  const { dir: root, cleanup } = tempDir();
  t.after(cleanup);
  for (const [holder, other, prog] of [
    ['/usr/bin/supervise', ours('supervise'), 'supervise'],
    [ours('supervise'), '/usr/bin/supervise', 'supervise'],
  ] as const) {
    const dir = makeService(root, `s${holder.length}`, 'exec sleep 1000');
    const sv = start(holder, [dir]);
    try {
      await waitFor(() => existsSync(join(dir, 'supervise/status')) && rawStatus(dir).pid !== 0, 10000, 'up');
      const r = await run(other, [dir]);
      assert.equal(r.code, 111);
      assert.equal(r.stderr, `${prog}: fatal: unable to acquire ${dir}/supervise/lock: temporary failure\n`);
      assert.equal(sv.child.exitCode, null, 'the holder goes on');
    } finally {
      await run(ours('svc'), ['-dx', dir]);
      await waitFor(() => sv.child.exitCode !== null, 8000, 'exit').catch(() => sv.stop('SIGKILL'));
    }
  }
});

for (const [who, supervise] of [['our supervise', ours('supervise')], ['their supervise', '/usr/bin/supervise']] as const) {
  test(`${who}: svc -ox and svc -ux (letters in one write) start a down service, then supervise exits when it is down`, opts, async (t) => {
    const { dir: root, cleanup } = tempDir();
    t.after(cleanup);
    for (const letters of ['-ox', '-ux']) {
      const dir = makeService(root, `s${letters}`, 'echo ran >> ran\nexit 0', { down: '' });
      const sv = start(supervise, [dir]);
      try {
        await waitFor(async () => (await run(ours('svok'), [dir])).code === 0, 10000, 'supervise runs');
        await run(ours('svc'), [letters, dir]);
        await waitFor(() => sv.child.exitCode !== null, 10000, 'supervise exits');
        assert.equal(sv.child.exitCode, 0);
        // 0.76 reads one letter per loop, so with -ux a quick run may be started a second time before x is read
        const ran = existsSync(join(dir, 'ran')) ? readFileSync(join(dir, 'ran'), 'utf8') : '';
        if (supervise === ours('supervise')) assert.equal(ran, 'ran\n', `svc ${letters}: the service ran once`);
        else assert.match(ran, /^(ran\n)+$/, `svc ${letters}: the service ran`);
      } finally {
        await sv.stop('SIGKILL');
      }
    }
  });
}
