/**
 * Privilege separation (issue 20): a root svscan never works inside a directory another user owns.
 * Each attack of the issue is run as `nobody`, the owner of SCAN/s, against a root svscan with
 * root's service SCAN/b beside it; races are looped. Every test here fails on the svscan that
 * supervised other users' directories in root's own process.
 */
import { test } from 'node:test';
import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NOBODY, asUser, chownTree, shAs } from '../helpers/as-user.js';
import { LONG, hostileScan, pidsUnder, procStatusField, stillSupervises, svstatLine, svstatPid } from '../helpers/hostile-scan.js';
import { ours, run, sleep, start, waitFor } from '../helpers/proc.js';
import { fileLines, makeService } from '../helpers/service-dir.js';

/** The parent pid of `pid` (field 4 of /proc/PID/stat). */
function ppidOf(pid: number): number {
  const s = readFileSync(`/proc/${pid}/stat`, 'latin1');
  return Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[1]);
}

/** The per-owner supervisors (svscan-owner) that svscan `pid` started: its children running as `uid`. */
function ownersOf(pid: number, uid = NOBODY): number[] {
  return readdirSync('/proc').filter((p) => /^\d+$/.test(p)).map(Number).filter((p) => {
    try {
      return ppidOf(p) === pid && statSync(`/proc/${p}`).uid === uid;
    } catch {
      return false;
    }
  });
}

/** The pids that hold a descriptor of `target` (a path, or `pipe:[INODE]`). */
function holdersOf(target: string): number[] {
  const out = new Set<number>();
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      for (const fd of readdirSync(`/proc/${p}/fd`)) if (readlinkSync(`/proc/${p}/fd/${fd}`) === target) out.add(Number(p));
    } catch { /* gone */ }
  }
  return [...out];
}

/** Processes (pid, fd) that hold `file` open for writing (O_WRONLY or O_RDWR), from /proc/PID/fdinfo. */
function writersOf(file: string, except: number[]): string[] {
  const out: string[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p) || except.includes(Number(p))) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${p}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (readlinkSync(`/proc/${p}/fd/${fd}`) !== file) continue;
        const flags = parseInt(/flags:\s*(\d+)/.exec(readFileSync(`/proc/${p}/fdinfo/${fd}`, 'latin1'))![1]!, 8);
        if ((flags & 3) !== 0) out.push(`pid ${p} fd ${fd} (flags ${flags.toString(8)})`);
      } catch { /* gone */ }
    }
  }
  return out;
}

test('O1: nobody\'s services, loggers and their supervisor run as nobody; root\'s b as root; root made nothing in s', async (t) => {
  const ids = '{ id -u; id -g; } > ids.new && mv ids.new ids';
  const h = hostileScan(t, `${ids}\nexec sleep 1000`, { 'log/run': `#!/bin/sh\n${ids}\nexec cat > /dev/null\n` });
  chownTree(h.s, NOBODY);
  h.svscan();
  const s = await waitFor(() => svstatPid(h.s), LONG, 's up');
  await stillSupervises(h.b, 'b beside s');
  const log = await waitFor(() => svstatPid(join(h.s, 'log')), LONG, 's/log up');
  await waitFor(() => existsSync(join(h.s, 'ids')) && existsSync(join(h.s, 'log/ids')), LONG, 's and s/log wrote their ids');
  const sup = ppidOf(s);
  assert.equal(ppidOf(log), sup, 's and s/log have one supervisor');
  assert.deepEqual(procStatusField(sup, 'Uid').split(/\s+/), ['65534', '65534', '65534', '65534'], 'the supervisor of s runs as nobody');
  assert.deepEqual(fileLines(join(h.s, 'ids')), ['65534', '65534']);
  assert.deepEqual(fileLines(join(h.s, 'log/ids')), ['65534', '65534']);
  const rootOwned: string[] = [];
  const walk = (d: string): void => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      const st = statSync(p, { throwIfNoEntry: false });
      if (!st) continue;
      if (st.uid !== NOBODY) rootOwned.push(`${p} (uid ${st.uid})`);
      if (st.isDirectory()) walk(p);
    }
  };
  walk(h.s);
  assert.deepEqual(rootOwned, [], 'everything in s is nobody\'s');
});

