/**
 * The trust model (R1-R8): svscan runs as root, a service directory S may belong to an untrusted
 * user (`nobody`). Whatever S's owner plants in S or S/supervise, root's other services go on
 * being supervised, nothing runs as root on S's behalf, no root file is touched, no process we
 * did not start is signalled, and no client blocks. Every supervisor test has a root-owned
 * service b beside S and shows that b is still restarted (SIGKILL, then a new pid in svstat).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, closeSync, constants, existsSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NOBODY, asUser, chownTree, mkfifo, shAs } from '../helpers/as-user.js';
import {
  LONG, fifoStatusDir, forgedStatus, hostileScan, pidsUnder, procStartTime, procStatusField, rssMb, statusPidIn, stillSupervises, svstatLine, svstatPid,
} from '../helpers/hostile-scan.js';
import { alive, ours, run, runSync, tempDir, waitFor } from '../helpers/proc.js';
import { fileLines, makeService } from '../helpers/service-dir.js';

/** "65534\t65534\t65534\t65534" -> ["65534", ...]. */
const fields = (s: string): string[] => s.split(/\s+/).filter(Boolean);

/** A uid that /etc/passwd does not know, whose successor /etc/group does not know either (its gid). */
function unknownId(): number {
  for (let id = 4242; ; id++) if (runSync('getent', ['passwd', String(id)]).code !== 0 && runSync('getent', ['group', String(id + 1)]).code !== 0) return id;
}

test('R1: ./run of a directory owned by nobody runs as nobody (uid, gid, nobody\'s groups); an unknown uid with the dir\'s gid; root\'s b as root', async (t) => {
  const ids = '{ id -u; id -g; id -G; } > ids.new && mv ids.new ids\nexec sleep 1000';
  const h = hostileScan(t, ids, {}, ids);
  const u = unknownId();
  const s2 = makeService(h.scan, 's2', ids);
  chownTree(s2, u, u + 1);
  h.svscan();
  const [sPid, s2Pid, bPid] = [await waitFor(() => svstatPid(h.s), LONG, 's up'), await waitFor(() => svstatPid(s2), LONG, 's2 up'), await waitFor(() => svstatPid(h.b), LONG, 'b up')];
  await waitFor(() => [h.s, s2, h.b].every((d) => fileLines(join(d, 'ids')).length === 3), LONG, 'all wrote their ids');
  const seen = (dir: string, pid: number): Record<string, string[]> => ({
    ids: fileLines(join(dir, 'ids')),
    uid: fields(procStatusField(pid, 'Uid')),
    gid: fields(procStatusField(pid, 'Gid')),
    groups: fields(procStatusField(pid, 'Groups')),
  });
  const nobodyGroups = fields(runSync('id', ['-G', 'nobody']).stdout); // the system's list: 65534 (nogroup) here
  assert.deepEqual(seen(h.s, sPid), {
    ids: ['65534', '65534', nobodyGroups.join(' ')],
    uid: ['65534', '65534', '65534', '65534'],
    gid: ['65534', '65534', '65534', '65534'],
    groups: nobodyGroups,
  }, 's runs as nobody, nobody\'s primary group and groups');
  assert.deepEqual(seen(s2, s2Pid), {
    ids: [String(u), String(u + 1), String(u + 1)],
    uid: Array(4).fill(String(u)),
    gid: Array(4).fill(String(u + 1)),
    groups: [],
  }, `s2 (owned by ${u}:${u + 1}, no passwd entry) runs as ${u}, the directory's gid, no supplementary groups`);
  const b = seen(h.b, bPid);
  assert.deepEqual([b.ids.slice(0, 2), b.uid, b.gid], [['0', '0'], ['0', '0', '0', '0'], ['0', '0', '0', '0']], 'b runs as root');
  await stillSupervises(h.b, 'beside s and s2');
});

test('R1: a non-root svscan refuses a directory owned by another non-root user; its own service runs', async (t) => {
  const h = hostileScan(t, 'touch marker\nexec sleep 1000');
  chownTree(h.b, 1); // daemon's service, supervised by daemon's svscan
  const sv = h.svscan(['setpriv', '--reuid=1', '--regid=1', '--clear-groups', '--']);
  await stillSupervises(h.b, 'svscan as daemon');
  assert.match(sv.stderr(), /svscan: warning: unable to supervise s: unable to run s\/run as its owner: owned by uid 65534 and we are not root\n/);
  assert.deepEqual(pidsUnder(h.s), [], 'nothing runs in s');
  assert.ok(!existsSync(join(h.s, 'marker')), 's/run never ran');
});

