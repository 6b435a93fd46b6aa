import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { haveDaemontools, ours, run, tempDir, theirs, waitFor } from '../helpers/proc.js';
import { logContent, mode, numberedLines, oldFiles, stripLabels } from './log-helpers.js';

const have = haveDaemontools();
const both = [ours('multilog'), theirs('multilog')] as const;

/** A deterministic pseudo-random generator (tests must be reproducible). */
function rng(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    return x / 0x80000000;
  };
}

test('pattern matching agrees with 0.76 on random patterns and lines', { skip: !have }, async (t) => {
  const { dir, cleanup } = tempDir('svkit-mlc-');
  t.after(cleanup);
  const r = rng(42);
  const word = (alphabet: string, max: number): string => {
    let s = '';
    const n = Math.floor(r() * (max + 1));
    for (let i = 0; i < n; i++) s += alphabet[Math.floor(r() * alphabet.length)];
    return s;
  };
  const lines: string[] = [];
  for (let i = 0; i < 400; i++) lines.push(word('ab*c', 7));
  const input = `${lines.join('\n')}\n`;
  const patterns: string[] = [];
  for (let i = 0; i < 120; i++) patterns.push(word('ab*c', 5));
  patterns.push('*', '**', '', 'a*', '*a', '*a*', 'a**b');
  // each dir gets the lines its pattern selects; ours writes under o/, the C one under c/
  const script = patterns.flatMap((p, i) => ['-*', `+${p}`, `./p${i}`]);
  for (const [k, prog] of both.entries()) {
    const cwd = join(dir, k === 0 ? 'o' : 'c');
    mkdirSync(cwd);
    const res = await run(prog, script, { cwd, input, timeoutMs: 60000 });
    assert.equal(res.code, 0, res.stderr);
  }
  let selected = 0;
  for (let i = 0; i < patterns.length; i++) {
    const o = readFileSync(join(dir, 'o', `p${i}`, 'current'), 'utf8');
    const c = readFileSync(join(dir, 'c', `p${i}`, 'current'), 'utf8');
    assert.equal(o, c, `pattern ${JSON.stringify(patterns[i])}`);
    selected += o.length;
  }
  assert.ok(selected > 0);
});

test('e and =file output agree with 0.76 for short, 200-byte, long and partial lines', { skip: !have }, async (t) => {
  const { dir, cleanup } = tempDir('svkit-mlc-');
  t.after(cleanup);
  const lines = [199, 200, 201, 999, 1000, 1001, 1500, 0].map((n) => 'z'.repeat(n));
  const input = `${lines.join('\n')}\nno newline at the end`;
  const out: { stderr: string; status: string; log: string }[] = [];
  for (const [k, prog] of both.entries()) {
    const res = await run(prog, ['e', `=st${k}`, './d' + k], { cwd: dir, input });
    assert.equal(res.code, 0);
    out.push({ stderr: res.stderr, status: readFileSync(join(dir, `st${k}`), 'latin1'), log: readFileSync(join(dir, `d${k}`, 'current'), 'latin1') });
  }
  assert.equal(out[0]!.stderr, out[1]!.stderr);
  assert.equal(out[0]!.status, out[1]!.status);
  assert.equal(out[0]!.log, out[1]!.log);
  for (const [k] of both.entries()) assert.equal(mode(join(dir, `st${k}`)), 0o600);
});

test('a 1 MB line: same file sizes and the same bytes as 0.76', { skip: !have }, async (t) => {
  const { dir, cleanup } = tempDir('svkit-mlc-');
  t.after(cleanup);
  const input = `${'q'.repeat(1_000_000)}\nshort\n`;
  const results = [];
  for (const [k, prog] of both.entries()) {
    const res = await run(prog, ['s4096', 'n1000', `./d${k}`], { cwd: dir, input });
    assert.equal(res.code, 0, res.stderr);
    const d = join(dir, `d${k}`);
    results.push({ sizes: oldFiles(d).map((n) => statSync(join(d, n)).size), content: logContent(d).toString() });
  }
  assert.deepEqual(results[0]!.sizes, results[1]!.sizes);
  assert.equal(results[0]!.content, input);
  assert.equal(results[1]!.content, input);
});

