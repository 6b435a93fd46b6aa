import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, readlinkSync, realpathSync, renameSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync, openSync, writeSync, closeSync, constants } from 'node:fs';
import { join } from 'node:path';
import { alive, ours, run, sleep, start, tempDir, waitFor } from '../helpers/proc.js';
import { fileLines, makeService, rawStatus } from '../helpers/service-dir.js';

const ENV = { ...process.env, PATH: `${join(ours('svscan'), '..')}:${process.env.PATH}` };
const svokOk = async (dir: string): Promise<boolean> => (await run(ours('svok'), [dir])).code === 0;
const statusPid = (dir: string): number => (existsSync(join(dir, 'supervise/status')) ? rawStatus(dir).pid : 0);

/**
 * A writer that numbers its lines across restarts. The line goes out before the counter is saved, and the counter is
 * replaced by rename: a kill between truncate and write of `counter` would restart the numbering at 1.
 */
const COUNTING = 'i=$(cat counter 2>/dev/null || echo 0)\nwhile :; do i=$((i+1)); echo "line $i"; echo $i > counter.new; mv -f counter.new counter; sleep 0.01; done';

/** The last line number saved by COUNTING; the writer may have printed one more line before it was killed. */
function savedCounter(svcDir: string): number {
  const n = Number(readFileSync(join(svcDir, 'counter'), 'utf8'));
  assert.ok(Number.isInteger(n) && n > 0, `counter holds a number (${n})`);
  return n;
}

/** Checks that the numbers 1..n all appear in the log text (duplicates allowed, gaps not). */
function assertNoGap(text: string): number {
  const nums = [...text.matchAll(/line (\d+)/g)].map((m) => Number(m[1]));
  assert.ok(nums.length > 0, 'some lines logged');
  const seen = new Set(nums);
  const max = Math.max(...nums);
  const missing: number[] = [];
  for (let i = 1; i <= max; i++) if (!seen.has(i)) missing.push(i);
  assert.deepEqual(missing, [], `lines lost out of ${max}`);
  return max;
}

function logText(svcDir: string): string {
  const d = join(svcDir, 'log', 'main');
  if (!existsSync(d)) return '';
  return readdirSync(d).filter((f) => f === 'current' || f.startsWith('@')).sort((a, b) => (a === 'current' ? 1 : b === 'current' ? -1 : a.localeCompare(b)))
    .map((f) => readFileSync(join(d, f), 'utf8')).join('');
}

test('svscan supervises every non-dot subdirectory in one process and picks up a new symlink at once', async (t) => {
  const { dir: root, cleanup } = tempDir();
  const scan = join(root, 'service');
  const a = makeService(scan, 'a', 'exec sleep 1001');
  const b = makeService(scan, 'b', 'exec sleep 1002');
  makeService(scan, '.hidden', 'exec sleep 1003');
  writeFileSync(join(scan, 'afile'), 'not a directory');
  const sv = start(ours('svscan'), [scan], { env: ENV });
  t.after(async () => { await sv.stop(); cleanup(); });
  await waitFor(async () => (await svokOk(a)) && (await svokOk(b)), 10000, 'a and b supervised');
  assert.ok(!existsSync(join(scan, '.hidden', 'supervise')), 'dot directories are skipped');
  // no supervise processes: every supervisor lives in svscan itself
  const kids = readFileSync(`/proc/${sv.child.pid}/task/${sv.child.pid}/children`, 'utf8').trim().split(' ').map(Number);
  assert.deepEqual(kids.sort(), [statusPid(a), statusPid(b)].sort());
  // a new service, made elsewhere and symlinked in: picked up long before the 5 s rescan would
  const c = makeService(root, 'c', 'exec sleep 1004');
  symlinkSync(c, join(scan, 'c'));
  await waitFor(() => svokOk(c), 4000, 'c picked up by the directory watch');
  await waitFor(() => statusPid(c), 4000, 'c running');
});

