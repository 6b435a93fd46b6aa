/**
 * spawnProcess (posix_spawn through koffi) and the one SIGCHLD reaper (waitpid(-1)): what the
 * started program gets (argv, cwd, env, fds, session, signal state, exec errors), exit codes and
 * signals reported per pid, orphans reaped, and a wait4 cost per exit that does not grow with the
 * number of children. Each case runs in a Node process of its own (a driver script): the reaper
 * reaps every child of its process, so it must not run inside the test runner, whose own children
 * belong to child_process.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { haveTool, ROOT, run, tempDir } from '../helpers/proc.js';

const SYS = join(ROOT, 'packages/sys/dist/index.js');

/** Runs `body` (an ES module body with `sys` = @svkit/sys and `out(x)` = print JSON) in a fresh Node; returns what it printed. */
async function drive(dir: string, body: string, wrap: string[] = []): Promise<any> {
  const script = join(dir, `driver-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(script, `import * as sys from ${JSON.stringify(SYS)};\nconst out = (x) => process.stdout.write(JSON.stringify(x) + '\\n');\n${body}\n`);
  const r = await run(wrap.length ? wrap[0]! : process.execPath, [...wrap.slice(1), ...(wrap.length ? [process.execPath] : []), script], { cwd: dir, timeoutMs: 60000 });
  assert.equal(r.code, 0, `driver failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

test('spawnProcess: argv[0], cwd, exactly the given env, fds moved and /dev/null, own session, default signals, nothing blocked', async (t) => {
  const { dir, cleanup } = tempDir('svkit-spawn-');
  t.after(cleanup);
  const got = await drive(dir, `
    import { openSync, readFileSync } from 'node:fs';
    const outFd = openSync('out.txt', 'w');
    const pid = sys.spawnProcess({ file: '/bin/sh', argv: ['my-name', '-c', 'echo "$0 $(pwd) $FOO $(env | wc -l)"; ps -o sid= -o pgid= -p $$; readlink /proc/$$/fd/0; exec grep -E "^Sig(Blk|Ign)" /proc/self/status'],
      env: { FOO: 'bar', PATH: process.env.PATH }, cwd: '/tmp', fds: new Map([[0, 'null'], [1, outFd], [2, outFd]]), setsid: true });
    process.on('SIGPIPE', () => {}); // Node's own ignored/caught signals must not reach the child
    sys.onChildExit(pid, (how) => out({ pid, how, text: readFileSync('out.txt', 'utf8') }));
  `);
  const lines = got.text.trim().split('\n');
  assert.equal(lines[0], 'my-name /tmp bar 3', 'argv[0], cwd, env (FOO, PATH and the PWD sh adds)');
  assert.deepEqual(lines[1].trim().split(/\s+/).map(Number), [got.pid, got.pid], 'session and process group led by the child');
  assert.equal(lines[2], '/dev/null');
  assert.match(lines[3], /^SigBlk:\s+0+$/, 'nothing blocked in the exec\'ed program');
  assert.match(lines[4], /^SigIgn:\s+0+$/, 'nothing ignored in the exec\'ed program');
  assert.deepEqual(got.how, { code: 0, signal: null });
});

test('spawnProcess: a program that cannot be executed fails at once with its errno (no shell fallback for a file without #!)', async (t) => {
  const { dir, cleanup } = tempDir('svkit-spawn-');
  t.after(cleanup);
  writeFileSync(join(dir, 'nohash'), 'echo hi\n', { mode: 0o755 });
  writeFileSync(join(dir, 'noexec'), '#!/bin/sh\n', { mode: 0o644 });
  const got = await drive(dir, `
    const codes = [];
    for (const file of ['./missing', './noexec', './nohash', '/']) {
      try { sys.spawnProcess({ file, argv: [file], env: {} }); codes.push('started'); } catch (e) { codes.push(e.code); }
    }
    out(codes);
  `);
  assert.deepEqual(got, ['ENOENT', 'EACCES', 'ENOEXEC', 'EACCES']);
});

test('onChildExit: each of 200 children that exit together gets its own code or signal, once', async (t) => {
  const { dir, cleanup } = tempDir('svkit-reap-');
  t.after(cleanup);
  const got = await drive(dir, `
    const want = new Map();
    const seen = new Map();
    for (let i = 0; i < 200; i++) {
      const sig = i % 3 === 0;
      const pid = sys.spawnProcess({ file: '/bin/sh', argv: ['sh', '-c', sig ? 'kill -USR1 $$; sleep 5' : 'exit ' + (i % 250)], env: {} });
      want.set(pid, sig ? { code: null, signal: 'SIGUSR1' } : { code: i % 250, signal: null });
      sys.onChildExit(pid, (how) => { seen.set(pid, [...(seen.get(pid) ?? []), how]); if (seen.size === 200) setTimeout(done, 300); });
    }
    function done() {
      let bad = 0;
      for (const [pid, w] of want) { const s = seen.get(pid); if (!s || s.length !== 1 || s[0].code !== w.code || s[0].signal !== w.signal) bad++; }
      out({ seen: seen.size, bad, orphans: sys.orphansReaped() });
    }
  `);
  assert.deepEqual(got, { seen: 200, bad: 0, orphans: 0 });
});

test('as a child subreaper: orphans left by a child are reaped (no zombie stays), its own children are still reported', async (t) => {
  const { dir, cleanup } = tempDir('svkit-reap-');
  t.after(cleanup);
  const got = await drive(dir, `
    import { readFileSync } from 'node:fs';
    sys.setChildSubreaper();
    sys.startReaping();
    // sh starts 5 short sleeps in the background and exits: they are reparented to us
    const pid = sys.spawnProcess({ file: '/bin/sh', argv: ['sh', '-c', 'for i in 1 2 3 4 5; do sleep 0.2 & done; exit 3'], env: { PATH: process.env.PATH } });
    let how;
    sys.onChildExit(pid, (h) => { how = h; });
    const kids = () => readFileSync('/proc/self/task/' + process.pid + '/children', 'utf8').trim();
    const check = () => {
      if (how && sys.orphansReaped() >= 5 && kids() === '') return out({ how, orphans: sys.orphansReaped() });
      setTimeout(check, 50);
    };
    check();
  `);
  assert.deepEqual(got, { how: { code: 3, signal: null }, orphans: 5 });
});

test('wait4 calls per exit stay the same with 10 or 100 children (strace): one reaps, one finds nothing', { skip: !haveTool('/usr/bin/strace', 'strace') }, async (t) => {
  const { dir, cleanup } = tempDir('svkit-reap-');
  t.after(cleanup);
  const perExit: Record<number, number> = {};
  for (const n of [10, 100]) {
    // n children sleep for good; one more is started, exits, and is started again, 100 times
    const trace = join(dir, `trace-${n}`);
    await drive(dir, `
      const sleepers = [];
      for (let i = 0; i < ${n}; i++) { const p = sys.spawnProcess({ file: '/bin/sleep', argv: ['sleep', '1000'], env: {} }); sys.onChildExit(p, () => {}); sleepers.push(p); }
      let left = 100;
      const again = () => {
        if (left-- === 0) { for (const p of sleepers) process.kill(p); out({ done: true }); process.exit(0); }
        const p = sys.spawnProcess({ file: '/bin/true', argv: ['true'], env: {} });
        sys.onChildExit(p, again);
      };
      again();
    `, ['/usr/bin/strace', '-o', trace, '-e', 'trace=wait4']);
    const calls = readFileSync(trace, 'utf8').split('\n').filter((l) => l.startsWith('wait4(')).length;
    perExit[n] = calls / 100;
  }
  t.diagnostic(`wait4 calls per exit: ${JSON.stringify(perExit)}`);
  assert.ok(perExit[10]! <= 3 && perExit[100]! <= 3, `wait4 per exit ${JSON.stringify(perExit)}`);
});
