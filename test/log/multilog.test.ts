import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseLabel } from '@svkit/tai64';
import { fixture, ours, run, sleep, tempDir, waitFor } from '../helpers/proc.js';
import { logContent, mode, mountTmpfs, numberedLines, oldFiles, stripLabels, umountQuiet } from './log-helpers.js';

const ML = ours('multilog');

/** Starts our multilog with a pipe on stdin; returns the handle. */
function startMultilog(args: string[], cwd: string) {
  const child = spawn(ML, args, { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return {
    child,
    exited,
    stderr: () => stderr,
    async kill(sig: NodeJS.Signals = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(sig);
      await exited;
    },
  };
}

test('creates the log directory with lock, state and current; current is 0744 after EOF; a partial final line gets a newline', async (t) => {
  const { dir, cleanup } = tempDir('svkit-ml-');
  t.after(cleanup);
  const r = await run(ML, ['./log'], { cwd: dir, input: 'one\ntwo\npartial' });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  const d = join(dir, 'log');
  assert.equal(mode(d), 0o700);
  assert.equal(mode(join(d, 'lock')), 0o600);
  assert.equal(mode(join(d, 'state')), 0o644);
  assert.equal(mode(join(d, 'current')), 0o744);
  assert.equal(readFileSync(join(d, 'current'), 'utf8'), 'one\ntwo\npartial\n');
  // a second run appends to the complete current
  const r2 = await run(ML, ['./log'], { cwd: dir, input: 'three\n' });
  assert.equal(r2.code, 0);
  assert.equal(readFileSync(join(d, 'current'), 'utf8'), 'one\ntwo\npartial\nthree\n');
  assert.deepEqual(oldFiles(d), []);
});

test('t puts a TAI64N label of the reading time in front of each line', async (t) => {
  const { dir, cleanup } = tempDir('svkit-ml-');
  t.after(cleanup);
  const before = Date.now() / 1000;
  const r = await run(ML, ['t', './log'], { cwd: dir, input: 'a\n\nb c\n' });
  assert.equal(r.code, 0, r.stderr);
  const lines = readFileSync(join(dir, 'log/current'), 'utf8').split('\n');
  assert.equal(lines.length, 4);
  assert.equal(lines[3], '');
  for (const l of lines.slice(0, 3)) {
    assert.match(l, /^@4000[0-9a-f]{20} /);
    const when = parseLabel(Buffer.from(l), 0)!;
    assert.ok(when.sec >= Math.floor(before) - 1 && when.sec <= Date.now() / 1000 + 1, l);
  }
  assert.equal(stripLabels(lines.join('\n')), 'a\n\nb c\n');
});

test('rotation: files end at line ends near the size, become @<tai64n>.s 0744, n-1 old files kept, nothing lost', async (t) => {
  const { dir, cleanup } = tempDir('svkit-ml-');
  t.after(cleanup);
  const input = numberedLines(2000);
  const r = await run(ML, ['s4096', 'n1000', './all', 'n3', './few'], { cwd: dir, input });
  assert.equal(r.code, 0, r.stderr);
  const all = join(dir, 'all');
  assert.equal(logContent(all).toString(), input);
  const old = oldFiles(all);
  assert.ok(old.length > 10);
  for (const n of old) {
    assert.match(n, /^@4000[0-9a-f]{20}\.s$/);
    assert.equal(mode(join(all, n)), 0o744);
    const body = readFileSync(join(all, n), 'utf8');
    assert.ok(body.length <= 4096 && body.length >= 4096 - 2000, `${n}: ${body.length}`);
    assert.ok(body.endsWith('\n'));
  }
  const few = join(dir, 'few');
  assert.equal(oldFiles(few).length, 2);
  assert.ok(input.endsWith(logContent(few).toString()));
});

test('a line longer than the maximum size is split across files at exactly the size, as 0.76 does, and nothing is lost', async (t) => {
  const { dir, cleanup } = tempDir('svkit-ml-');
  t.after(cleanup);
  const big = `${'a'.repeat(1_000_000)}\n`;
  const r = await run(ML, ['t', 's4096', 'n1000', './log'], { cwd: dir, input: `${big}short\n` });
  assert.equal(r.code, 0, r.stderr);
  const d = join(dir, 'log');
  const old = oldFiles(d);
  for (const n of old) assert.equal(statSync(join(d, n)).size, 4096);
  const text = logContent(d).toString();
  assert.equal(stripLabels(text), `${big}short\n`);
  assert.equal(text.split('\n').length, 3); // one label per line, no newline inserted
});

test('patterns select lines (after the timestamp), e alerts the first 200 bytes, =file keeps the last selected line padded to 1001', async (t) => {
  const { dir, cleanup } = tempDir('svkit-ml-');
  t.after(cleanup);
  const long = 'L'.repeat(300);
  const input = `info: hello\nfatal: disk\ninfo: bye\nfatal: ${long}\nother\n`;
  const r = await run(ML, ['-*', '+fatal: *', 'e', '=status', './fatal', '+info: *', '-info: bye', './info'], { cwd: dir, input });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readFileSync(join(dir, 'fatal/current'), 'utf8'), `fatal: disk\nfatal: ${long}\n`);
  assert.equal(readFileSync(join(dir, 'info/current'), 'utf8'), `info: hello\nfatal: disk\nfatal: ${long}\n`);
  assert.equal(r.stderr, `fatal: disk\n${`fatal: ${long}`.slice(0, 200)}...\n`);
  const st = readFileSync(join(dir, 'status'), 'latin1');
  assert.equal(st.length, 1001);
  assert.equal(st, `fatal: ${long}`.padEnd(1001, '\n'));
  const rt = await run(ML, ['t', '-*', '+* fatal: *', './t'], { cwd: dir, input });
  assert.equal(stripLabels(readFileSync(join(dir, 't/current'), 'utf8')), `fatal: disk\nfatal: ${long}\n`);
  assert.equal(rt.code, 0);
});

test('selection is per line and dirs see the selection in script order', async (t) => {
  const { dir, cleanup } = tempDir('svkit-ml-');
  t.after(cleanup);
  const input = 'info: hello\nfatal: disk\ninfo: bye\nother\n';
  const r = await run(ML, ['./everything', '-info: *', './noinfo', '+info: bye', './bye'], { cwd: dir, input });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readFileSync(join(dir, 'everything/current'), 'utf8'), input);
  assert.equal(readFileSync(join(dir, 'noinfo/current'), 'utf8'), 'fatal: disk\nother\n');
  assert.equal(readFileSync(join(dir, 'bye/current'), 'utf8'), 'fatal: disk\ninfo: bye\nother\n');
});