test('NAME/log is fed from NAME through one pipe that survives restarts of either side (no line lost)', async (t) => {
  const { dir: root, cleanup } = tempDir();
  const scan = join(root, 'service');
  const s = makeService(scan, 'counter', COUNTING, { 'log/run': '#!/bin/sh\nexec multilog t ./main\n' });
  const sv = start(ours('svscan'), [scan], { env: ENV });
  t.after(async () => { await sv.stop(); cleanup(); });
  const log = join(s, 'log');
  await waitFor(() => statusPid(s) && statusPid(log), 10000, 'both up');
  await waitFor(() => logText(s).includes('line 20'), 10000, 'lines flow');
  for (let i = 0; i < 3; i++) {
    const lp = statusPid(log);
    await run(ours('svc'), ['-t', log]);
    await waitFor(() => statusPid(log) && statusPid(log) !== lp, 10000, 'logger restarted');
    const sp = statusPid(s);
    await run(ours('svc'), ['-t', s]);
    await waitFor(() => statusPid(s) && statusPid(s) !== sp, 10000, 'service restarted');
  }
  await run(ours('svc'), ['-d', s]);
  await waitFor(() => statusPid(s) === 0, 5000, 'service down');
  const last = savedCounter(s);
  await waitFor(() => logText(s).includes(`line ${last}\n`), 5000, 'last line logged');
  const max = assertNoGap(logText(s));
  assert.ok(max === last || max === last + 1, `highest logged line ${max}, counter ${last}`);
});

test('a log/ added to a running service gets its logger within the 5 s check; the next start writes into it', async (t) => {
  const { dir: root, cleanup } = tempDir();
  const scan = join(root, 'service');
  const s = makeService(scan, 'late', 'while :; do echo "tick $$"; sleep 0.1; done');
  makeService(scan, 'other', 'exec sleep 1010'); // has no log/ either: stays without one
  const sv = start(ours('svscan'), [scan], { env: ENV });
  t.after(async () => { await sv.stop(); cleanup(); });
  const first = await waitFor(() => statusPid(s), 10000, 'late up');
  await waitFor(() => sv.stdout().includes(`tick ${first}`), 5000, 'output goes to svscan\'s stdout without a logger');
  // made beside, then renamed into place, as an operator would (a bare mkdir is found too)
  makeService(s, '.log-new', 'exec multilog t ./main');
  renameSync(join(s, '.log-new'), join(s, 'log'));
  // the full rescan comes only every 60 s: 15 s is enough for the watch and too short for the rescan
  await waitFor(async () => (await svokOk(join(s, 'log'))) && statusPid(join(s, 'log')), 15000, 'logger started');
  assert.equal(statusPid(s), first, 'the running service is left alone');
  await run(ours('svc'), ['-t', s]);
  const second = await waitFor(() => statusPid(s) !== first && statusPid(s), 10000, 'late restarted');
  await waitFor(() => logText(s).includes(`tick ${second}\n`), 10000, 'the new start logs through the pipe');
  assert.ok(!existsSync(join(scan, 'other', 'log')));
});

test('a removed service directory keeps its service running; a re-created one gets a new supervisor', async (t) => {
  const { dir: root, cleanup } = tempDir();
  const scan = join(root, 'service');
  makeService(scan, 'other', 'exec sleep 1006');
  const real = makeService(root, 'real', 'exec sleep 1005');
  symlinkSync(real, join(scan, 'x'));
  const sv = start(ours('svscan'), [scan], { env: ENV });
  t.after(async () => { await run(ours('svc'), ['-dx', real]); await sv.stop(); cleanup(); });
  const pid = await waitFor(() => statusPid(real), 10000, 'x up');
  rmSync(join(scan, 'x'));
  await run(ours('svc'), ['-t', real]); // supervised still: it is restarted
  await waitFor(() => statusPid(real) && statusPid(real) !== pid, 5000, 'restarted although removed');
  assert.ok(await svokOk(real));
});

test('one service\'s bad run, crash loop or control garbage never affects another', async (t) => {
  const { dir: root, cleanup } = tempDir();
  const scan = join(root, 'service');
  const good = makeService(scan, 'good', 'exec sleep 1007');
  makeService(scan, 'crash', 'exit 1');
  const norun = makeService(scan, 'norun', 'exit 0');
  rmSync(join(norun, 'run'));
  const noexec = makeService(scan, 'noexec', 'exec sleep 1008');
  chmodSync(join(noexec, 'run'), 0o644);
  const sv = start(ours('svscan'), [scan], { env: ENV });
  t.after(async () => { await sv.stop(); cleanup(); });
  const pid = await waitFor(() => statusPid(good), 10000, 'good up');
  await waitFor(() => sv.stderr().includes(`unable to start norun/run: file does not exist`), 10000, 'norun reported');
  await waitFor(() => sv.stderr().includes(`unable to start noexec/run: access denied`), 10000, 'noexec reported');
  const fd = openSync(join(scan, 'crash', 'supervise', 'control'), constants.O_WRONLY | constants.O_NONBLOCK);
  writeSync(fd, Buffer.alloc(4096, 0xff));
  writeSync(fd, Buffer.from('xxxx\0\0ppp'));
  closeSync(fd);
  await sleep(2500);
  assert.equal(statusPid(good), pid);
  assert.ok(alive(pid));
  assert.equal(sv.child.exitCode, null, 'svscan still running');
  assert.doesNotMatch(sv.stderr(), /at .*\.js:\d+/, 'no stack trace');
});

