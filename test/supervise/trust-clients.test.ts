/**
 * The clients' side of the trust model: root's svc, svc -w, svstat (text and --json) and svok reach
 * a service's supervise/ only as its supervisor would own it (protocol's openSupervise). The owner
 * of a directory (nobody) who makes DIR/supervise a link to root's service b, or who has a
 * supervise/ of root's (leftover or planted) in their directory, cannot have root's clients signal
 * b or report b's process as theirs. The hostile layouts are built by hand: what matters is what
 * the clients do; b is a real service under our svscan.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, closeSync, constants, mkdirSync, openSync, readFileSync, readSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NOBODY, asUser, mkfifo, shAs } from '../helpers/as-user.js';
import { LONG, forgedStatus, hostileScan, svstatPid } from '../helpers/hostile-scan.js';
import { ours, run, waitFor } from '../helpers/proc.js';
import { makeService } from '../helpers/service-dir.js';

/** Field 3 of /proc/PID/stat (R S T Z...), 'gone' once reaped. */
function procState(pid: number): string {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return s.slice(s.lastIndexOf(')') + 2, s.lastIndexOf(')') + 3);
  } catch {
    return 'gone';
  }
}

/**
 * Asserts that b's process `pid` was never signalled by what was done before: `svc -p b` goes
 * through b's control FIFO after whatever reached it earlier, so once b's process is stopped (T),
 * an earlier `k` would have killed it first (Z or gone). Then `svc -c b`.
 */
async function notSignalled(b: string, pid: number, when: string): Promise<void> {
  await run(ours('svc'), ['-p', b]);
  const st = await waitFor(() => (['T', 'Z', 'gone'].includes(procState(pid)) ? procState(pid) : false), LONG, `${when}: b's process stopped by svc -p (or dead)`);
  await run(ours('svc'), ['-c', b]);
  assert.equal(st, 'T', `${when}: b's process ${pid} was killed (state ${st})`);
  assert.equal(await svstatPid(b), pid, `${when}: b still runs the same process`);
}

/** The first characters waiting in a FIFO held open (non-blocking) for reading. */
function drain(fd: number): string {
  const buf = Buffer.alloc(4096);
  try {
    return buf.subarray(0, readSync(fd, buf)).toString('latin1');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EAGAIN') return '';
    throw e;
  }
}

/**
 * A supervise/-like directory at `path` (owner `uid`, 0700): status naming `pid` up, an ok FIFO
 * whose reader we hold ("running") and a control FIFO whose reader we hold; returns that reader.
 */
function fakeSupervise(t: { after(fn: () => void): void }, path: string, uid: number, pid: number): number {
  mkdirSync(path, { mode: 0o700 });
  mkfifo(join(path, 'ok'));
  mkfifo(join(path, 'control'));
  writeFileSync(join(path, 'status'), forgedStatus(pid));
  for (const f of ['ok', 'control', 'status', '.']) chownSync(join(path, f), uid, uid);
  const ok = openSync(join(path, 'ok'), constants.O_RDONLY | constants.O_NONBLOCK);
  const control = openSync(join(path, 'control'), constants.O_RDONLY | constants.O_NONBLOCK);
  t.after(() => { closeSync(ok); closeSync(control); });
  return control;
}

/** A directory NAME in `root` owned by `uid`, 0755. */
function ownedDir(root: string, name: string, uid: number): string {
  const d = join(root, name);
  mkdirSync(d, { mode: 0o755 });
  chownSync(d, uid, uid);
  return d;
}

/** What root's clients make of `dir` (b's pid, when they read b's supervise/, is what must not show). */
async function rootClients(dir: string): Promise<Record<string, unknown>> {
  const svc = await run(ours('svc'), ['-k', dir]);
  const stat = await run(ours('svstat'), [dir]);
  const json = JSON.parse((await run(ours('svstat'), ['--json', dir])).stdout)[0];
  const ok = await run(ours('svok'), [dir]);
  const wait = await run(ours('svc'), ['-wu', '-T', '20000', dir]);
  return {
    svc: [svc.code, svc.stderr],
    svstat: stat.stdout,
    json: [json.pid, json.error, json.code],
    svok: [ok.code, ok.stderr],
    wait: [wait.code, wait.stderr],
  };
}