test('patterns see only the first 1000 bytes of a line; the whole line is still logged', async (t) => {
  const { dir, cleanup } = tempDir('svkit-ml-');
  t.after(cleanup);
  const line = `${'x'.repeat(999)}yTAIL`;
  const r = await run(ML, ['-*', `+${'x'.repeat(999)}y`, './d'], { cwd: dir, input: `${line}\nshort\n` });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readFileSync(join(dir, 'd/current'), 'utf8'), `${line}\n`);
});

test('binary data and NUL bytes pass through unchanged; 1 MB lines in small pieces', async (t) => {
  const { dir, cleanup } = tempDir('svkit-ml-');
  t.after(cleanup);
  const bytes = Buffer.alloc(70000);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919) & 0xff;
  bytes[bytes.length - 1] = 0x0a;
  const r = await run(ML, ['s16777215', './d', '-*', '+*', './e'], { cwd: dir, input: bytes });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(readFileSync(join(dir, 'd/current')), bytes);
  assert.deepEqual(readFileSync(join(dir, 'e/current')), bytes);
});

test('invalid actions are ignored as 0.76 ignores them; a bad directory is fatal (111) before reading input', async (t) => {
  const { dir, cleanup } = tempDir('svkit-ml-');
  t.after(cleanup);
  const r = await run(ML, ['bogus', '', 'x', './d'], { cwd: dir, input: 'a\n' });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readFileSync(join(dir, 'd/current'), 'utf8'), 'a\n');
  const bad = await run(ML, ['./missing/sub'], { cwd: dir, input: 'a\n' });
  assert.equal(bad.code, 111);
  assert.equal(bad.stderr, 'multilog: fatal: unable to open directory ./missing/sub: file does not exist\n');
  writeFileSync(join(dir, 'file'), '');
  const notDir = await run(ML, ['./file'], { cwd: dir, input: 'a\n' });
  assert.equal(notDir.code, 111);
  assert.match(notDir.stderr, /^multilog: fatal: unable to open directory \.\/file: /);
});

