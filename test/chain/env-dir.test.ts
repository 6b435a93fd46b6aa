import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, truncateSync, writeFileSync } from 'node:fs';
import { applyEnvDir, envFileValue, EnvDirError, MAX_LINE, printableName } from '@svkit/chain/env-dir';
import { tempDir } from '../helpers/proc.js';

test('envFileValue: first line, trailing blanks stripped, NUL becomes newline, empty file unsets', () => {
  assert.equal(envFileValue(Buffer.from('value\nsecond line\n')), 'value');
  assert.equal(envFileValue(Buffer.from(' lead \t \t\n')), ' lead');
  assert.equal(envFileValue(Buffer.from('x\0y  \0 \t')), 'x\ny  \n');
  assert.equal(envFileValue(Buffer.from('\n')), '');
  assert.equal(envFileValue(Buffer.from('  \t\nmore')), '');
  assert.equal(envFileValue(Buffer.alloc(0)), undefined);
});

test('applyEnvDir: sets, replaces and removes variables, skips dotfiles, leaves the input alone', (t) => {
  const { dir, cleanup } = tempDir('svkit-envdir-');
  t.after(cleanup);
  writeFileSync(`${dir}/NEW`, 'new value\nignored\n');
  writeFileSync(`${dir}/KEEP_ME`, 'replaced');
  writeFileSync(`${dir}/GONE`, '');
  writeFileSync(`${dir}/.hidden`, 'x');
  const input = { KEEP_ME: 'old', GONE: 'x', OTHER: 'o' };
  const out = applyEnvDir(dir, input);
  assert.deepEqual({ ...out }, { KEEP_ME: 'replaced', OTHER: 'o', NEW: 'new value' });
  assert.deepEqual(input, { KEEP_ME: 'old', GONE: 'x', OTHER: 'o' });
});

test('applyEnvDir: says which step failed, keeping the errno', (t) => {
  const { dir, cleanup } = tempDir('svkit-envdir-');
  t.after(cleanup);
  const fail = (d: string): EnvDirError => {
    try { applyEnvDir(d, {}); } catch (e) { return e as EnvDirError; }
    throw new Error('no error');
  };
  let e = fail(`${dir}/missing`);
  assert.equal(e.action, `unable to switch to directory ${dir}/missing`);
  assert.equal((e.cause as NodeJS.ErrnoException).code, 'ENOENT');
  writeFileSync(`${dir}/file`, 'x');
  e = fail(`${dir}/file`);
  assert.equal(e.action, `unable to switch to directory ${dir}/file`);
  assert.equal((e.cause as NodeJS.ErrnoException).code, 'ENOTDIR');
  mkdirSync(`${dir}/env/sub`, { recursive: true });
  e = fail(`${dir}/env`);
  assert.equal(e.action, `unable to read ${dir}/env/sub`);
  assert.equal((e.cause as NodeJS.ErrnoException).code, 'EISDIR');
});

test('applyEnvDir: a first line over MAX_LINE bytes is E2BIG; only the first line is read', (t) => {
  const { dir, cleanup } = tempDir('svkit-envdir-');
  t.after(cleanup);
  mkdirSync(`${dir}/ok`);
  writeFileSync(`${dir}/ok/MAX`, `${'m'.repeat(MAX_LINE)}\n`);
  writeFileSync(`${dir}/ok/SHORT`, 'short\n');
  truncateSync(`${dir}/ok/SHORT`, 1024 ** 3); // sparse: no disk used
  const out = applyEnvDir(`${dir}/ok`, {});
  assert.equal(out.MAX, 'm'.repeat(MAX_LINE));
  assert.equal(out.SHORT, 'short');
  mkdirSync(`${dir}/long`);
  writeFileSync(`${dir}/long/LONG`, 'l'.repeat(MAX_LINE + 1));
  try {
    applyEnvDir(`${dir}/long`, {});
    assert.fail('no error');
  } catch (e) {
    assert.ok(e instanceof EnvDirError);
    assert.equal(e.action, `unable to read ${dir}/long/LONG`);
    assert.equal((e.cause as NodeJS.ErrnoException).code, 'E2BIG');
  }
});

test('applyEnvDir: names that are not UTF-8 are handed to the skip callback, the rest applies', (t) => {
  const { dir, cleanup } = tempDir('svkit-envdir-');
  t.after(cleanup);
  const bad = Buffer.from([0x41, 0xc3, 0x28]); // "A" and a broken two-byte sequence
  writeFileSync(Buffer.concat([Buffer.from(`${dir}/`), bad]), 'x');
  writeFileSync(`${dir}/\ufeffBOM`, 'kept'); // valid UTF-8: the BOM stays part of the name
  writeFileSync(`${dir}/OK`, 'ok');
  const skipped: Buffer[] = [];
  const out = applyEnvDir(dir, {}, (name) => skipped.push(name));
  assert.deepEqual({ ...out }, { OK: 'ok', '\ufeffBOM': 'kept' });
  assert.deepEqual(skipped, [bad]);
  assert.equal(printableName(bad), 'A\\xc3(');
  assert.equal(printableName(Buffer.from('a\\b\n')), 'a\\x5cb\\x0a');
});
