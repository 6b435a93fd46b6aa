import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { label } from '@svkit/tai64';
import { haveDaemontools, ours, run, theirs } from '../helpers/proc.js';

const L = '@400000006b03d2d0295f1234'; // 2026-11-23 05:44:38.694096436 UTC
const utcEnv = { ...process.env, TZ: 'UTC' };

test('tai64nlocal converts a leading label; other lines pass unchanged; a partial last line stays partial', async () => {
  const input = `${L} x\n${L}y\nno label\n\n${L}`;
  const r = await run(ours('tai64nlocal'), [], { input, env: utcEnv });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '2026-11-23 05:44:38.694096436 x\n2026-11-23 05:44:38.694096436y\nno label\n\n2026-11-23 05:44:38.694096436');
});

test('tai64nlocal never crashes on malformed labels: they pass through unchanged', async () => {
  const bad = ['@zzzz', '@', '@4000', `${L.slice(0, 24)} short`, `${L}5 too many digits`, '@400000006b03d2d0295f123g x', `x${L}`, '@ffffffffffffffffffffffff huge', '@000000000000000000000000 tiny'];
  const input = `${bad.join('\n')}\n`;
  const r = await run(ours('tai64nlocal'), [], { input, env: utcEnv });
  assert.equal(r.code, 0);
  assert.equal(r.stderr, '');
  assert.equal(r.stdout, input);
});

test('tai64nlocal -u and --iso: UTC and ISO 8601 with the offset', async () => {
  const input = `${L} x\n`;
  assert.equal((await run(ours('tai64nlocal'), ['-u'], { input, env: { ...process.env, TZ: 'Asia/Tokyo' } })).stdout, '2026-11-23 05:44:38.694096436 x\n');
  assert.equal((await run(ours('tai64nlocal'), ['-u', '--iso'], { input })).stdout, '2026-11-23T05:44:38.694096436Z x\n');
  if (existsSync('/usr/share/zoneinfo/Asia/Tokyo')) {
    const tokyo = { ...process.env, TZ: 'Asia/Tokyo' };
    assert.equal((await run(ours('tai64nlocal'), ['--iso'], { input, env: tokyo })).stdout, '2026-11-23T14:44:38.694096436+09:00 x\n');
    assert.equal((await run(ours('tai64nlocal'), [], { input, env: tokyo })).stdout, '2026-11-23 14:44:38.694096436 x\n');
  }
  const bad = await run(ours('tai64nlocal'), ['-x'], { input });
  assert.equal(bad.code, 100);
  assert.equal(bad.stderr, 'tai64nlocal: usage: tai64nlocal [ -u ] [ --iso ] < input\n');
});

test('tai64nlocal handles labels split across reads, NUL bytes and a 1 MB line', async () => {
  const long = 'n'.repeat(1 << 20);
  const input = Buffer.concat([Buffer.from(`${L} a\0b\n${long}\n${L} ${long}\n`)]);
  const r = await run(ours('tai64nlocal'), ['-u'], { input });
  assert.equal(r.stdout, `2026-11-23 05:44:38.694096436 a\0b\n${long}\n2026-11-23 05:44:38.694096436 ${long}\n`);
});

test('tai64nlocal gives the same text as the real one in several time zones', { skip: !haveDaemontools() }, async () => {
  const lines: string[] = [];
  for (let s = 0; s < 200; s++) {
    const sec = 1_000_000_000 + s * 7_654_321;
    lines.push(`${label({ sec, nsec: (s * 123_456_789) % 1e9 })} line ${s}`);
  }
  lines.push('plain line', '', '@4000 not a label');
  const input = `${lines.join('\n')}\n`;
  for (const tz of ['UTC', 'Europe/Paris', 'America/New_York', 'Asia/Kolkata']) {
    if (tz !== 'UTC' && !existsSync(`/usr/share/zoneinfo/${tz}`)) continue;
    const env = { ...process.env, TZ: tz };
    const c = await run(theirs('tai64nlocal'), [], { input: input.replace('@4000 not a label\n', ''), env });
    const o = await run(ours('tai64nlocal'), [], { input: input.replace('@4000 not a label\n', ''), env });
    assert.equal(c.code, 0);
    assert.equal(o.stdout, c.stdout, tz);
  }
});

test('tai64nlocal: a label split across two reads is still converted', async (t) => {
  const { spawn } = await import('node:child_process');
  const c = spawn(ours('tai64nlocal'), ['-u'], { stdio: ['pipe', 'pipe', 'inherit'] });
  t.after(() => c.kill());
  let out = '';
  c.stdout.on('data', (d: Buffer) => (out += d.toString()));
  c.stdin.write(`plain\n${L.slice(0, 10)}`);
  await new Promise((r) => setTimeout(r, 200)); // let it read the first part on its own
  c.stdin.end(`${L.slice(10)} rest\n`);
  await new Promise((r) => c.on('close', r));
  assert.equal(out, 'plain\n2026-11-23 05:44:38.694096436 rest\n');
});
