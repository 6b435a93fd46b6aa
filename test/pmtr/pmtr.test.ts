/** pmtr running jobs: exactly as configured (checked in /proc), restart rules, stopping, shutdown. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chownSync, existsSync, mkdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { alive, haveTool, ours, run, start, tempDir, waitFor } from '../helpers/proc.js';
import { allPids, groupMembers, linesOf, procNice, procStatus, startPmtr, statField } from '../helpers/pmtr.js';

test('a job runs exactly as configured: user, groups, nice, cpus, limits, env, cwd, stdin/stdout/stderr, no Node in between', async (t) => {
  const conf = `
job {
  name exact
  cmd /bin/sleep 1000
  dir @DIR@/work
  in in.txt
  out out.txt
  err @DIR@/work/err.txt
  env FOO=bar
  env FOO=baz
  env EMPTY=
  user nobody
  nice 7
  cpu 0x1
  ulimit -n 123
  ulimit {
    -c unlimited
    RLIMIT_NPROC 77
  }
}
`;
  const r = startPmtr(t, conf, {
    env: { PMTR_TEST_INHERITED: 'yes' },
    before: (dir) => {
      mkdirSync(join(dir, 'work'));
      chownSync(join(dir, 'work'), 65534, 65534); // out and err are opened only where the job's user could
      writeFileSync(join(dir, 'work/in.txt'), 'input\n');
    },
  });
  const pid = await r.pid('exact', 30000);
  await waitFor(() => procStatus(pid, 'Name') === 'sleep', 10000, 'the job exec\'ed');
  assert.equal(procStatus(pid, 'PPid'), String(r.proc.child.pid), 'pmtr itself is the parent');
  assert.equal(procStatus(pid, 'Uid').split(/\s+/)[0], '65534');
  assert.equal(procStatus(pid, 'Gid').split(/\s+/)[0], '65534');
  assert.equal(procStatus(pid, 'Groups'), '65534');
  assert.equal(procStatus(pid, 'Cpus_allowed_list'), '0');
  assert.equal(procNice(pid), 7);
  const limits = readFileSync(`/proc/${pid}/limits`, 'utf8');
  assert.match(limits, /Max open files\s+123\s+123\s/);
  assert.match(limits, /Max core file size\s+unlimited\s+unlimited\s/);
  assert.match(limits, /Max processes\s+77\s+77\s/);
  const env = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
  assert.ok(env.includes('FOO=baz') && !env.includes('FOO=bar'), 'the last env wins');
  assert.ok(env.includes('EMPTY='));
  assert.ok(env.includes('PMTR_TEST_INHERITED=yes'), 'on top of pmtr\'s environment');
  assert.equal(readlinkSync(`/proc/${pid}/cwd`), join(r.dir, 'work'));
  assert.equal(readlinkSync(`/proc/${pid}/fd/0`), join(r.dir, 'work/in.txt'));
  assert.equal(readlinkSync(`/proc/${pid}/fd/1`), join(r.dir, 'work/out.txt'));
  assert.equal(readlinkSync(`/proc/${pid}/fd/2`), join(r.dir, 'work/err.txt'));
  assert.equal(statSync(join(r.dir, 'work/out.txt')).uid, 65534, 'a new out file belongs to the job\'s user');
  assert.equal(procStatus(pid, 'NSpid'), String(pid));
  // its own session and process group, so a stop reaches everything it started
  assert.equal(statField(pid, 5), String(pid), 'process group');
  assert.equal(statField(pid, 6), String(pid), 'session');
});

test('output goes to stderr as NAME[PID]: line without a syslog socket; start problems are logged and retried', async (t) => {
  const r = startPmtr(t, `
job {
  name talk
  cmd /bin/sh -c "echo hello out; echo hello err >&2; exec /bin/sleep 1000"
}
job {
  name nodir
  cmd /bin/true
  dir /nonexistent
}
job {
  name nouser
  cmd /bin/true
  user nosuchuserxyz
}
job {
  name nopath
  cmd sleep 5
}
job {
  name badout
  cmd /bin/true
  out /nonexistent/x.out
}
job {
  name denied
  cmd /bin/true
  user nobody
  dir @DIR@/rootdir
  out ctx.out
}
`, { before: (dir) => mkdirSync(join(dir, 'rootdir'), { mode: 0o755 }) });
  const pid = await r.pid('talk');
  await r.waitLog(new RegExp(`^talk\\[${pid}\\]: hello out$`, 'm'));
  await r.waitLog(new RegExp(`^talk\\[${pid}\\]: hello err$`, 'm'));
  await r.waitLog(/^pmtr: warning: job nodir: can't chdir \/nonexistent: file does not exist$/m);
  await r.waitLog(/^pmtr: warning: job nouser: unknown user: nosuchuserxyz$/m);
  await r.waitLog(/^pmtr: warning: job nopath: can't exec sleep: file does not exist$/m);
  await r.waitLog(/^pmtr: warning: job badout: can't open\/dup \/nonexistent\/x.out: file does not exist$/m);
  // as pmtr, which opens it after switching to the user: nobody may not create a file in root's directory
  await r.waitLog(/^pmtr: warning: job denied: can't open\/dup ctx.out: access denied$/m);
  assert.equal(existsSync(join(r.dir, 'rootdir/ctx.out')), false);
  // each is tried again on the 10 s cycle, the other jobs untouched
  await r.waitLog(/(job nouser: unknown user[^]*){2}/, 30000);
  assert.equal(r.pidNow('talk'), pid, r.proc.stderr());
});

test('restarts: a quick exit restarts 10 s after it; once and exit 33 never restart', async (t) => {
  const r = startPmtr(t, `
job {
  name quick
  cmd /bin/sh -c "date +%s.%N >> @DIR@/quick.txt"
}
job {
  name oneshot
  cmd /bin/sh -c "echo x >> @DIR@/once.txt; exit 3"
  once
}
job {
  name norestart
  cmd /bin/sh -c "echo x >> @DIR@/33.txt; exit 33"
}
`);
  await waitFor(() => linesOf(join(r.dir, 'quick.txt')).length >= 2, 40000, 'quick restarted');
  const [a, b] = linesOf(join(r.dir, 'quick.txt')).map(Number) as [number, number];
  assert.ok(b - a >= 9.9, `restarted ${b - a} s after the first run`);
  await r.waitLog(/job oneshot \[\d+\] exited after 0 sec: exit status 3/);
  await r.waitLog(/job norestart \[\d+\] exited after 0 sec: exit status 33/);
  assert.equal(linesOf(join(r.dir, 'once.txt')).length, 1);
  assert.equal(linesOf(join(r.dir, '33.txt')).length, 1);
});

test('wait: later jobs start only after the wait job exits', async (t) => {
  const r = startPmtr(t, `
job {
  name setup
  cmd /bin/sh -c "while [ ! -e @DIR@/go ]; do /bin/sleep 0.05; done"
  wait
  once
}
job {
  name later
  cmd /bin/sleep 1000
}
`);
  await r.waitLog(/started job setup \[\d+\]\npmtr: pausing for job setup to finish/);
  await r.pid('setup');
  assert.equal(r.pidNow('later'), 0);
  writeFileSync(join(r.dir, 'go'), '');
  await r.waitLog(/job setup finished/);
  await r.pid('later');
});

test('stop: TERM to the job\'s process group, KILL after the grace time; pmtr exits when every job is gone', async (t) => {
  const r = startPmtr(t, `
job {
  name shell
  cmd /bin/sh -c "/bin/sleep 1000 & exec /bin/sleep 1001"
}
job {
  name stubborn
  cmd /bin/sh -c "trap '' TERM; echo ready; while :; do /bin/sleep 0.1; done"
}
`);
  const shell = await r.pid('shell');
  const stubborn = await r.pid('stubborn');
  await r.waitLog(/stubborn\[\d+\]: ready/);
  await waitFor(() => groupMembers(shell).length === 2, 10000, 'the shell job\'s two processes');
  const before = [...groupMembers(shell), stubborn];
  r.proc.child.kill('SIGTERM');
  const code = await new Promise<number | null>((res) => r.proc.child.once('exit', (c) => res(c)));
  assert.equal(code, 0);
  for (const p of before) assert.equal(alive(p), false, `pid ${p} is gone`);
  assert.match(r.proc.stderr(), /pmtr: exiting on signal 15/);
  // pmtr's lines, in order, through pmtr's log
  assert.match(r.proc.stderr(), new RegExp(`^pmtr: sending SIGTERM to job stubborn \\[${stubborn}\\]\n[^]*^pmtr: sending SIGKILL to job stubborn \\[${stubborn}\\]\n[^]*^pmtr: job stubborn \\[${stubborn}\\] exited after \\d+ sec: signal 9$`, 'm'));
  assert.doesNotMatch(r.proc.stderr(), /sending SIGKILL to job shell/, 'the shell job left on SIGTERM');
});


test('PID 1 in a new pid namespace: stays in the foreground without -F, reaps orphans, stops on SIGTERM', async (t) => {
  if (!haveTool('/usr/bin/unshare', 'util-linux')) return;
  const { dir, cleanup } = tempDir('svkit-pmtr-');
  const conf = join(dir, 'pmtr.conf');
  writeFileSync(conf, `job {\n  name orphaner\n  cmd /bin/sh -c "/bin/sleep 1 & exit 0"\n}\njob {\n  name steady\n  cmd /bin/sleep 1000\n}\n`);
  const p = start('/usr/bin/unshare', ['--pid', '--fork', '--mount-proc', ours('pmtr'), '-c', conf, '--state-dir', join(dir, 'state'), '--syslog', join(dir, 'none')]);
  t.after(async () => {
    await p.stop('SIGKILL');
    cleanup();
  });
  const pmtr = await waitFor(() => allPids().find((q) => statField(q, 4) === String(p.child.pid)), 10000, 'pmtr inside the namespace');
  await waitFor(() => /started job steady/.test(p.stderr()), 15000, 'steady started');
  assert.equal(procStatus(pmtr, 'NSpid').split(/\s+/)[1], '1', 'pmtr is PID 1 of its namespace');
  // the job's shell exits at once: its sleep is reparented to pmtr, which must reap it
  let nsPid = ''; // its pid in the namespace, read while it is there
  const orphan = await waitFor(() => allPids().find((q) => statField(q, 4) === String(pmtr) && procStatus(q, 'Name') === 'sleep' && readFileSync(`/proc/${q}/cmdline`, 'utf8') === '/bin/sleep\u00001\u0000' && (nsPid = procStatus(q, 'NSpid').split(/\s+/)[1]!)), 15000, 'an orphan under pmtr');
  await waitFor(() => statField(orphan, 3) === undefined, 15000, `orphan ${orphan} reaped (state ${statField(orphan, 3)})`);
  await waitFor(() => p.stderr().includes(`pmtr: sigchld for unknown pid ${nsPid}\n`), 15000, `pmtr's line for the orphan (pid ${nsPid} in the namespace):\n${p.stderr()}`);
  process.kill(pmtr, 'SIGTERM');
  const code = await new Promise<number | null>((res) => (p.child.exitCode !== null ? res(p.child.exitCode) : p.child.once('exit', (c) => res(c))));
  assert.equal(code, 0);
  assert.match(p.stderr(), /pmtr: exiting on signal 15/);
});

test('without -F pmtr goes to the background (exit 0 at once); -p writes the daemon\'s pid and the file goes at exit', async (t) => {
  const { dir, cleanup } = tempDir('svkit-pmtr-');
  const conf = join(dir, 'pmtr.conf');
  const pidfile = join(dir, 'pmtr.pid');
  writeFileSync(conf, 'job {\n  name bg\n  cmd /bin/sleep 1000\n}\n');
  let daemon = 0;
  t.after(() => {
    if (daemon && alive(daemon)) process.kill(daemon, 'SIGKILL');
    cleanup();
  });
  const r = await run(ours('pmtr'), ['-c', conf, '-p', pidfile, '--state-dir', join(dir, 'state'), '--syslog', join(dir, 'none')]);
  assert.equal(r.code, 0, r.stderr);
  daemon = await waitFor(() => existsSync(pidfile) && Number(readFileSync(pidfile, 'utf8')), 15000, 'the pidfile');
  assert.equal(statSync(pidfile).mode & 0o777, 0o644);
  assert.equal(statField(daemon, 6), String(daemon), 'the daemon leads its own session');
  const job = await waitFor(() => { try { return readFileSync(join(dir, 'state/bg/supervise/status')).readUInt32LE(12); } catch { return 0; } }, 15000, 'the job');
  process.kill(daemon, 'SIGTERM');
  await waitFor(() => !alive(daemon) && !alive(job), 15000, 'daemon and job gone');
  await waitFor(() => !existsSync(pidfile), 5000, 'pidfile removed');
});

test('bounce every: the job is stopped after that long and started again (10 s after a run under 10 s)', async (t) => {
  const r = startPmtr(t, 'job {\n  name b\n  cmd /bin/sleep 1000\n  bounce every 1s\n}\n');
  const first = await r.pid('b');
  await r.waitLog(new RegExp(`sending SIGTERM to job b \\[${first}\\]`));
  await r.waitLog(new RegExp(`job b \\[${first}\\] exited after \\d+ sec: signal 15`));
  const second = await waitFor(() => { const p = r.pidNow('b'); return p !== first && p; }, 30000, 'b started again');
  assert.ok(second > 0);
});
