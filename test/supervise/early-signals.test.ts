/**
 * svscan catches TERM/INT/HUP from its first line of JavaScript (bin/svscan loads early-signals
 * alone, then the rest); as PID 1 (a container) bin/svscan runs svscan-front (a small C program built
 * at install, build/native/svscan-front) in front of Node, so a `docker stop` during Node's own
 * start-up is not dropped by the kernel either.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT, haveTool, ours, run, sleep, start, tempDir, waitFor } from '../helpers/proc.js';
import { makeService } from '../helpers/service-dir.js';

const ENV = { ...process.env, PATH: `${join(ours('svscan'), '..')}:${process.env.PATH}` };

/** The first child of `pid` (0 while none). */
function firstChild(pid: number): number {
  try {
    const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    return kids ? Number(kids.split(' ')[0]) : 0;
  } catch {
    return 0;
  }
}

const TERM = 1n << 14n;

/** The signal masks of `pid` from /proc/PID/status (SigBlk, SigCgt), 0n when it cannot be read. */
function masks(pid: number): { blocked: bigint; caught: bigint } {
  try {
    const st = readFileSync(`/proc/${pid}/status`, 'utf8');
    const get = (k: string): bigint => BigInt(`0x${new RegExp(`^${k}:\\s*([0-9a-f]+)$`, 'm').exec(st)![1]}`);
    return { blocked: get('SigBlk'), caught: get('SigCgt') };
  } catch {
    return { blocked: 0n, caught: 0n };
  }
}