for (const format of ['old "PID STARTTIME"', 'new "PID STARTTIME BOOTID DEV:INO"'] as const) {
  test(`R3: a forged status + adopt (${format}) naming a root process is never adopted by nobody's supervisor; svc cannot kill that process`, async (t) => {
    const h = hostileScan(t, 'exec sleep 1000');
    const first = h.svscan();
    await waitFor(() => svstatPid(h.s), LONG, 's up');
    await waitFor(() => svstatPid(h.b), LONG, 'b up');
    // P: an unrelated root process
    const p = spawn('sleep', ['9999'], { cwd: h.root, stdio: 'ignore' });
    const P = p.pid!;
    h.killAtEnd(P);
    const st = statSync(h.s);
    const bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'latin1').trim();
    const adopt = format.startsWith('old') ? `${P} ${procStartTime(P)}\n` : `${P} ${procStartTime(P)} ${bootId} ${st.dev}:${st.ino}\n`;
    const forge = join(h.root, 'forge');
    mkdirSync(forge);
    writeFileSync(join(forge, 'status'), forgedStatus(P));
    writeFileSync(join(forge, 'adopt'), adopt);
    chownTree(forge, NOBODY);
    await first.stop('SIGKILL');
    // nobody's supervise/ is nobody's: its owner writes what it likes there while no supervisor runs
    await waitFor(async () => (await run(ours('svok'), [h.s])).code !== 0, LONG, 'nobody\'s supervisor gone with svscan');
    await shAs(NOBODY, `cp ${forge}/status ${forge}/adopt supervise/`, h.s);
    h.svscan();
    await stillSupervises(h.b, 'the second svscan');
    const bad: string[] = [];
    // a supervisor that adopted P would leave the status naming it; this one starts s afresh
    await waitFor(async () => { const q = await svstatPid(h.s); return q !== 0 && q !== P; }, LONG, 's runs a process of its own, not the forged P');
    await asUser(NOBODY, ours('svc'), ['-k', h.s]);
    await run(ours('svc'), ['-k', h.s]);
    await stillSupervises(h.b, 'after svc -k s'); // svscan has read whatever svc wrote
    if (!alive(P)) bad.push(`P (${P}, root's sleep 9999) was killed by svc -k s`);
    assert.deepEqual(bad, []);
  });
}

test('R5: a FIFO at restart-delay of a crash-looping service never blocks svscan', async (t) => {
  const h = hostileScan(t, 'exit 1');
  await shAs(NOBODY, 'mkfifo restart-delay', h.s);
  const sv = h.svscan();
  await stillSupervises(h.b, 'with a FIFO at s/restart-delay');
  await waitFor(() => /unable to read .*restart-delay: not a regular file/.test(sv.stderr()), LONG, 'the warning about s/restart-delay');
});

test('R5: a FIFO at timeout-kill never blocks svscan; svc -d still stops the service', async (t) => {
  const h = hostileScan(t, 'exec sleep 1000');
  await shAs(NOBODY, 'mkfifo timeout-kill', h.s);
  const sv = h.svscan();
  await waitFor(() => svstatPid(h.s), LONG, 's up');
  await run(ours('svc'), ['-d', h.s]);
  await waitFor(async () => /: down \d+ seconds/.test(await svstatLine(h.s)), LONG, 's down after svc -d');
  await stillSupervises(h.b, 'with a FIFO at s/timeout-kill');
  await waitFor(() => /unable to read .*timeout-kill: not a regular file/.test(sv.stderr()), LONG, 'the warning about s/timeout-kill');
});

test('R5: restart-delay -> /dev/zero never bloats svscan (RSS under 200 MB over two restarts of s)', async (t) => {
  const h = hostileScan(t, 'echo $$ >> starts\nexit 1');
  await shAs(NOBODY, 'ln -s /dev/zero restart-delay', h.s);
  // safety net for the machine: beyond 1 GiB of data the bloated svscan fails to allocate instead of eating the RAM
  const sv = h.svscan(['prlimit', `--data=${2 ** 30}`, '--']);
  const pid = sv.child.pid!;
  let maxRss = 0;
  let killed = false;
  const watch = setInterval(() => {
    const r = rssMb(pid);
    maxRss = Math.max(maxRss, r);
    if (r >= 200 && !killed) {
      killed = true; // the test has failed: spare the machine the rest
      process.kill(pid, 'SIGKILL');
    }
  }, 20);
  t.after(() => clearInterval(watch));
  await waitFor(() => killed || fileLines(join(h.s, 'starts')).length >= 3, LONG, 's started three times');
  assert.ok(!killed, `svscan's RSS reached ${Math.round(maxRss)} MB reading s/restart-delay (killed by the test)`);
  await stillSupervises(h.b, 'with restart-delay -> /dev/zero');
  maxRss = Math.max(maxRss, rssMb(pid));
  assert.ok(maxRss < 200, `svscan's RSS reached ${Math.round(maxRss)} MB`);
});

