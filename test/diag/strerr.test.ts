import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memoryIo, runMain, errnoText } from '@svkit/diag';

test('runMain maps dieSys to 111 with the daemontools message', async () => {
  const io = memoryIo();
  const code = await runMain('prog', io, (e) => e.dieSys('unable to open x', Object.assign(new Error('x'), { code: 'ENOENT' })));
  assert.equal(code, 111);
  assert.equal(io.stderr(), 'prog: fatal: unable to open x: file does not exist\n');
});

test('runMain maps dieUsage to 100 and unexpected throws to 111 without a stack', async () => {
  const io = memoryIo();
  assert.equal(await runMain('p', io, (e) => e.dieUsage('p dir')), 100);
  assert.equal(io.stderr(), 'p: usage: p dir\n');
  const io2 = memoryIo();
  assert.equal(await runMain('p', io2, () => { throw new TypeError('boom'); }), 111);
  assert.equal(io2.stderr(), 'p: fatal: internal error: boom\n');
  assert.equal(errnoText(Object.assign(new Error('m'), { code: 'EAGAIN' })), 'temporary failure');
});
