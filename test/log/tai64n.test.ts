import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { parseLabel } from '@svkit/tai64';
import { haveDaemontools, ours, run, theirs, waitFor } from '../helpers/proc.js';
import { stripLabels } from './log-helpers.js';

test('tai64n labels every line with the current time; a partial last line gets no newline', async () => {
  const before = Math.floor(Date.now() / 1000);
  const r = await run(ours('tai64n'), [], { input: 'one\n\nthree\npartial' });
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split('\n');
  assert.equal(lines.length, 4);
  for (const l of lines) {
    assert.match(l, /^@4000[0-9a-f]{20} /);
    const when = parseLabel(Buffer.from(l), 0)!;
    assert.ok(when.sec >= before - 1 && when.sec <= Date.now() / 1000 + 1);
  }
  assert.equal(stripLabels(r.stdout), 'one\n\nthree\npartial');
});

test('tai64n passes binary data, NUL bytes and a 1 MB line through unchanged', async () => {
  const bin = Buffer.alloc(3000);
  for (let i = 0; i < bin.length; i++) bin[i] = (i * 31) & 0xff;
  const input = Buffer.concat([bin, Buffer.from(`\n${'m'.repeat(1 << 20)}\n`)]);
  const r = await new Promise<Buffer>((resolve) => {
    const c = spawn(ours('tai64n'), [], { stdio: ['pipe', 'pipe', 'inherit'] });
    const out: Buffer[] = [];
    c.stdout.on('data', (d: Buffer) => out.push(d));
    c.on('close', () => resolve(Buffer.concat(out)));
    c.stdin.end(input);
  });
  // remove the labels: they are the 26 bytes at each line start
  const parts: Buffer[] = [];
  let pos = 0;
  while (pos < r.length) {
    assert.equal(r[pos], 0x40);
    const nl = r.indexOf(0x0a, pos);
    const end = nl < 0 ? r.length : nl + 1;
    parts.push(r.subarray(pos + 26, end));
    pos = end;
  }
  assert.deepEqual(Buffer.concat(parts), input);
});

test('tai64n writes each line as soon as it is read (no buffering across reads)', async (t) => {
  const c = spawn(ours('tai64n'), [], { stdio: ['pipe', 'pipe', 'inherit'] });
  t.after(() => c.kill());
  let out = '';
  c.stdout.on('data', (d: Buffer) => (out += d.toString()));
  c.stdin.write('first\n');
  await waitFor(() => /first\n$/.test(out), 10000, 'first line');
  c.stdin.end('second\n');
  await new Promise((r) => c.on('close', r));
  assert.equal(stripLabels(out), 'first\nsecond\n');
});

test('tai64n output has the form of the real tai64n', { skip: !haveDaemontools() }, async () => {
  const input = 'a\nb c\n\n';
  const o = await run(ours('tai64n'), [], { input });
  const c = await run(theirs('tai64n'), [], { input });
  assert.equal(stripLabels(o.stdout), stripLabels(c.stdout));
  assert.equal(o.stdout.replace(/@[0-9a-f]{24}/g, '@'), c.stdout.replace(/@[0-9a-f]{24}/g, '@'));
});

test('tai64n and tai64nlocal: output errors give a fatal message and 111, never a stack trace', async () => {
  for (const prog of ['tai64n', 'tai64nlocal']) {
    const r = await run('/bin/sh', ['-c', `${ours(prog)} > /dev/full`], { input: 'a line\n' });
    assert.equal(r.code, 111, prog);
    assert.equal(r.stderr, `${prog}: fatal: unable to write output: out of disk space\n`);
  }
  const dir = await run('/bin/sh', ['-c', `${ours('tai64n')} < /`]);
  assert.equal(dir.code, 111);
  assert.equal(dir.stderr, 'tai64n: fatal: unable to read input: is a directory\n');
});

test('tai64n and tai64nlocal: a closed stdout is a write error (111 with a message), not output thrown away', async () => {
  for (const prog of ['tai64n', 'tai64nlocal']) {
    const closed = await run('/bin/sh', ['-c', `${ours(prog)} >&-`], { input: 'a line\n' });
    assert.equal(closed.code, 111, prog);
    assert.equal(closed.stderr, `${prog}: fatal: unable to write output: file descriptor not open\n`);
    // nothing to write: nothing fails (as 0.76)
    const empty = await run('/bin/sh', ['-c', `${ours(prog)} >&-`], { input: '' });
    assert.equal(empty.code, 0, empty.stderr);
    // /dev/null opened for writing is an output like any other
    const devnull = await run('/bin/sh', ['-c', `${ours(prog)} > /dev/null`], { input: 'a line\n' });
    assert.equal(devnull.code, 0, devnull.stderr);
    assert.equal(devnull.stderr, '');
  }
});

test('tai64n and tai64nlocal: a reader that goes away (yes | prog | head -1) gives a message and 111', async () => {
  for (const prog of ['tai64n', 'tai64nlocal']) {
    const r = await run('/bin/sh', ['-c', `yes | { ${ours(prog)}; echo "exit $?" >&2; } | head -1 >/dev/null`]);
    assert.equal(r.stderr, `${prog}: fatal: unable to write output: broken pipe\nexit 111\n`, prog);
  }
});