test('O2: adoption after kill -9 of svscan: nobody swaps its fd 1 between the log pipe and a root file; no svkit process ever holds that file writable (30 restarts)', async (t) => {
  const h = hostileScan(t, '', { 'log/run': '#!/bin/sh\nexec cat > /dev/null\n' });
  const victim = join(h.root, 'victim');
  writeFileSync(victim, 'root:x:0:0:root:/root:/bin/sh\n');
  chmodSync(victim, 0o644);
  // s swaps its stdout between the pipe to its logger (kept as fd 3) and a read-only descriptor of victim
  writeFileSync(join(h.s, 'run'), `#!/bin/sh\nexec 3>&1 4<${victim}\nwhile :; do exec 1<&4; exec 1>&3; done\n`);
  chownTree(h.s, NOBODY);
  let sv = h.svscan();
  const pid = await waitFor(() => svstatPid(h.s), LONG, 's up');
  await waitFor(() => svstatPid(join(h.s, 'log')), LONG, 's/log up');
  const pipe = readlinkSync(`/proc/${pid}/fd/3`); // pipe:[N], kept by s as fd 3
  const found: string[] = [];
  for (let round = 0; round < 30 && found.length === 0; round++) {
    await sv.stop('SIGKILL');
    sv = h.svscan();
    await waitFor(async () => (await svstatLine(h.s)).includes(`up (pid ${pid})`), LONG, `round ${round}: s adopted`);
    await waitFor(() => svstatPid(join(h.s, 'log')), LONG, `round ${round}: s/log supervised`);
    // the attacker's own process holds what it likes; no supervisor (root's or nobody's) may hold it writable
    found.push(...writersOf(victim, [pid]).map((w) => `round ${round}: ${w}`));
    // and the pipe was reopened by nobody's supervisor: no root process holds nobody's log pipe
    const rootHolders = holdersOf(pipe).filter((p) => statSync(`/proc/${p}`).uid !== NOBODY);
    if (rootHolders.length) found.push(`round ${round}: root processes ${rootHolders.join(' ')} hold s's log pipe`);
  }
  await stillSupervises(h.b, 'after the rounds');
  process.kill(pid, 'SIGKILL'); // its next start gets the pipe the supervisor holds
  await waitFor(async () => { const p = await svstatPid(h.s); return p !== pid && p; }, LONG, 's restarted');
  assert.deepEqual(found, [], 'nothing holds the root file writable');
  assert.equal(readFileSync(victim, 'latin1'), 'root:x:0:0:root:/root:/bin/sh\n');
});

test('O3: nobody renames its log/ away and plants another: the restarted logger is the held one, as nobody; a root-owned log/ in nobody\'s s is never run (by root or as root)', async (t) => {
  const h = hostileScan(t, 'exec sleep 1000');
  const record = join(h.root, 'log-runs');
  writeFileSync(record, '');
  chmodSync(record, 0o666);
  makeService(h.s, 'log', `echo "held $(id -u)" >> ${record}\nexec cat > /dev/null`);
  chownTree(h.s, NOBODY);
  const sv = h.svscan();
  await stillSupervises(h.b, 'b beside s');
  let pid = await waitFor(() => svstatPid(join(h.s, 'log')), LONG, 's/log up');
  const plant = (dir: string) => `mkdir ${dir} && printf '#!/bin/sh\\necho "planted $(id -u)" >> ${record}\\nexec cat > /dev/null\\n' > ${dir}/run && chmod +x ${dir}/run`;
  for (let round = 0; round < 3; round++) {
    await shAs(NOBODY, `mv log log.${round} && ${plant('log')}`, h.s);
    const before = fileLines(record).length;
    process.kill(pid, 'SIGKILL');
    await waitFor(() => fileLines(record).length > before, LONG, `round ${round}: the logger restarted`);
    pid = await waitFor(() => svstatPid(join(h.s, `log.${round}`)), LONG, `round ${round}: the held logger up`);
    await shAs(NOBODY, `rm -rf log && mv log.${round} log`, h.s);
  }
  const lines = fileLines(record);
  assert.ok(lines.length >= 4 && lines.every((l) => l === 'held 65534'), `every logger start is the held log/run, as nobody: ${JSON.stringify(lines)}`);
  // a log/ of root's inside nobody's directory: nobody's supervisor refuses it, root never enters it
  const s2 = makeService(h.scan, 's2', 'exec sleep 1000');
  makeService(s2, 'log', `echo "root-log $(id -u)" >> ${record}\nexec cat > /dev/null`);
  chownSync(s2, NOBODY, NOBODY);
  chownSync(join(s2, 'run'), NOBODY, NOBODY);
  await waitFor(() => /unable to supervise s2\/log: owned by uid 0, not by uid 65534, the owner of s2/.test(sv.stderr()), LONG, 'the warning about s2/log');
  await waitFor(() => svstatPid(s2), LONG, 's2 up');
  assert.ok(!fileLines(record).some((l) => l.startsWith('root-log')), 's2/log never ran');
});