test('R5: numbers in config files are capped: restart-delay 99999999999 waits 2^31-1 ms, not 1 ms', async (t) => {
  const h = hostileScan(t, 'echo $$ >> starts\nexit 1', { 'restart-delay': '99999999999\n' });
  const sv = h.svscan();
  await waitFor(() => fileLines(join(h.s, 'starts')).length >= 1, LONG, 's started');
  await stillSupervises(h.b, 'beside s');
  await stillSupervises(h.b, 'beside s, again');
  assert.equal(fileLines(join(h.s, 'starts')).length, 1, 's started once: its next start is about 24 days away');
  assert.doesNotMatch(sv.stderr(), /TimeoutOverflowWarning/);
});

test('R4: symlinks planted in a new supervise/ never change a root file (content, mode) across an exit and a restart', async (t) => {
  const h = hostileScan(t, 'exec sleep 1000');
  const vault = join(h.root, 'vault');
  mkdirSync(vault, { mode: 0o700 });
  const v = join(vault, 'v');
  writeFileSync(v, 'secret\n', { mode: 0o600 });
  chmodSync(v, 0o600);
  h.svscan();
  const first = await waitFor(() => svstatPid(h.s), LONG, 's up');
  await shAs(NOBODY, `mv supervise supervise.old && mkdir supervise && for f in status.new status state.json.new state.json adopt; do ln -s ${v} supervise/$f; done`, h.s);
  process.kill(first, 'SIGKILL');
  const old = join(h.s, 'supervise.old');
  const vNow = (): { mode: string; content: string } => ({ mode: (statSync(v).mode & 0o777).toString(8), content: readFileSync(v, 'latin1') });
  const intact = (): boolean => { const x = vNow(); return x.mode === '600' && x.content === 'secret\n'; };
  // the supervisor wrote down the exit and the restart (or, failing R4, wrote through a symlink)
  await waitFor(() => !intact() || (statusPidIn(old) !== first && statusPidIn(old) !== 0), LONG, 'a new pid in the renamed supervise/status');
  assert.deepEqual(vNow(), { mode: '600', content: 'secret\n' }, 'the root file is untouched');
  await stillSupervises(h.b, 'beside the planted symlinks');
  assert.deepEqual(vNow(), { mode: '600', content: 'secret\n' }, 'the root file is still untouched');
});

test('R6: svstat and svc -w read a FIFO at supervise/status without blocking (ok held open: "running")', async (t) => {
  const d = fifoStatusDir(t);
  const r = await run(ours('svstat'), [d], { timeoutMs: 20000 });
  assert.deepEqual({ code: r.code, signal: r.signal, stdout: r.stdout }, { code: 0, signal: null, stdout: `${d}: unable to read supervise/status: bad format\n` });
  const w = await run(ours('svc'), ['-wu', '-T', '2000', d], { timeoutMs: 20000 });
  assert.deepEqual({ code: w.code, signal: w.signal }, { code: 111, signal: null }, `svc -wu -T 2000 gives up (stderr ${JSON.stringify(w.stderr)})`);
  const j = await run(ours('svstat'), ['--json', d], { timeoutMs: 20000 });
  assert.deepEqual({ code: j.code, signal: j.signal }, { code: 0, signal: null }, 'svstat --json returns');
  assert.equal(JSON.parse(j.stdout)[0].error, 'unable to read supervise/status: bad format');
});