test('a second multilog on the same directory exits 111 (lock held)', async (t) => {
  const { dir, cleanup } = tempDir('svkit-ml-');
  t.after(cleanup);
  const first = startMultilog(['./log'], dir);
  t.after(() => first.kill());
  first.child.stdin.write('held\n');
  await waitFor(() => existsSync(join(dir, 'log/current')) && readFileSync(join(dir, 'log/current'), 'utf8') === 'held\n');
  const second = await run(ML, ['./log'], { cwd: dir, input: 'x\n' });
  assert.equal(second.code, 111);
  assert.equal(second.stderr, 'multilog: fatal: unable to lock directory ./log: temporary failure\n');
  first.child.stdin.end();
  assert.equal(await first.exited, 0);
});

test('kill -9 loses nothing written: the next start turns the 0644 current into @<tai64n>.u', async (t) => {
  const { dir, cleanup } = tempDir('svkit-ml-');
  t.after(cleanup);
  const m = startMultilog(['s4096', './log'], dir);
  t.after(() => m.kill());
  const input = numberedLines(300);
  m.child.stdin.write(input);
  const d = join(dir, 'log');
  await waitFor(() => logContent(d).toString() === input, 10000, 'all lines on disk');
  assert.equal(mode(join(d, 'current')), 0o644);
  await m.kill('SIGKILL');
  for (const n of oldFiles(d)) assert.equal(mode(join(d, n)), 0o744);
  const r = await run(ML, ['s4096', './log'], { cwd: dir, input: 'after\n' });
  assert.equal(r.code, 0, r.stderr);
  const old = oldFiles(d);
  assert.match(old[old.length - 1]!, /\.u$/);
  assert.equal(readFileSync(join(d, 'current'), 'utf8'), 'after\n');
  assert.equal(logContent(d).toString(), `${input}after\n`);
});

test('ALRM rotates a non-empty current at once; an empty current is left alone', async (t) => {
  const { dir, cleanup } = tempDir('svkit-ml-');
  t.after(cleanup);
  const m = startMultilog(['./log'], dir);
  t.after(() => m.kill());
  const d = join(dir, 'log');
  m.child.stdin.write('first\n');
  await waitFor(() => existsSync(join(d, 'current')) && readFileSync(join(d, 'current'), 'utf8') === 'first\n');
  m.child.kill('SIGALRM');
  // the new current appears only after the old one is renamed and the directory synced
  await waitFor(() => oldFiles(d).length === 1 && existsSync(join(d, 'current')), 10000, 'rotation');
  assert.equal(readFileSync(join(d, oldFiles(d)[0]!), 'utf8'), 'first\n');
  assert.equal(readFileSync(join(d, 'current'), 'utf8'), '');
  m.child.kill('SIGALRM');
  await sleep(300); // give a wrong implementation the chance to rotate the empty current
  assert.equal(oldFiles(d).length, 1);
  m.child.stdin.write('second\n');
  await waitFor(() => readFileSync(join(d, 'current'), 'utf8') === 'second\n');
  assert.equal(oldFiles(d).length, 1);
  m.child.stdin.end();
  assert.equal(await m.exited, 0);
});

test('TERM between lines exits at once (0, current 0744); TERM inside a line first finishes the line', async (t) => {
  const { dir, cleanup } = tempDir('svkit-ml-');
  t.after(cleanup);
  const d = join(dir, 'log');
  const a = startMultilog(['./log'], dir);
  t.after(() => a.kill());
  a.child.stdin.write('whole\n');
  await waitFor(() => existsSync(join(d, 'current')) && readFileSync(join(d, 'current'), 'utf8') === 'whole\n');
  a.child.kill('SIGTERM');
  assert.equal(await a.exited, 0);
  assert.equal(mode(join(d, 'current')), 0o744);

  const b = startMultilog(['./log'], dir);
  t.after(() => b.kill());
  b.child.stdin.write('half a ');
  await waitFor(() => readFileSync(join(d, 'current'), 'utf8') === 'whole\nhalf a ');
  b.child.kill('SIGTERM');
  await sleep(200); // give a wrong implementation the chance to exit early
  assert.equal(b.child.exitCode, null, 'multilog must wait for the end of the line');
  b.child.stdin.write('line\n');
  assert.equal(await b.exited, 0);
  assert.equal(readFileSync(join(d, 'current'), 'utf8'), 'whole\nhalf a line\n');
  assert.equal(mode(join(d, 'current')), 0o744);
  b.child.stdin.destroy();
});