test('O4: nobody\'s log -> ../b/log: across svscan restarts s never writes into, or reads from, root\'s b/log pipe', async (t) => {
  const h = hostileScan(t, 'while :; do echo FROM-S; sleep 0.05; done', {}, 'i=0; while :; do i=$((i+1)); echo "b $i"; sleep 0.05; done');
  makeService(h.b, 'log', 'exec cat >> out');
  await shAs(NOBODY, 'ln -s ../b/log log', h.s);
  let sv = h.svscan();
  await waitFor(() => fileLines(join(h.b, 'log/out')).length > 3, LONG, 'b\'s lines in b/log/out');
  for (let round = 0; round < 5; round++) {
    await sv.stop('SIGKILL');
    sv = h.svscan();
    await stillSupervises(h.b, `round ${round}`);
    const n = fileLines(join(h.b, 'log/out')).length;
    await waitFor(() => fileLines(join(h.b, 'log/out')).length > n + 3, LONG, `round ${round}: b's lines go on`);
  }
  const out = fileLines(join(h.b, 'log/out'));
  assert.ok(!out.some((l) => l.includes('FROM-S')), 's never wrote into b\'s log');
  assert.ok(out.every((l) => /^b \d+$/.test(l)), 'only b\'s lines');
});

test('O5: quick-death 0 and restart-delay 0 in nobody\'s s: starts stay at least a second apart (the floor of another user\'s services)', async (t) => {
  const h = hostileScan(t, 'date +%s%N >> starts\nexit 1', { 'quick-death': '0\n', 'restart-delay': '0\n', 'max-quick-deaths': '0\n' });
  chownTree(h.s, NOBODY);
  h.svscan();
  const starts = await waitFor(() => fileLines(join(h.s, 'starts')).length >= 6 && fileLines(join(h.s, 'starts')), LONG, 'six starts of s');
  const ns = starts.map((l) => BigInt(l));
  const gaps = ns.slice(1).map((v, i) => Number((v - ns[i]!) / 1000000n));
  // the floor is 1000 ms between starts (each start records itself a moment after it began): 500 leaves room
  assert.ok(gaps.every((g) => g >= 500), `gaps between starts (ms): ${gaps.join(' ')}`);
  await stillSupervises(h.b, 'beside the crash loop');
});

test('O6: a renamed service directory keeps working: its next start runs from the directory held open', async (t) => {
  const h = hostileScan(t, 'exec sleep 1000');
  const a = makeService(h.scan, 'a', 'exec sleep 1000');
  const sv = h.svscan();
  const first = await waitFor(() => svstatPid(a), LONG, 'a up');
  await stillSupervises(h.b, 'b');
  renameSync(a, join(h.scan, 'a2'));
  mkdirSync(a); // a planted directory at the old path: never entered
  writeFileSync(join(a, 'run'), '#!/bin/sh\ntouch planted-ran\nexec sleep 1000\n');
  chmodSync(join(a, 'run'), 0o755);
  process.kill(first, 'SIGKILL');
  const second = await waitFor(async () => {
    const p = await svstatPid(join(h.scan, 'a2'));
    return p !== first && p;
  }, LONG, 'a2 restarted with a new pid');
  assert.equal(readlinkSync(`/proc/${second}/cwd`), join(h.scan, 'a2'));
  assert.ok(!/unable to start a\/run/.test(sv.stderr()), sv.stderr());
});