test('R5: svstat, svstat --json and svc -w read a FIFO at supervise/state.json without blocking', async (t) => {
  const { dir: root, cleanup } = tempDir();
  const d = join(root, 'd');
  mkdirSync(join(d, 'supervise'), { recursive: true });
  mkfifo(join(d, 'supervise/ok'));
  const down = forgedStatus(0);
  down[17] = 'd'.charCodeAt(0);
  writeFileSync(join(d, 'supervise/status'), down);
  mkfifo(join(d, 'supervise/state.json'));
  const okFd = openSync(join(d, 'supervise/ok'), constants.O_RDONLY | constants.O_NONBLOCK);
  t.after(() => { closeSync(okFd); cleanup(); });
  const r = await run(ours('svstat'), [d], { timeoutMs: 20000 });
  assert.equal(r.signal, null, 'svstat returns');
  assert.match(r.stdout, new RegExp(`^${d}: down \\d+ seconds, normally up\\n$`));
  const j = await run(ours('svstat'), ['--json', d], { timeoutMs: 20000 });
  assert.equal(j.signal, null, 'svstat --json returns');
  assert.equal(JSON.parse(j.stdout)[0].up, false);
  const w = await run(ours('svc'), ['-wd', '-T', '10000', d], { timeoutMs: 20000 });
  assert.deepEqual({ code: w.code, signal: w.signal }, { code: 0, signal: null }, `svc -wd sees it down (stderr ${JSON.stringify(w.stderr)})`);
});

test('R7: svok as a user who may not open supervise/ok exits 111 with 0.76\'s message; 100 without file or reader', async (t) => {
  const h = hostileScan(t, 'exec sleep 1000');
  h.svscan();
  // b is root's (s's supervise/ is nobody's own: nobody's svok may open it)
  await waitFor(async () => (await run(ours('svok'), [h.b])).code === 0, LONG, 'root\'s svok: b supervised');
  assert.equal(statSync(join(h.b, 'supervise')).mode & 0o777, 0o700);
  const r = await asUser(NOBODY, ours('svok'), [h.b]);
  assert.deepEqual({ code: r.code, stderr: r.stderr }, { code: 111, stderr: `svok: fatal: unable to open ${h.b}/supervise/ok: access denied\n` });
  await waitFor(async () => (await asUser(NOBODY, ours('svok'), [h.s])).code === 0, LONG, 'nobody\'s svok: s is theirs');
  const none = join(h.root, 'none');
  mkdirSync(none, { mode: 0o755 });
  assert.equal((await asUser(NOBODY, ours('svok'), [none])).code, 100, 'no supervise/ok');
  const noReader = join(h.root, 'noreader');
  mkdirSync(join(noReader, 'supervise'), { recursive: true, mode: 0o755 });
  mkfifo(join(noReader, 'supervise/ok'), 0o666);
  assert.equal((await asUser(NOBODY, ours('svok'), [noReader])).code, 100, 'no reader on supervise/ok');
  await stillSupervises(h.b, 'beside s');
});

test('R2: a supervise/ that root left in nobody\'s directory (an older svkit) is refused by nobody\'s supervisor (warning), s/run never runs, b runs', async (t) => {
  const h = hostileScan(t, 'touch marker\nexec sleep 1000');
  mkdirSync(join(h.s, 'supervise'), { mode: 0o700 }); // root's, as a root supervisor of an earlier svkit made it
  const sv = h.svscan();
  await stillSupervises(h.b, 'beside s with root\'s supervise/');
  await waitFor(() => /unable to use s\/supervise: owned by uid 0, not by uid 65534/.test(sv.stderr()), LONG, 'the warning about s/supervise');
  const bad: string[] = [];
  const inS = pidsUnder(h.s);
  if (inS.length) bad.push(`s/run was started: pids ${inS.join(' ')} run in s`);
  if (existsSync(join(h.s, 'marker'))) bad.push('s/run created its marker');
  assert.deepEqual(bad, []);
});

test('R2: a log/ that nobody made a link to a root-owned service directory is refused; that directory never runs', async (t) => {
  const h = hostileScan(t, 'exec sleep 1000');
  // a root service directory outside the scan dir, which must not run fed by s's output
  const victim = makeService(h.root, 'victim', 'id -u > marker\nexec cat');
  await shAs(NOBODY, `ln -s ${victim} log`, h.s);
  const sv = h.svscan();
  await waitFor(async () => /: up \(pid \d+\)/.test(await svstatLine(h.s)), LONG, 's up');
  await stillSupervises(h.b, 'beside the planted log link');
  const bad: string[] = [];
  // nobody's supervisor follows nobody's link with nobody's rights, and refuses a log/ that is not nobody's
  await waitFor(() => /unable to supervise s\/log: owned by uid 0, not by uid 65534, the owner of s/.test(sv.stderr()), LONG, 'the warning about s/log');
  if (existsSync(join(victim, 'marker'))) bad.push(`victim/run ran as uid ${readFileSync(join(victim, 'marker'), 'utf8').trim()}`);
  if (pidsUnder(victim).length) bad.push('victim/run is running');
  assert.deepEqual(bad, []);
});