test('processor: current goes through it into @...s; state feeds fd 4, fd 5 becomes the new state; a failing processor is retried', async (t) => {
  const { dir, cleanup } = tempDir('svkit-ml-');
  t.after(cleanup);
  const d = join(dir, 'log');
  const m = startMultilog(['s4096', `!${fixture('log-upcase-processor')}`, './log'], dir);
  t.after(() => m.kill());
  m.child.stdin.write(numberedLines(200, 'abc'));
  await waitFor(() => oldFiles(d).length >= 1, 10000, 'first processed file');
  const first = readFileSync(join(d, oldFiles(d)[0]!), 'utf8');
  assert.match(first, /^LINE 1 ABC\nLINE 2 ABC\n/);
  assert.equal(mode(join(d, oldFiles(d)[0]!)), 0o744);
  assert.equal(readFileSync(join(d, 'state'), 'utf8'), '1\n');
  writeFileSync(join(d, 'fail-processor'), '');
  m.child.kill('SIGALRM');
  await waitFor(() => m.stderr().includes('multilog: warning: processor failed in ./log, pausing'), 10000, 'warning');
  assert.ok(existsSync(join(d, 'previous')));
  rmSync(join(d, 'fail-processor'));
  await waitFor(() => oldFiles(d).length === 2, 15000, 'retry');
  assert.equal(readFileSync(join(d, 'state'), 'utf8'), '2\n');
  assert.ok(!existsSync(join(d, 'previous')) && !existsSync(join(d, 'processed')) && !existsSync(join(d, 'newstate')));
  m.child.stdin.end();
  assert.equal(await m.exited, 0);
  const all = logContent(d).toString();
  assert.equal(all.slice(0, all.length - readFileSync(join(d, 'current'), 'utf8').length), numberedLines(200, 'abc').toUpperCase());
});

test('kill -9 while the processor runs: the next start runs it again on previous and loses nothing', async (t) => {
  const { dir, cleanup } = tempDir('svkit-ml-');
  t.after(cleanup);
  const d = join(dir, 'log');
  mkdirSync(d);
  writeFileSync(join(d, 'fail-processor'), '');
  const proc = `!${fixture('log-upcase-processor')}`;
  const m = startMultilog([proc, './log'], dir);
  t.after(() => m.kill());
  m.child.stdin.write('one\ntwo\n');
  await waitFor(() => existsSync(join(d, 'current')) && readFileSync(join(d, 'current'), 'utf8') === 'one\ntwo\n');
  m.child.kill('SIGALRM');
  await waitFor(() => m.stderr().includes('processor failed'), 10000, 'processor failure');
  await m.kill('SIGKILL');
  assert.equal(readFileSync(join(d, 'previous'), 'utf8'), 'one\ntwo\n');
  rmSync(join(d, 'fail-processor'));
  const r = await run(ML, [proc, './log'], { cwd: dir, input: 'three\n' });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(logContent(d).toString(), 'ONE\nTWO\nthree\n');
  assert.ok(!existsSync(join(d, 'previous')));
});