test('O7: a root-owned service directory below a directory nobody owns is not run by root', async (t) => {
  const h = hostileScan(t, 'exec sleep 1000');
  const home = join(h.root, 'home');
  mkdirSync(home, { mode: 0o755 });
  const rs = makeService(home, 'rs', 'id -u > ran\nexec sleep 1000');
  chownSync(home, NOBODY, NOBODY); // nobody may rename rs away and put theirs in its place
  symlinkSync(rs, join(h.scan, 'rs'));
  const sv = h.svscan();
  await stillSupervises(h.b, 'b');
  await waitFor(() => /unable to supervise rs: .*home is owned by uid 65534/.test(sv.stderr()), LONG, 'the warning about rs');
  assert.ok(!existsSync(join(rs, 'ran')), 'rs/run never ran');
  assert.deepEqual(pidsUnder(rs), []);
});

test('O8: nobody kills or stops its own supervisor: root\'s svscan goes on, starts it again, and nobody\'s service is adopted, not restarted', async (t) => {
  const h = hostileScan(t, 'exec sleep 1000');
  const sv = h.svscan();
  const svscan = sv.child.pid!;
  const s = await waitFor(() => svstatPid(h.s), LONG, 's up');
  for (let round = 0; round < 3; round++) {
    const [sup] = await waitFor(() => ownersOf(svscan).length === 1 && ownersOf(svscan), LONG, `round ${round}: one supervisor of nobody`);
    await asUser(NOBODY, 'kill', ['-KILL', String(sup)]);
    await waitFor(() => { const o = ownersOf(svscan); return o.length === 1 && o[0] !== sup; }, LONG, `round ${round}: a new supervisor of nobody`);
    await waitFor(async () => (await svstatLine(h.s)).includes(`up (pid ${s})`), LONG, `round ${round}: s adopted`);
    await stillSupervises(h.b, `round ${round}`);
  }
  assert.match(sv.stderr(), /the supervisor of uid 65534 \(pid \d+\) ended \(SIGKILL\): its services go on/);
  // stopped: root does not wait for it
  const [sup] = await waitFor(() => ownersOf(svscan).length === 1 && ownersOf(svscan), LONG, 'the supervisor of nobody');
  await asUser(NOBODY, 'kill', ['-STOP', String(sup)]);
  const s2 = makeService(h.scan, 's2', 'exec sleep 1000');
  chownTree(s2, NOBODY);
  await stillSupervises(h.b, 'with nobody\'s supervisor stopped');
  await asUser(NOBODY, 'kill', ['-CONT', String(sup)]);
  await waitFor(() => svstatPid(s2), LONG, 's2 up once its supervisor goes on');
});

test('O9: root\'s b with a log/ that nobody owns: the logger runs as nobody in nobody\'s supervisor, fed from root\'s pipe; no line lost across kill -9 of svscan', async (t) => {
  const h = hostileScan(t, 'exec sleep 1000', {}, 'i=0; while :; do i=$((i+1)); echo "$i"; sleep 0.02; done');
  makeService(h.b, 'log', 'id -u > uid\nexec cat >> out');
  chownTree(join(h.b, 'log'), NOBODY);
  let sv = h.svscan();
  const out = join(h.b, 'log/out');
  await waitFor(() => fileLines(out).length > 5, LONG, 'b\'s lines in b/log/out');
  assert.deepEqual(fileLines(join(h.b, 'log/uid')), ['65534']);
  const logger = await waitFor(() => svstatPid(join(h.b, 'log')), LONG, 'b/log supervised');
  assert.equal(statSync(`/proc/${ppidOf(logger)}`).uid, NOBODY, 'the supervisor of b/log runs as nobody');
  assert.equal(statSync(join(h.b, 'log/supervise')).uid, NOBODY, 'root made nothing in nobody\'s b/log');
  for (let round = 0; round < 3; round++) {
    await sv.stop('SIGKILL');
    await sleep(100); // lines written while no svscan runs
    sv = h.svscan();
    const n = fileLines(out).length;
    await waitFor(() => fileLines(out).length > n + 10, LONG, `round ${round}: lines go on`);
  }
  await sv.stop('SIGTERM'); // shutdown: b down, then its logger reads to the end and leaves
  const nums = fileLines(out).map(Number);
  const missing = nums.slice(1).filter((v, i) => v !== nums[i]! + 1);
  assert.deepEqual(missing, [], `lines out of sequence: ${missing.slice(0, 5).join(' ')}`);
});