test('the real multilog continues a directory ours wrote, and ours continues one the real one wrote (clean exit and kill -9)', { skip: !have }, async (t) => {
  const { dir, cleanup } = tempDir('svkit-mlc-');
  t.after(cleanup);
  const d = join(dir, 'log');
  let expected = '';
  const step = async (prog: string, text: string) => {
    const r = await run(prog, ['s4096', 'n1000', './log'], { cwd: dir, input: text });
    assert.equal(r.code, 0, r.stderr);
    expected += text;
    assert.equal(logContent(d).toString(), expected);
    assert.equal(mode(join(d, 'current')), 0o744);
  };
  await step(ours('multilog'), numberedLines(150));
  await step(theirs('multilog'), numberedLines(170, 'C'));
  await step(ours('multilog'), numberedLines(60, 'o'));
  // kill -9 of each: the other one turns current into .u
  for (const [killed, next] of [[ours('multilog'), theirs('multilog')], [theirs('multilog'), ours('multilog')]] as const) {
    const child = spawn(killed, ['s4096', 'n1000', './log'], { cwd: dir, stdio: ['pipe', 'ignore', 'ignore'] });
    const exited = new Promise((r) => child.once('exit', r));
    t.after(async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    });
    const text = numberedLines(40, killed.startsWith('/usr') ? 'killed-c' : 'killed-ours');
    child.stdin.write(text);
    expected += text;
    await waitFor(() => existsSync(join(d, 'current')) && logContent(d).toString() === expected, 10000, 'lines on disk');
    child.kill('SIGKILL');
    await exited;
    assert.equal(mode(join(d, 'current')), 0o644);
    const after = `after ${next}\n`;
    const r = await run(next, ['s4096', 'n1000', './log'], { cwd: dir, input: after });
    assert.equal(r.code, 0, r.stderr);
    expected += after;
    assert.equal(logContent(d).toString(), expected);
    const old = oldFiles(d);
    assert.equal(old.filter((n) => n.endsWith('.u')).length, killed.startsWith('/usr') ? 2 : 1);
    assert.equal(readFileSync(join(d, 'current'), 'utf8'), after);
  }
});

test('the real tai64nlocal reads our timestamps; both give the same text', { skip: !have }, async (t) => {
  const { dir, cleanup } = tempDir('svkit-mlc-');
  t.after(cleanup);
  const r = await run(ours('multilog'), ['t', './log'], { cwd: dir, input: numberedLines(50) });
  assert.equal(r.code, 0);
  const logged = readFileSync(join(dir, 'log/current'));
  const c = await run(theirs('tai64nlocal'), [], { input: logged });
  const o = await run(ours('tai64nlocal'), [], { input: logged });
  assert.equal(c.code, 0);
  assert.equal(o.stdout, c.stdout);
  assert.match(c.stdout, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{9} line 1 x+$/m);
  assert.equal(stripLabels(logged.toString()), numberedLines(50));
});

for (const sig of ['SIGTERM', 'SIGKILL'] as const) {
  test(`after ours exits on ${sig}, the real multilog reads the same pipe (its O_NONBLOCK flag is never left set)`, { skip: !have }, async (t) => {
    const { dir, cleanup } = tempDir('svkit-mlc-');
    t.after(cleanup);
    // like svscan: one pipe (a real pipe, from cat) survives a restart of the log service
    const sh = spawn('/bin/sh', ['-c', `cat | { exec 3<&0; ${ours('multilog')} ./a <&3 3<&- & echo $! > pid; wait $!; exec ${theirs('multilog')} ./b 3<&-; }`], { cwd: dir, stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    sh.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => sh.once('exit', (c) => r(c)));
    t.after(async () => {
      if (sh.exitCode === null) sh.kill('SIGKILL');
      await exited;
    });
    sh.stdin.write('one\n');
    await waitFor(() => existsSync(join(dir, 'a/current')) && readFileSync(join(dir, 'a/current'), 'utf8') === 'one\n', 10000, 'ours logging');
    process.kill(Number(readFileSync(join(dir, 'pid'), 'utf8')), sig);
    await waitFor(() => existsSync(join(dir, 'b/current')), 10000, 'the real multilog started');
    sh.stdin.end('two\n');
    assert.equal(await exited, 0, stderr);
    assert.doesNotMatch(stderr, /multilog/); // (sh may say "Killed")
    assert.equal(readFileSync(join(dir, 'b/current'), 'utf8'), 'two\n');
  });
}