test('kill -9 of svscan, then a new svscan: every service runs exactly once, adopted, logs still flow', async (t) => {
  const { dir: root, cleanup } = tempDir();
  const scan = join(root, 'service');
  const s = makeService(scan, 'counter', COUNTING, { 'log/run': '#!/bin/sh\nexec multilog t ./main\n' });
  const plain = makeService(scan, 'plain', 'exec sleep 1009');
  let sv = start(ours('svscan'), [scan], { env: ENV, detached: true });
  t.after(async () => { await sv.stop(); cleanup(); });
  const log = join(s, 'log');
  const pids = await waitFor(() => statusPid(s) && statusPid(log) && statusPid(plain) && [statusPid(s), statusPid(log), statusPid(plain)], 10000, 'all up');
  await waitFor(() => logText(s).includes('line 10'), 10000, 'lines flow');
  await sv.stop('SIGKILL');
  for (const p of pids) assert.ok(alive(p), 'services survive svscan');
  sv = start(ours('svscan'), [scan], { env: ENV });
  await waitFor(async () => (await svokOk(s)) && (await svokOk(log)) && (await svokOk(plain)), 10000, 'supervised again');
  await sleep(1500);
  assert.deepEqual([statusPid(s), statusPid(log), statusPid(plain)], pids, 'the same processes, adopted');
  const instances = (await run('pgrep', ['-f', '^sleep 1009$'])).stdout.trim().split('\n').filter(Boolean)
    .filter((p) => { try { return readlinkSync(`/proc/${p}/cwd`) === realpathSync(plain); } catch { return false; } });
  assert.equal(instances.length, 1, 'exactly one instance');
  // the adopted pair still talks through the same pipe, and a restart of each side still loses nothing
  await run(ours('svc'), ['-t', s]);
  await waitFor(() => statusPid(s) && statusPid(s) !== pids[0], 10000, 'service restarted after adoption');
  await run(ours('svc'), ['-t', log]);
  await waitFor(() => statusPid(log) && statusPid(log) !== pids[1], 10000, 'logger restarted after adoption');
  await run(ours('svc'), ['-d', s]);
  await waitFor(() => statusPid(s) === 0, 5000, 'down');
  const last = savedCounter(s);
  await waitFor(() => logText(s).includes(`line ${last}\n`), 5000, 'last line logged');
  assertNoGap(logText(s));
});

test('SIGTERM: every service, then its logger, goes down; svscan exits 0', async (t) => {
  const { dir: root, cleanup } = tempDir();
  const scan = join(root, 'service');
  const s = makeService(scan, 'counter', COUNTING, { 'log/run': '#!/bin/sh\nexec multilog t ./main\n' });
  const stubborn = makeService(scan, 'stubborn', "trap '' TERM; while :; do sleep 1; done");
  const sv = start(ours('svscan'), [scan], { env: ENV });
  t.after(async () => { await sv.stop('SIGKILL'); cleanup(); });
  const pids = await waitFor(() => statusPid(s) && statusPid(join(s, 'log')) && statusPid(stubborn) && [statusPid(s), statusPid(join(s, 'log')), statusPid(stubborn)], 10000, 'up');
  await waitFor(() => logText(s).includes('line 5'), 10000, 'lines flow');
  sv.child.kill('SIGTERM');
  await waitFor(() => sv.child.exitCode !== null, 20000, 'svscan exits');
  assert.equal(sv.child.exitCode, 0);
  for (const p of pids) assert.ok(!alive(p), `pid ${p} stopped`);
  const last = savedCounter(s);
  assert.ok(logText(s).includes(`line ${last}\n`), 'the logger wrote everything before it went down');
  assert.equal(statSyncMode(join(s, 'log/main/current')), 0o744, 'multilog ended cleanly');
});