test('O10: nobody\'s supervisor and services have no controlling terminal, none of svscan\'s descriptors, and their output reaches svscan\'s through root\'s copy', async (t) => {
  const h = hostileScan(t, 'echo "hello from s"\nexec sleep 1000');
  // svscan inherits a descriptor without close-on-exec (fd 3, as from a careless parent)
  const sv = h.svscan(['sh', '-c', 'exec 3</dev/null "$@"', 'sh']);
  const s = await waitFor(() => svstatPid(h.s), LONG, 's up');
  await waitFor(() => sv.stdout().includes('hello from s\n'), LONG, 's\'s output on svscan\'s stdout');
  const svscan = await waitFor(() => ppidOf(s) !== 1 && ppidOf(ppidOf(s)), LONG, 'svscan above s\'s supervisor');
  const stat = (p: number): string[] => { const x = readFileSync(`/proc/${p}/stat`, 'latin1'); return x.slice(x.lastIndexOf(')') + 2).split(' '); };
  for (const p of [s, ppidOf(s)]) {
    assert.equal(stat(p)[4], '0', `pid ${p} has no controlling terminal`);
    assert.notEqual(stat(p)[3], stat(svscan)[3], `pid ${p} is not in svscan's session`);
    const fds = readdirSync(`/proc/${p}/fd`).map(Number).sort((a, b) => a - b);
    for (const fd of [1, 2]) assert.notEqual(readlinkSync(`/proc/${p}/fd/${fd}`), readlinkSync(`/proc/${svscan}/fd/${fd}`), `pid ${p} fd ${fd} is not svscan's`);
    if (p === s) assert.deepEqual(fds, [0, 1, 2], `s has only its stdio (${fds.join(' ')}), not svscan's fd 3 nor its supervisor's channel`);
  }
  assert.equal(readlinkSync(`/proc/${s}/fd/0`), '/dev/null');
});

test('O11: a root service running as nobody puts another pipe on its fd 1: after an svscan restart root never reopens it (only the recorded pipe is reconnected)', async (t) => {
  const h = hostileScan(t, 'exec sleep 1000', {}, "exec setpriv --reuid=65534 --regid=65534 --clear-groups -- python3 -c 'import os, time\nr, w = os.pipe()\nos.dup2(w, 1)\nwhile True: time.sleep(1000)'");
  makeService(h.b, 'log', 'exec cat > /dev/null');
  let sv = h.svscan();
  const b = await waitFor(() => svstatPid(h.b), LONG, 'b up');
  await waitFor(() => svstatPid(join(h.b, 'log')), LONG, 'b/log up');
  const theirs = await waitFor(() => { try { const l = readlinkSync(`/proc/${b}/fd/1`); return l.startsWith('pipe:') && l; } catch { return false; } }, LONG, 'b\'s own pipe on fd 1');
  for (let round = 0; round < 3; round++) {
    await sv.stop('SIGKILL');
    sv = h.svscan();
    await waitFor(async () => (await svstatLine(h.b)).includes(`up (pid ${b})`), LONG, `round ${round}: b adopted`);
    await waitFor(() => svstatPid(join(h.b, 'log')), LONG, `round ${round}: b/log supervised`);
    const others = holdersOf(theirs).filter((p) => p !== b);
    assert.deepEqual(others, [], `round ${round}: only b holds the pipe it made`);
  }
});