/** What root's clients must say about `dir`, refused because `why`. */
function refused(dir: string, why: string): Record<string, unknown> {
  return {
    svc: [0, `svc: warning: unable to control ${dir}: ${why}\n`],
    svstat: `${dir}: unable to open supervise/ok: ${why}\n`,
    json: [undefined, `unable to open supervise/ok: ${why}`, 'EUNTRUSTED'],
    svok: [111, `svok: fatal: unable to open ${dir}/supervise/ok: ${why}\n`],
    wait: [111, `svc: warning: unable to wait for ${dir}: unable to open supervise/ok: ${why}\n`],
  };
}

test('root\'s svc -k, svc -w, svstat and svok on nobody\'s dir whose supervise links to root\'s b: refused, b never signalled', async (t) => {
  const h = hostileScan(t, 'exec sleep 1000');
  h.svscan();
  const bPid = await waitFor(() => svstatPid(h.b), LONG, 'b up');
  const u = ownedDir(h.root, 'u', NOBODY);
  await shAs(NOBODY, `ln -s ${h.b}/supervise supervise`, u);
  assert.deepEqual(await rootClients(u), refused(u, 'supervise is a symbolic link, in a directory we do not own'));
  await notSignalled(h.b, bPid, 'after root\'s svc -k u');
});

test('a supervise/ of root\'s in nobody\'s dir (leftover or planted) is refused by root\'s clients; nothing reaches its control', async (t) => {
  const h = hostileScan(t, 'exec sleep 1000');
  const u = ownedDir(h.root, 'u', NOBODY);
  const control = fakeSupervise(t, join(u, 'supervise'), 0, process.pid);
  assert.deepEqual(await rootClients(u), refused(u, `supervise/ is owned by uid 0, not by uid ${NOBODY}, the owner of ${u}`));
  assert.equal(drain(control), '', 'no letter was written to the root-owned supervise/control');
});

test('a supervise/ of nobody\'s in a root-owned dir is refused by root\'s clients, used by nobody\'s (their own svscan)', async (t) => {
  const h = hostileScan(t, 'exec sleep 1000');
  const r = ownedDir(h.root, 'r', 0);
  const control = fakeSupervise(t, join(r, 'supervise'), NOBODY, process.pid);
  assert.deepEqual(await rootClients(r), refused(r, `supervise/ is owned by uid ${NOBODY}, not by uid 0, the owner of ${r}`));
  assert.equal(drain(control), '', 'root wrote no letter');
  const theirs = await asUser(NOBODY, ours('svstat'), [r]);
  assert.match(theirs.stdout, new RegExp(`^${r}: up \\(pid ${process.pid}\\) \\d+ seconds\\n$`), 'nobody\'s svstat reads their supervise/ in a root-owned dir');
  assert.deepEqual(await asUser(NOBODY, ours('svc'), ['-h', r]).then((x) => [x.code, x.stderr]), [0, '']);
  assert.equal(drain(control), 'h', 'nobody\'s svc reached their own control');
});

test('ordinary cases still work: root dir with root\'s supervise/, a supervise link in a root dir, nobody\'s link in their own dir', async (t) => {
  const h = hostileScan(t, 'exec sleep 1000');
  // r: root's, supervise -> a root-owned directory elsewhere (the read-only-root recipe), made before svscan starts
  const r = makeService(h.scan, 'r', 'exec sleep 1000');
  mkdirSync(join(h.root, 'run-r'), { mode: 0o700 });
  symlinkSync(join(h.root, 'run-r'), join(r, 'supervise'));
  h.svscan();
  for (const d of [h.b, r]) {
    const pid = await waitFor(() => svstatPid(d), LONG, `${d} up`);
    assert.equal((await run(ours('svok'), [d])).code, 0, `svok ${d}`);
    const k = await run(ours('svc'), ['-k', d]);
    assert.equal(k.stderr, '', `svc -k ${d}`);
    await waitFor(async () => { const p = await svstatPid(d); return p !== pid && p; }, LONG, `${d} restarted after svc -k`);
    const w = await run(ours('svc'), ['-wu', '-T', String(LONG), d]);
    assert.deepEqual([w.code, w.stderr], [0, ''], `svc -wu ${d}`);
  }
  // n: nobody's, supervise -> nobody's own directory elsewhere: nobody's clients follow it
  const n = ownedDir(h.root, 'n', NOBODY);
  const away = ownedDir(h.root, 'n-run', NOBODY);
  chmodSync(away, 0o755);
  const control = fakeSupervise(t, join(away, 'supervise'), NOBODY, process.pid);
  await shAs(NOBODY, `ln -s ${away}/supervise supervise`, n);
  const st = await asUser(NOBODY, ours('svstat'), [n]);
  assert.match(st.stdout, new RegExp(`^${n}: up \\(pid ${process.pid}\\) \\d+ seconds\\n$`), 'nobody\'s svstat on their own link');
  assert.deepEqual(await asUser(NOBODY, ours('svc'), ['-h', n]).then((x) => [x.code, x.stderr]), [0, '']);
  assert.equal(drain(control), 'h', 'nobody\'s svc reached their own control through their link');
});