/** The command name of `pid` (/proc/PID/comm), '' when gone. */
function comm(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

/** A field of /proc/PID/status ('' when gone). */
function statusField(pid: number, key: string): string {
  try {
    return new RegExp(`^${key}:\\s*(.*)$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]?.trim() ?? '';
  } catch {
    return '';
  }
}

/** Every process below `pid` (host pids), from the PPid links in /proc. */
function descendants(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pp = Number(statusField(Number(name), 'PPid'));
    if (pp) parent.set(Number(name), pp);
  }
  const out: number[] = [];
  const below = (p: number): boolean => {
    for (let q = parent.get(p); q !== undefined; q = parent.get(q)) if (q === pid) return true;
    return false;
  };
  for (const p of parent.keys()) if (below(p)) out.push(p);
  return out;
}

/** The front bin/svscan runs as PID 1 (packaging/build-native.mjs builds it at install). */
const FRONT = join(ROOT, 'build/native/svscan-front');

/** True when svscan-front was built; says so loudly when not, and fails in CI. */
function haveFront(): boolean {
  const ok = existsSync(FRONT);
  if (!ok) {
    const msg = `${FRONT} was NOT built (no C compiler at npm install?): svscan-front tests are SKIPPED (run node packaging/build-native.mjs)`;
    process.stderr.write(`\n*** ${msg} ***\n\n`);
    if (process.env.CI) throw new Error(`${msg}; CI must build it`);
  }
  return ok;
}
const noFront = !haveTool('/usr/bin/unshare', 'util-linux') || !haveFront();

/** bin/svscan SCAN as the PID 1 of a new PID namespace (with its own /proc), as in a container. */
function svscanAsPid1(scan: string): ReturnType<typeof start> {
  return start('unshare', ['--pid', '--fork', '--kill-child', '--mount-proc', ours('svscan'), scan], { env: ENV });
}

test('bin/svscan installs its TERM, INT and HUP handlers before it loads svscan itself (strace: syscall order, not time)', { skip: !haveTool('/usr/bin/strace', 'strace') }, async (t) => {
  const { dir, cleanup } = tempDir('svkit-early-');
  const scan = join(dir, 'service');
  makeService(scan, 'a', 'exec sleep 1000');
  const trace = join(dir, 'trace');
  const st = start('/usr/bin/strace', ['-f', '-o', trace, '-e', 'trace=rt_sigaction,openat,execve', ours('svscan'), scan], { env: ENV });
  t.after(async () => { await st.stop('SIGKILL'); cleanup(); });
  await waitFor(() => readFileSync(trace, 'utf8').includes('execve("./run"'), 20000, 'svscan running its service');
  const svscan = Number(/^(\d+) /.exec(readFileSync(trace, 'utf8'))![1]); // strace -f: each line starts with the pid
  process.kill(svscan, 'SIGTERM');
  await waitFor(() => st.child.exitCode !== null, 20000, 'svscan exits');
  const lines = readFileSync(trace, 'utf8').split('\n');
  const loads = lines.findIndex((l) => /openat\(.*packages\/supervise\/dist\/(bundle\/)?svscan\.js"/.test(l)); // the build or its bundle
  assert.ok(loads > 0, 'svscan.js was loaded');
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) {
    // libuv's handler, the one that reaches JavaScript (Node's own early TERM/INT handler is SA_RESETHAND: it just re-raises)
    const installed = lines.findIndex((l) => l.includes(`rt_sigaction(${sig}, {sa_handler=0x`) && !l.includes('SA_RESETHAND'));
    assert.ok(installed > 0 && installed < loads, `${sig} caught (line ${installed}) before svscan.js is opened (line ${loads})`);
  }
});

test('as PID 1 (unshare): a SIGTERM at any moment from the first instant (svscan-front) makes svscan shut down and exit 0', { skip: noFront }, async (t) => {
  const { dir, cleanup } = tempDir('svkit-early-');
  t.after(cleanup);
  const scan = join(dir, 'service');
  makeService(scan, 'a', 'exec sleep 1000');
  makeService(scan, 'b', 'exec sleep 1000', { 'log/run': '#!/bin/sh\nexec cat > /dev/null\n' });
  for (const delay of [0, 1, 2, 5, 10, 20, 30, 50, 70, 100]) {
    const sv = svscanAsPid1(scan);
    try {
      // the namespace's PID 1 once it has exec'ed (not unshare's fork, not the sh of bin/svscan) and
      // holds TERM: blocked (svscan-front), or caught (Node's own start-up handler, without the front)
      const pid1 = await waitFor(() => {
        const p = firstChild(sv.child.pid!);
        if (!['svscan-front', 'node'].includes(comm(p))) return 0;
        const m = masks(p);
        return ((m.blocked | m.caught) & TERM) !== 0n ? p : 0;
      }, 20000, 'the PID 1 of the namespace holding SIGTERM');
      const who = comm(pid1);
      if (delay > 0) await sleep(delay);
      process.kill(pid1, 'SIGTERM'); // as docker stop does
      // 0 only from svscan's own shutdown (all services down, then the loggers); lost, it runs on
      await waitFor(() => sv.child.exitCode !== null, 30000, `svscan exits after SIGTERM ${delay} ms after PID 1 (${who}) held it`);
      assert.equal(sv.child.exitCode, 0, `exit status after SIGTERM at +${delay} ms: ${sv.stderr()}`);
      assert.equal(who, 'svscan-front', 'bin/svscan as PID 1 runs svscan-front');
      assert.doesNotMatch(sv.stderr(), /without svscan-front/);
    } finally {
      await sv.stop('SIGKILL');
    }
  }
});

test('as PID 1: svscan reaps the orphans of its services (subreaper behind svscan-front), which never see SVKIT_FRONT_FD', { skip: noFront }, async (t) => {
  const { dir, cleanup } = tempDir('svkit-early-');
  const scan = join(dir, 'service');
  // the service's run script forks a subshell that starts a sleep and exits: the sleep is an orphan
  const a = makeService(scan, 'a', 'echo "${SVKIT_FRONT_FD-unset}" > env.tmp && mv env.tmp env\n(sleep 1000 & echo $! > orphan.tmp && mv orphan.tmp orphan)\nexec sleep 1000');
  const sv = svscanAsPid1(scan);
  t.after(async () => { await sv.stop('SIGKILL'); cleanup(); });
  const front = await waitFor(() => (comm(firstChild(sv.child.pid!)) === 'svscan-front' ? firstChild(sv.child.pid!) : 0), 20000, 'svscan-front as PID 1');
  const svscan = await waitFor(() => (comm(firstChild(front)) === 'node' ? firstChild(front) : 0), 20000, 'svscan under svscan-front');
  const nsOrphan = await waitFor(() => (existsSync(join(a, 'orphan')) ? Number(readFileSync(join(a, 'orphan'), 'utf8')) : 0), 20000, 'the orphan');
  assert.equal(readFileSync(join(a, 'env'), 'utf8').trim(), 'unset', 'SVKIT_FRONT_FD does not reach a service');
  // the orphan (pid nsOrphan in the namespace) by its host pid
  const orphan = await waitFor(() => descendants(sv.child.pid!).find((p) => statusField(p, 'NSpid').split(/\s+/).at(-1) === String(nsOrphan)) ?? 0, 20000, 'the orphan in /proc');
  await waitFor(() => Number(statusField(orphan, 'PPid')) === svscan, 20000, 'the orphan reparented to svscan, its subreaper');
  process.kill(orphan, 'SIGKILL');
  await waitFor(() => !existsSync(`/proc/${orphan}`), 20000, 'the dead orphan reaped (no zombie left)');
  const zombies = descendants(sv.child.pid!).filter((p) => statusField(p, 'State').startsWith('Z'));
  assert.deepEqual(zombies, [], 'no zombie under the namespace');
  process.kill(front, 'SIGTERM');
  await waitFor(() => sv.child.exitCode !== null, 30000, 'svscan exits');
  assert.equal(sv.child.exitCode, 0, sv.stderr());
});

test('as PID 1: svscan\'s exit status comes through svscan-front (111 for a scan directory it cannot use)', { skip: noFront }, async () => {
  const r = await run('unshare', ['--pid', '--fork', '--kill-child', '--mount-proc', ours('svscan'), '/nonexistent/scan'], { env: ENV, timeoutMs: 30000 });
  assert.equal(r.code, 111, r.stderr);
  assert.match(r.stderr, /^svscan: fatal: unable to chdir to \/nonexistent\/scan: /);
});

test('svscan-front: exit status of its child (128 + the signal when killed), a child it cannot run, signals passed on once ready', { skip: noFront }, async () => {
  assert.equal((await run(FRONT, ['sh', '-c', 'exit 7'])).code, 7);
  assert.equal((await run(FRONT, ['sh', '-c', 'kill -USR1 $$'])).code, 128 + 10);
  const bad = await run(FRONT, ['/nonexistent/prog']);
  assert.equal(bad.code, 111);
  assert.match(bad.stderr, /^svscan: fatal: unable to run \/nonexistent\/prog: /);
  // a child that never says it is ready still gets TERM once its end of the pipe is closed (EOF)
  const sh = start(FRONT, ['sh', '-c', 'eval "exec $SVKIT_FRONT_FD>&-"; trap "exit 42" TERM; while :; do sleep 0.05; done']);
  try {
    const child = await waitFor(() => firstChild(sh.child.pid!), 10000, 'the child');
    await waitFor(() => (masks(child).caught & TERM) !== 0n, 10000, 'the trap set');
    process.kill(sh.child.pid!, 'SIGTERM');
    await waitFor(() => sh.child.exitCode !== null, 10000, 'the front exits');
    assert.equal(sh.child.exitCode, 42, sh.stderr());
  } finally {
    await sh.stop('SIGKILL');
  }
});

test('svscan-front does not pass on the terminal\'s ^C (the whole foreground group gets it, its child too), a TERM it does (strace: its kill calls)', {
  skip: noFront || !haveTool('/usr/bin/strace', 'strace'),
}, async (t) => {
  const { spawn: ptySpawn } = await import('node-pty');
  const { dir, cleanup } = tempDir('svkit-early-');
  const log = join(dir, 'log');
  const trace = join(dir, 'trace');
  // closes its end of the ready pipe (the front passes signals on from then), logs INT and TERM
  const script = `eval "exec $SVKIT_FRONT_FD>&-"; trap 'echo INT >> ${log}' INT; trap 'echo TERM >> ${log}; exit 0' TERM; while :; do sleep 0.05; done`;
  // strace -o FILE PROG blocks ^C for itself; it traces the front alone (no -f) and exits with its status
  const pty = ptySpawn('/usr/bin/strace', ['-o', trace, '-e', 'trace=kill', FRONT, 'sh', '-c', script], { cols: 80, rows: 24, cwd: dir, env: ENV as Record<string, string> });
  let code: number | undefined;
  pty.onExit((e) => { code = e.exitCode; });
  t.after(() => { if (code === undefined) pty.kill('SIGKILL'); cleanup(); });
  const front = await waitFor(() => (comm(firstChild(pty.pid)) === 'svscan-front' ? firstChild(pty.pid) : 0), 10000, 'the front');
  const child = await waitFor(() => firstChild(front), 10000, 'its child');
  const INT = 1n << 1n;
  await waitFor(() => (masks(child).caught & (TERM | INT)) === (TERM | INT), 10000, 'the traps set');
  pty.write('\x03');
  await waitFor(() => existsSync(log) && readFileSync(log, 'utf8').includes('INT'), 10000, 'the child got ^C');
  process.kill(front, 'SIGTERM'); // passed on, after the front has read the INT (signalfd gives the lower number first)
  await waitFor(() => code !== undefined, 10000, 'the front exits');
  assert.equal(code, 0);
  assert.match(readFileSync(log, 'utf8'), /^INT\n(INT\n)?TERM\n$/);
  const kills = readFileSync(trace, 'utf8').split('\n').filter((l) => l.startsWith('kill('));
  assert.deepEqual(kills.map((l) => /SIG\w+/.exec(l)?.[0]), ['SIGTERM'], `the front's kill calls: ${kills.join('; ')}`);
});
