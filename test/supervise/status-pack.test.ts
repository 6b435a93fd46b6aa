import { test } from 'node:test';
import assert from 'node:assert/strict';
import { packStatus, unpackStatus } from '@svkit/supervise';

test('status record: 18 bytes, TAI64N big-endian, pid little-endian, paused, want', () => {
  const b = packStatus({ when: { sec: 1700000000, nsec: 5 }, pid: 0x01020304, paused: true, want: 'd' });
  assert.equal(b.length, 18);
  assert.equal(b.subarray(0, 8).toString('hex'), '400000006553f10a');
  assert.equal(b.readUInt32BE(8), 5);
  assert.deepEqual([...b.subarray(12, 16)], [4, 3, 2, 1]);
  assert.equal(b[16], 1);
  assert.equal(b[17], 'd'.charCodeAt(0));
  assert.deepEqual(unpackStatus(b), { when: { sec: 1700000000, nsec: 5 }, pid: 0x01020304, paused: true, want: 'd' });
});

test('status record: paused is 0 when no pid; want 0 after once; runit 20-byte files read; short files rejected', () => {
  const b = packStatus({ when: { sec: 1, nsec: 0 }, pid: 0, paused: true, want: 0 });
  assert.equal(b[16], 0);
  assert.equal(b[17], 0);
  assert.equal(unpackStatus(Buffer.concat([b, Buffer.from([1, 2])]))?.want, 0);
  assert.equal(unpackStatus(b.subarray(0, 17)), undefined);
});