/** Run by nobody: swaps DIR/supervise between a real directory of theirs and a link to b's, until DIR/stop. */
const SWAPPER = `
const fs = require('fs');
process.chdir(process.argv[1]);
const { O_RDONLY, O_NONBLOCK } = fs.constants;
const control = fs.openSync('sd/control', O_RDONLY | O_NONBLOCK);
const ok = fs.openSync('sd/ok', O_RDONLY | O_NONBLOCK);
const buf = Buffer.alloc(65536);
let letters = 0;
const drain = () => { try { letters += fs.readSync(control, buf); } catch {} };
fs.writeFileSync('ready', '');
let rounds = 0;
while (!fs.existsSync('stop')) {
  fs.renameSync('sd', 'supervise'); fs.renameSync('supervise', 'sd');
  fs.renameSync('l', 'supervise'); fs.renameSync('supervise', 'l');
  if (++rounds % 64 === 0) drain();
}
drain();
fs.writeFileSync('done', rounds + ' ' + letters);
`;

test('race: nobody swaps supervise between their own directory and a link to b\'s while root runs svc -k: b is never signalled', async (t) => {
  const h = hostileScan(t, 'exec sleep 1000');
  h.svscan();
  const bPid = await waitFor(() => svstatPid(h.b), LONG, 'b up');
  const u = ownedDir(h.root, 'u', NOBODY);
  await shAs(NOBODY, `mkdir -m 0700 sd && mkfifo -m 0600 sd/control sd/ok && ln -s ${h.b}/supervise l`, u);
  const swapper = asUser(NOBODY, process.execPath, ['-e', SWAPPER, u], { timeoutMs: 10 * LONG });
  t.after(async () => {
    try { writeFileSync(join(u, 'stop'), ''); } catch { /* removed: the swapper was killed with the rest */ }
    await swapper;
  });
  await waitFor(() => { try { return readFileSync(join(u, 'ready'), 'latin1') === ''; } catch { return false; } }, LONG, 'the swapper ready');
  const BATCH = 200; // DIR arguments per svc run: one svc start-up for 200 tries
  let tries = 0;
  let viaLink = 0;
  let reached = 0;
  // until the race was really run both ways many times (each try sees a link, nobody's directory, or neither)
  for (let batch = 0; batch < 100 && (viaLink < 100 || reached < 100); batch++) {
    const r = await run(ours('svc'), ['-k', ...Array<string>(BATCH).fill(u)], { timeoutMs: LONG });
    const warnings = r.stderr.split('\n').filter(Boolean);
    tries += BATCH;
    viaLink += warnings.filter((l) => l.endsWith('supervise is a symbolic link, in a directory we do not own')).length;
    reached += BATCH - warnings.length;
  }
  writeFileSync(join(u, 'stop'), '');
  const done = await swapper;
  assert.equal(done.code, 0, `the swapper ran (stderr ${JSON.stringify(done.stderr)})`);
  const [rounds, letters] = readFileSync(join(u, 'done'), 'latin1').split(' ').map(Number);
  t.diagnostic(`${tries} svc -k tries over ${rounds} swaps: ${viaLink} refused the link, ${reached} reached nobody's control`);
  await notSignalled(h.b, bPid, `after ${tries} svc -k tries over ${rounds} swaps`);
  assert.ok(viaLink >= 100 && reached >= 100, `the race ran both ways: ${viaLink} tries refused the link, ${reached} reached nobody's own control (of ${tries})`);
  assert.equal(letters, reached, 'every letter that got through went to nobody\'s own control FIFO');
});
