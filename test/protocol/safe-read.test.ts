import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readBounded } from '@svkit/protocol';
import { tempDir } from '../helpers/proc.js';

test('readBounded sizes its buffer by the file, not by the cap (a 4 GiB cap on a small file)', (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const f = join(dir, 'small');
  writeFileSync(f, 'hello\n');
  const r = readBounded(f, 2 ** 32);
  assert.equal(r.data.toString(), 'hello\n');
  assert.equal(r.truncated, false);
});

test('readBounded still caps and reports truncation, and reads a file that grew after its stat', (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const f = join(dir, 'big');
  writeFileSync(f, 'x'.repeat(10000));
  const r = readBounded(f, 4096);
  assert.deepEqual([r.data.length, r.truncated], [4096, true]);
  const exact = readBounded(f, 10000);
  assert.deepEqual([exact.data.length, exact.truncated], [10000, false]);
  appendFileSync(f, 'y'.repeat(100000));
  const grown = readBounded(f, 200000);
  assert.deepEqual([grown.data.length, grown.truncated], [110000, false]);
});
