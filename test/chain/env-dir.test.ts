import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { applyEnvDir, envFileValue, EnvDirError } from '@svkit/chain/env-dir';
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
