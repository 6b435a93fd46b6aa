/** envdir on hostile env directories: FIFOs, huge files, names that are not UTF-8. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, openSync, closeSync, writeFileSync, truncateSync, constants } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { ours, run, runSync, tempDir } from '../helpers/proc.js';

const ENV = { ...process.env, PATH: '/usr/bin:/bin', SVKIT_TEST_FIFO: 'old', SVKIT_TEST_OTHER: 'old' };
const SHOW = 'echo "FIFO=${SVKIT_TEST_FIFO-unset} OTHER=${SVKIT_TEST_OTHER-unset}"';

test('envdir: a FIFO without a writer reads as empty (the variable goes), as 0.76; no hang', async (t) => {
  const { dir, cleanup } = tempDir('svkit-envdir-');
  t.after(cleanup);
  mkdirSync(`${dir}/env`);
  assert.equal(spawnSync('mkfifo', [`${dir}/env/SVKIT_TEST_FIFO`]).status, 0);
  writeFileSync(`${dir}/env/SVKIT_TEST_OTHER`, 'new\n');
  const r = await run(ours('envdir'), [`${dir}/env`, 'sh', '-c', SHOW], { env: ENV, timeoutMs: 60000 });
  assert.deepEqual({ code: r.code, stderr: r.stderr, stdout: r.stdout }, { code: 0, stderr: '', stdout: 'FIFO=unset OTHER=new\n' });
});

test('envdir: a FIFO with a writer that wrote nothing: temporary failure (111), as 0.76; no hang', async (t) => {
  const { dir, cleanup } = tempDir('svkit-envdir-');
  t.after(cleanup);
  mkdirSync(`${dir}/env`);
  const fifo = `${dir}/env/SVKIT_TEST_FIFO`;
  assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
  const rd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK); // so that the writer's open does not block
  const wr = openSync(fifo, constants.O_WRONLY);
  t.after(() => { closeSync(wr); closeSync(rd); });
  const r = await run(ours('envdir'), [`${dir}/env`, 'sh', '-c', SHOW], { env: ENV, timeoutMs: 60000 });
  assert.deepEqual({ code: r.code, stderr: r.stderr }, { code: 111, stderr: `envdir: fatal: unable to read ${fifo}: temporary failure\n` });
});

test('envdir: a 3 GB file without a newline is refused with a clear error, in bounded memory', (t) => {
  const { dir, cleanup } = tempDir('svkit-envdir-');
  t.after(cleanup);
  mkdirSync(`${dir}/env`);
  writeFileSync(`${dir}/env/BIG`, '');
  truncateSync(`${dir}/env/BIG`, 3 * 1024 ** 3); // sparse: no disk used
  const r = runSync(ours('envdir'), [`${dir}/env`, 'true'], { env: ENV });
  assert.deepEqual({ code: r.code, signal: r.signal, stderr: r.stderr },
    { code: 111, signal: null, stderr: `envdir: fatal: unable to read ${dir}/env/BIG: argument list too long\n` });
});

test('envdir: a 3 GB file whose first line is short gives that line (only the first line is read)', (t) => {
  const { dir, cleanup } = tempDir('svkit-envdir-');
  t.after(cleanup);
  mkdirSync(`${dir}/env`);
  writeFileSync(`${dir}/env/SVKIT_TEST_OTHER`, 'first  \n');
  truncateSync(`${dir}/env/SVKIT_TEST_OTHER`, 3 * 1024 ** 3);
  const r = runSync(ours('envdir'), [`${dir}/env`, 'sh', '-c', SHOW], { env: ENV });
  assert.deepEqual({ code: r.code, stderr: r.stderr, stdout: r.stdout }, { code: 0, stderr: '', stdout: 'FIFO=old OTHER=first\n' });
});

test('envdir: a first line up to 128 KiB is a value; a longer one is refused', (t) => {
  const { dir, cleanup } = tempDir('svkit-envdir-');
  t.after(cleanup);
  mkdirSync(`${dir}/ok`);
  mkdirSync(`${dir}/long`);
  writeFileSync(`${dir}/ok/SVKIT_TEST_OTHER`, `${'x'.repeat(100 * 1024)}\nmore`);
  writeFileSync(`${dir}/long/SVKIT_TEST_OTHER`, `${'x'.repeat(128 * 1024 + 1)}\nmore`);
  const ok = runSync(ours('envdir'), [`${dir}/ok`, 'sh', '-c', 'echo ${#SVKIT_TEST_OTHER}'], { env: ENV });
  assert.deepEqual({ code: ok.code, stderr: ok.stderr, stdout: ok.stdout }, { code: 0, stderr: '', stdout: `${100 * 1024}\n` });
  const long = runSync(ours('envdir'), [`${dir}/long`, 'true'], { env: ENV });
  assert.deepEqual({ code: long.code, stderr: long.stderr },
    { code: 111, stderr: `envdir: fatal: unable to read ${dir}/long/SVKIT_TEST_OTHER: argument list too long\n` });
});

test('envdir: a file name that is not UTF-8 is skipped with a warning; the rest applies', (t) => {
  const { dir, cleanup } = tempDir('svkit-envdir-');
  t.after(cleanup);
  mkdirSync(`${dir}/env`);
  writeFileSync(Buffer.concat([Buffer.from(`${dir}/env/N`), Buffer.from([0xff, 0x41])]), 'v\n');
  writeFileSync(`${dir}/env/SVKIT_TEST_OTHER`, 'new\n');
  const r = runSync(ours('envdir'), [`${dir}/env`, 'sh', '-c', SHOW], { env: ENV });
  assert.deepEqual({ code: r.code, stderr: r.stderr, stdout: r.stdout }, {
    code: 0,
    stderr: `envdir: warning: skipped ${dir}/env/N\\xffA: file name is not valid UTF-8\n`,
    stdout: 'FIFO=old OTHER=new\n',
  });
});
