/**
 * The daemontools run-script chain under supervise:
 * `exec envdir ./env setuidgid USER softlimit -m 500000000 setlock ./lock sleep 1000`.
 * The pid in supervise/status must be the sleep itself, with the user's ids, the limits, the
 * environment and default signals. Run under our supervise and (compat) under Debian's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdirSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { ROOT, haveDaemontools, ours, runSync, start, tempDir, theirs, waitFor } from '../helpers/proc.js';
import { killProcessesIn, procEnv, procExe, procLimits, procStatus, supervisedPid, userWithGroups } from './proc-info.js';

const SLEEP = realpathSync('/usr/bin/sleep');
const MEM = '500000000';

interface Observed {
  pid: number;
  status: Record<string, string>;
  limits: Record<string, string>;
  env: Record<string, string>;
  holdsLock: boolean;
  restartedPid: number;
}

/** Runs the chain (tools from `toolsDir`) under `supervise`; returns what /proc shows of the final program. */
async function observeChain(t: { after(fn: () => unknown): void }, supervise: string, toolsDir: string, user: string): Promise<Observed> {
  const { dir, cleanup } = tempDir('svkit-chain-');
  chmodSync(dir, 0o755);
  const svc = `${dir}/svc`;
  mkdirSync(`${svc}/env`, { recursive: true });
  writeFileSync(`${svc}/env/CHAIN_VAR`, 'from envdir  \nsecond line\n');
  writeFileSync(`${svc}/env/CHAIN_REMOVED`, '');
  const uid = Number(runSync('id', ['-u', user]).stdout.trim());
  const gid = Number(runSync('id', ['-g', user]).stdout.trim());
  writeFileSync(`${svc}/lock`, '');
  chownSync(`${svc}/lock`, uid, gid); // setlock runs after setuidgid, as the user
  chmodSync(svc, 0o755);
  writeFileSync(`${svc}/run`, `#!/bin/sh\nPATH=${toolsDir}:$PATH\nexport PATH\nexec envdir ./env setuidgid ${user} softlimit -m ${MEM} setlock ./lock sleep 1000\n`, { mode: 0o755 });
  const sup = start(supervise, [svc], { env: { ...process.env, CHAIN_REMOVED: 'should be removed' } });
  t.after(async () => {
    await sup.stop('SIGTERM'); // kills supervise only, as 0.76: the service is ours to kill
    killProcessesIn(svc);
    cleanup();
  });
  const pid = await waitFor(() => {
    const p = supervisedPid(svc);
    return p > 0 && procExe(p) === SLEEP ? p : 0;
  }, 20000, `supervise/status to show the sleep (supervise stderr: ${sup.stderr()})`);
  const ino = statSync(`${svc}/lock`).ino;
  const holdsLock = readFileSync('/proc/locks', 'utf8').split('\n')
    .some((l) => / FLOCK +ADVISORY +WRITE /.test(l) && l.split(/\s+/)[4] === String(pid) && l.includes(`:${ino} `));
  const observed = { pid, status: procStatus(pid), limits: procLimits(pid), env: procEnv(pid), holdsLock, restartedPid: 0 };
  // a signal to the status pid reaches the program directly; supervise sees it die and starts the chain again
  process.kill(pid, 'SIGTERM');
  observed.restartedPid = await waitFor(() => {
    const p = supervisedPid(svc);
    return p > 0 && p !== pid && procExe(p) === SLEEP ? p : 0;
  }, 20000, 'supervise to restart the chain');
  return observed;
}

function checkObserved(o: Observed, user: string, groups: number[]): void {
  const uid = runSync('id', ['-u', user]).stdout.trim();
  const gid = runSync('id', ['-g', user]).stdout.trim();
  assert.equal(o.status.Uid, [uid, uid, uid, uid].join('\t'));
  assert.equal(o.status.Gid, [gid, gid, gid, gid].join('\t'));
  assert.deepEqual(o.status.Groups!.split(/\s+/).filter(Boolean).map(Number).sort((a, b) => a - b), groups);
  assert.equal(o.status.SigIgn, '0000000000000000');
  assert.equal(o.status.SigBlk, '0000000000000000');
  const memlockHard = procLimits(process.pid)['Max locked memory']!.split(' ')[1]!;
  const memlockSoft = memlockHard === 'unlimited' || BigInt(memlockHard) > BigInt(MEM) ? MEM : memlockHard;
  assert.equal(o.limits['Max data size']!.split(' ')[0], MEM);
  assert.equal(o.limits['Max stack size']!.split(' ')[0], MEM);
  assert.equal(o.limits['Max address space']!.split(' ')[0], MEM);
  assert.equal(o.limits['Max locked memory']!.split(' ')[0], memlockSoft);
  assert.equal(o.env.CHAIN_VAR, 'from envdir');
  assert.equal(o.env.CHAIN_REMOVED, undefined);
  assert.equal(o.env.SVKIT_SOFTLIMITS, undefined, 'pending limits never reach the final program');
  assert.ok(o.holdsLock, 'the sleep holds the flock on ./lock');
  assert.ok(o.restartedPid > 0 && o.restartedPid !== o.pid);
}

// a user with supplementary groups shows that setuidgid sets them; without one, nobody still checks the rest
const user = userWithGroups() ?? 'nobody';
const userNote = user === 'nobody' ? ' (as nobody: NO user with supplementary groups in /etc/group, groups barely checked)' : ` (as ${user})`;
const allGroups = (u: string) => runSync('id', ['-G', u]).stdout.trim().split(/\s+/).map(Number).sort((a, b) => a - b);

test(`our chain under our supervise: status pid is the sleep, with the user's ids and groups, limits, env, signals${userNote}`, async (t) => {
  const o = await observeChain(t, ours('supervise'), `${ROOT}/bin`, user);
  checkObserved(o, user, allGroups(user));
});

test(`our chain under Debian's supervise (compat): same checks${userNote}`, async (t) => {
  if (!haveDaemontools()) return t.skip('daemontools not installed');
  const o = await observeChain(t, theirs('supervise'), `${ROOT}/bin`, user);
  checkObserved(o, user, allGroups(user));
});

test(`Debian's chain under Debian's supervise gives the same, except setuidgid's groups (primary only in 0.76)${userNote}`, async (t) => {
  if (!haveDaemontools()) return t.skip('daemontools not installed');
  const o = await observeChain(t, theirs('supervise'), '/usr/bin', user);
  checkObserved(o, user, [Number(runSync('id', ['-g', user]).stdout.trim())]);
});