test('O12: a scan entry that leads through nobody\'s link to a root-owned directory is not run by root', async (t) => {
  const h = hostileScan(t, 'exec sleep 1000');
  const other = makeService(h.root, 'sv-other', 'id -u > ran\nexec sleep 1000');
  const home = join(h.root, 'home');
  mkdirSync(home, { mode: 0o755 });
  chownSync(home, NOBODY, NOBODY);
  await shAs(NOBODY, `ln -s ${other} rootsvc`, home);
  symlinkSync(join(home, 'rootsvc'), join(h.scan, 'r'));
  const sv = h.svscan();
  await stillSupervises(h.b, 'b');
  await waitFor(() => /unable to supervise r: .*\/home is owned by uid 65534/.test(sv.stderr()), LONG, 'the warning about r');
  assert.ok(!existsSync(join(other, 'ran')), 'sv-other/run never ran');
  assert.deepEqual(pidsUnder(other), []);
});

test('O13: a directory of a uid without an account whose group is root: its supervisor and services get nogroup, never gid 0', async (t) => {
  const h = hostileScan(t, '{ id -u; id -g; id -G; } > ids.new && mv ids.new ids\nexec sleep 1000');
  let id = 4242;
  while (existsSync(`/proc`) && readFileSync('/etc/passwd', 'latin1').includes(`:x:${id}:`)) id++;
  chownTree(h.s, id, 0);
  h.svscan();
  await waitFor(() => existsSync(join(h.s, 'ids')), LONG, 's wrote its ids');
  assert.deepEqual(fileLines(join(h.s, 'ids')), [String(id), '65534', '65534']);
});

test('O14: supervise as root on nobody\'s directory: the supervise that works there is nobody\'s, and neither it nor the service gets root\'s stdout file, working directory or environment', async (t) => {
  const h = hostileScan(t, 'exec 3>&1\nreadlink /proc/$$/fd/3 > out-link; exec 3>&-\npwd > cwd; env > env.txt\necho "from s"\nexec sleep 1000');
  const rootOut = join(h.root, 'root.log');
  writeFileSync(rootOut, 'root line\n', { mode: 0o600 });
  const secret = join(h.root, 'secret');
  mkdirSync(secret, { mode: 0o700 });
  const sup = start('sh', ['-c', `exec "$0" "$1" >> ${rootOut} 2>&1`, ours('supervise'), h.s], { cwd: secret, env: { ...process.env, ROOT_SECRET: 'hunter2' } });
  h.killAtEnd(sup.child.pid!);
  const s = await waitFor(async () => existsSync(join(h.s, 'env.txt')) && svstatPid(h.s), LONG, 's up');
  h.killAtEnd(ppidOf(s)); // nobody's supervise works from /: the cleanup by working directory would not find it
  assert.equal(statSync(`/proc/${ppidOf(s)}`).uid, NOBODY, 'the supervise of s runs as nobody');
  assert.match(fileLines(join(h.s, 'out-link'))[0]!, /^pipe:/, 's\'s stdout is a pipe, not root.log');
  assert.deepEqual(fileLines(join(h.s, 'cwd')), [h.s]);
  assert.equal(readlinkSync(`/proc/${ppidOf(s)}/cwd`), '/', 'its supervise works from /');
  assert.ok(!fileLines(join(h.s, 'env.txt')).some((l) => l.includes('hunter2')), 'no root environment');
  await waitFor(() => readFileSync(rootOut, 'utf8').includes('from s\n'), LONG, 's\'s output copied into root.log by root');
  assert.ok(readFileSync(rootOut, 'utf8').startsWith('root line\n'));
  await run(ours('svc'), ['-dx', h.s]);
  await waitFor(() => sup.child.exitCode !== null, LONG, 'supervise exits after svc -dx');
  assert.equal(sup.child.exitCode, 0);
});

test('O15: nobody\'s service writes without end while nobody reads svscan\'s stdout: root\'s svscan never blocks (b is still restarted)', async (t) => {
  const h = hostileScan(t, 'exec yes AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
  const fifo = join(h.root, 'out');
  execFileSync('mkfifo', [fifo]);
  const reader = start('sh', ['-c', `exec sleep 1000 < ${fifo}`]); // opens it and never reads
  h.killAtEnd(reader.child.pid!);
  h.svscan(['sh', '-c', `exec "$@" > ${fifo} 2>&1`, 'sh']);
  await waitFor(() => svstatPid(h.s), LONG, 's up');
  await sleep(2000); // root's stdout pipe is full by now
  await stillSupervises(h.b, 'with svscan\'s stdout full');
  await stillSupervises(h.b, 'again');
});