test('^C from a terminal (SIGINT to the whole process group): a logger killed by it is not restarted during shutdown', async (t) => {
  const { dir: root, cleanup } = tempDir();
  const scan = join(root, 'service');
  // the service goes down only once the test says so; its logger dies on SIGINT like any plain program
  const s = makeService(scan, 's', "trap '' INT; trap 'while [ ! -e release ]; do sleep 0.1; done; exit 0' TERM\necho hello\nwhile :; do sleep 1; done", {
    'log/run': '#!/bin/sh\necho started >> starts\nexec cat\n',
  });
  const sv = start(ours('svscan'), [scan], { env: ENV, detached: true });
  t.after(async () => { try { process.kill(-sv.child.pid!, 'SIGKILL'); } catch { /* gone */ } await sv.stop('SIGKILL'); cleanup(); });
  await waitFor(() => statusPid(s) && statusPid(join(s, 'log')), 10000, 'up');
  const starts = (): number => fileLines(join(s, 'log', 'starts')).length;
  assert.equal(starts(), 1);
  process.kill(-sv.child.pid!, 'SIGINT');
  // either the logger's supervisor leaves (retired) or the logger is started again (the bug)
  await waitFor(async () => starts() > 1 || !(await svokOk(join(s, 'log'))), 20000, 'logger supervisor gone or logger restarted');
  assert.equal(starts(), 1, 'the logger was not restarted during shutdown');
  writeFileSync(join(s, 'release'), '');
  await waitFor(() => sv.child.exitCode !== null, 20000, 'svscan exits');
  assert.equal(sv.child.exitCode, 0);
});

test('shutdown ends in bounded time even when a logger ignores EOF and TERM (SIGKILL after LOGGER_KILL_MS)', async (t) => {
  const { dir: root, cleanup } = tempDir();
  const scan = join(root, 'service');
  const s = makeService(scan, 's', 'exec sleep 1000', { 'log/run': "#!/bin/sh\ntrap '' TERM INT\nexec sleep 100000\n" });
  const sv = start(ours('svscan'), [scan], { env: ENV });
  t.after(async () => { await sv.stop('SIGKILL'); cleanup(); });
  const logPid = await waitFor(() => statusPid(s) && statusPid(join(s, 'log')), 10000, 'up');
  sv.child.kill('SIGTERM');
  await waitFor(() => sv.child.exitCode !== null, 40000, 'svscan exits');
  assert.equal(sv.child.exitCode, 0);
  assert.ok(!alive(logPid), 'the stubborn logger was killed');
  assert.match(sv.stderr(), /^$/, 'no warnings');
});

function statSyncMode(p: string): number {
  return statSync(p).mode & 0o777;
}

test('as PID 1 (a container): reaps orphaned zombies and shuts down on SIGTERM', async (t) => {
  const { dir: root, cleanup } = tempDir();
  const scan = join(root, 'service');
  // each start leaves an orphan that dies 0.1 s later: reparented to PID 1
  const s = makeService(scan, 'orphans', '(sleep 0.1 &)\nexec sleep 1010');
  makeService(scan, 'crashy', '(sleep 0.1 &)\nsleep 0.3\nexit 1');
  const sv = start('unshare', ['--pid', '--fork', '--kill-child', '--mount-proc', ours('svscan'), scan], { env: ENV });
  t.after(async () => { await sv.stop('SIGKILL'); cleanup(); });
  await waitFor(() => statusPid(s), 10000, 'up');
  const svscanPid = await waitFor(() => {
    const kids = readFileSync(`/proc/${sv.child.pid}/task/${sv.child.pid}/children`, 'utf8').trim();
    return kids ? Number(kids.split(' ')[0]) : 0;
  }, 5000, 'svscan pid');
  await sleep(2500); // several crash-loop rounds, each leaving an orphan
  const zombies = (): number[] => readFileSync(`/proc/${svscanPid}/task/${svscanPid}/children`, 'utf8').trim().split(' ').filter(Boolean).map(Number)
    .filter((p) => { try { const st = readFileSync(`/proc/${p}/stat`, 'latin1'); return st[st.lastIndexOf(')') + 2] === 'Z'; } catch { return false; } });
  await waitFor(() => zombies().length === 0, 3000, 'no zombies left');
  process.kill(svscanPid, 'SIGTERM');
  await waitFor(() => sv.child.exitCode !== null, 15000, 'container ends');
  assert.equal(sv.child.exitCode, 0);
});