test('write errors (file size limit): warns, pauses, retries and loses no line once writing works again', async (t) => {
  const { dir, cleanup } = tempDir('svkit-ml-');
  t.after(cleanup);
  if (spawnSync('prlimit', ['--version']).status !== 0) {
    t.skip('prlimit (util-linux) is not installed');
    return;
  }
  const child = spawn('prlimit', ['--fsize=20000:unlimited', ML, './log'], { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  t.after(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    await exited;
  });
  const input = numberedLines(1000);
  child.stdin.write(input);
  await waitFor(() => stderr.includes('multilog: warning: unable to write to ./log/current: file too big, pausing'), 10000, 'warning');
  const r = spawnSync('prlimit', ['--pid', String(child.pid), '--fsize=unlimited']);
  assert.equal(r.status, 0, r.stderr.toString());
  child.stdin.end();
  assert.equal(await exited, 0);
  assert.equal(logContent(join(dir, 'log')).toString(), input);
});

test('disk full (a tiny tmpfs): warns, pauses, retries, loses nothing once space is freed', async (t) => {
  const { dir, cleanup } = tempDir('svkit-ml-');
  const mnt = join(dir, 'mnt');
  mkdirSync(mnt);
  if (!mountTmpfs(mnt, '256k')) {
    cleanup();
    t.skip('cannot mount a tmpfs here');
    return;
  }
  t.after(() => {
    umountQuiet(mnt);
    cleanup();
  });
  writeFileSync(join(mnt, 'filler'), Buffer.alloc(200 * 1024));
  const m = startMultilog(['s16777215', './log'], mnt);
  t.after(() => m.kill());
  const input = numberedLines(3000); // ~150 kB: does not fit next to the filler
  m.child.stdin.write(input);
  await waitFor(() => m.stderr().includes('multilog: warning: unable to write to ./log/current: out of disk space, pausing'), 10000, 'warning');
  rmSync(join(mnt, 'filler'));
  m.child.stdin.end();
  assert.equal(await m.exited, 0);
  assert.equal(logContent(join(mnt, 'log')).toString(), input);
  chmodSync(mnt, 0o755);
});

test('start-up after a crash in the middle of a processor rotation: a complete processed file is kept, an unprocessed previous is processed', async (t) => {
  const { dir, cleanup } = tempDir('svkit-ml-');
  t.after(cleanup);
  const d = join(dir, 'log');
  const proc = `!${fixture('log-upcase-processor')}`;
  const setup = (files: Record<string, [string, number]>) => {
    rmSync(d, { recursive: true, force: true });
    mkdirSync(d, { mode: 0o700 });
    for (const [name, [body, m]] of Object.entries(files)) {
      writeFileSync(join(d, name), body);
      chmodSync(join(d, name), m);
    }
  };
  const summary = () => oldFiles(d).map((n) => `${n.slice(-1)}:${readFileSync(join(d, n), 'utf8')}`);
  // the processor had finished (processed is 0744): its output and new state are used as they are
  setup({ current: ['cur\n', 0o644], state: ['4\n', 0o644], previous: ['prev\n', 0o744], processed: ['DONE\n', 0o744], newstate: ['5\n', 0o644] });
  let r = await run(ML, [proc, './log'], { cwd: dir, input: 'in\n' });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(summary(), ['s:DONE\n', 'u:cur\n']);
  assert.equal(readFileSync(join(d, 'state'), 'utf8'), '5\n');
  assert.ok(!existsSync(join(d, 'previous')) && !existsSync(join(d, 'processed')) && !existsSync(join(d, 'newstate')));
  // the processor had not finished: previous (complete, fsynced before the rename) goes through it again
  setup({ current: ['cur\n', 0o644], state: ['4\n', 0o644], previous: ['prev\n', 0o744], processed: ['PART', 0o644], newstate: ['x', 0o644] });
  r = await run(ML, [proc, './log'], { cwd: dir, input: 'in\n' });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(summary(), ['s:PREV\n', 'u:cur\n']);
  assert.equal(readFileSync(join(d, 'state'), 'utf8'), '5\n');
  assert.equal(readFileSync(join(d, 'current'), 'utf8'), 'in\n');
});

test('a line split across reads is matched, alerted and logged as one line (with one timestamp)', async (t) => {
  const { dir, cleanup } = tempDir('svkit-ml-');
  t.after(cleanup);
  const m = startMultilog(['t', '-*', '+* fatal: *', 'e', './fatal'], dir);
  t.after(() => m.kill());
  m.child.stdin.write('info: x\nfatal: par');
  await sleep(200); // let multilog read the first part on its own
  m.child.stdin.write('t two\nother\n');
  await sleep(200);
  m.child.stdin.end(`fatal: ${'y'.repeat(1500)}\n`);
  assert.equal(await m.exited, 0);
  const logged = readFileSync(join(dir, 'fatal/current'), 'utf8');
  assert.equal(stripLabels(logged), `fatal: part two\nfatal: ${'y'.repeat(1500)}\n`);
  assert.equal(logged.split('\n').filter((l) => /^@4000/.test(l)).length, 2);
  const alerts = m.stderr().split('\n');
  assert.match(alerts[0]!, /^@4000[0-9a-f]{20} fatal: part two$/);
  assert.equal(alerts[1]!.length, 203);
  assert.ok(alerts[1]!.endsWith('y...'));
});

test('INT (a Ctrl-C meant for svscan reaches its loggers too) is handled like TERM: exit 0, current finished, no .u at the next start', async (t) => {
  const { dir, cleanup } = tempDir('svkit-ml-');
  t.after(cleanup);
  const d = join(dir, 'log');
  const a = startMultilog(['./log'], dir);
  t.after(() => a.kill());
  a.child.stdin.write('before ^C\n');
  await waitFor(() => existsSync(join(d, 'current')) && readFileSync(join(d, 'current'), 'utf8') === 'before ^C\n');
  a.child.kill('SIGINT');
  assert.equal(await a.exited, 0);
  assert.equal(a.stderr(), '');
  assert.equal(mode(join(d, 'current')), 0o744);
  const r = await run(ML, ['./log'], { cwd: dir, input: 'after\n' });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(oldFiles(d), []);
  assert.equal(readFileSync(join(d, 'current'), 'utf8'), 'before ^C\nafter\n');
});

/**
 * Our multilog writing ./log on a 64 KiB tmpfs that a filler leaves 16 KiB free, fed `input` until
 * it says it pauses. Undefined (test skipped, loudly) when no tmpfs can be mounted.
 */
async function multilogOnFullDisk(t: TestContext, input: string) {
  const { dir, cleanup } = tempDir('svkit-ml-');
  const mnt = join(dir, 'mnt');
  mkdirSync(mnt);
  if (!mountTmpfs(mnt, '64k')) {
    cleanup();
    t.skip('cannot mount a tmpfs here');
    return undefined;
  }
  t.after(() => {
    umountQuiet(mnt);
    cleanup();
  });
  writeFileSync(join(mnt, 'filler'), Buffer.alloc(48 * 1024));
  const m = startMultilog(['./log'], mnt);
  t.after(() => m.kill());
  m.child.stdin.on('error', () => {}); // multilog may exit before it reads everything (TERM)
  m.child.stdin.write(input);
  await waitFor(() => m.stderr().includes('multilog: warning: unable to write to ./log/current: out of disk space, pausing\n'), 20000, 'pausing warning');
  return { m, mnt, log: join(mnt, 'log') };
}

/** Waits (generously: the retries last a few seconds by design) for `m` to exit; its exit code. */
async function exitOf(m: ReturnType<typeof startMultilog>): Promise<number | null | 'still running'> {
  return Promise.race([m.exited, sleep(60000).then(() => 'still running' as const)]);
}

/** Splits multilog's stderr at the give-up warning: [the byte count it announces, the bytes after it]. */
function dumpedAfterGiveUp(stderr: string): [number, string] {
  const g = /^multilog: warning: unable to write to \.\/log\/current: out of disk space, exiting: writing the (\d+) bytes not logged to stderr\n/m.exec(stderr);
  assert.ok(g, stderr);
  return [Number(g[1]), stderr.slice(g.index + g[0].length)];
}

test('disk full, then TERM: multilog retries for a while, then writes the lines it could not store to stderr and exits 111', { timeout: 120000 }, async (t) => {
  const input = `${numberedLines(1000)}partial`;
  const f = await multilogOnFullDisk(t, input);
  if (!f) return;
  f.m.child.kill('SIGTERM');
  assert.equal(await exitOf(f.m), 111, f.m.stderr());
  const [count, dumped] = dumpedAfterGiveUp(f.m.stderr());
  assert.ok(count > 0);
  assert.equal(Buffer.byteLength(dumped), count);
  const current = readFileSync(join(f.log, 'current'), 'utf8');
  assert.ok(current.endsWith('\n') && dumped.endsWith('\n'), 'whole lines in current and on stderr');
  // TERM: what was read is in current or on stderr, in order; the rest is still in the pipe
  const got = current + dumped;
  assert.ok(`${input}\n`.startsWith(got), 'no line lost, doubled or cut');
  assert.equal(mode(join(f.log, 'current')), 0o744);
});

test('disk full, then end of input: every line ends up in current or on stderr (111); the next start continues current', { timeout: 120000 }, async (t) => {
  const input = `${numberedLines(1000)}partial`;
  const f = await multilogOnFullDisk(t, input);
  if (!f) return;
  f.m.child.stdin.end();
  assert.equal(await exitOf(f.m), 111, f.m.stderr());
  const [count, dumped] = dumpedAfterGiveUp(f.m.stderr());
  assert.equal(Buffer.byteLength(dumped), count);
  const current = readFileSync(join(f.log, 'current'), 'utf8');
  assert.ok(current.endsWith('\n'), 'current ends at a line end');
  assert.equal(current + dumped, `${input}\n`);
  assert.equal(mode(join(f.log, 'current')), 0o744);
  rmSync(join(f.mnt, 'filler'));
  const r = await run(ML, ['./log'], { cwd: f.mnt, input: 'after\n' });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(oldFiles(f.log), []);
  assert.equal(readFileSync(join(f.log, 'current'), 'utf8'), `${current}after\n`);
});
