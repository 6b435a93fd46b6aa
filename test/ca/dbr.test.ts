/** DBR layouts and conversions against libca's db_access.h sizes and rsrv's captured bytes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DBF, ECA, EPICS_EPOCH, Pv, dbrSize, decodeWrite, encodeDbr } from '@svkit/ca';

test('metadata sizes of all 35 types are libca dbr_size minus one value', () => {
  // rows: plain, STS, TIME, GR, CTRL; columns: STRING SHORT FLOAT ENUM CHAR LONG DOUBLE
  const meta = [
    [0, 0, 0, 0, 0, 0, 0],
    [4, 4, 4, 4, 5, 4, 8],
    [12, 14, 12, 14, 15, 12, 16],
    [4, 24, 40, 422, 19, 36, 64],
    [4, 28, 48, 422, 21, 44, 80],
  ];
  const elem = [40, 2, 4, 2, 1, 4, 8];
  for (let t = 0; t <= 34; t++) assert.equal(dbrSize(t, 1), meta[Math.floor(t / 7)]![t % 7]! + elem[t % 7]!, `type ${t}`);
});

test('TIME_ENUM and CTRL_ENUM have rsrv\'s layout', () => {
  const pv = new Pv('X', { type: DBF.ENUM, value: 1, enumStrings: ['Stop', 'Run', 'Reset'] });
  pv.stamp = { sec: 0x4565a4bc + EPICS_EPOCH, nsec: 250_000_000 };
  const t = encodeDbr(pv, 17, 0);
  assert.equal(t.data.toString('hex'), '000000004565a4bc0ee6b28000000001');
  const c = encodeDbr(pv, 31, 1);
  assert.equal(c.data.length, 424);
  assert.equal(c.data.readInt16BE(4), 3);
  assert.equal(c.data.toString('latin1', 6, 10), 'Stop');
  assert.equal(c.data.toString('latin1', 6 + 52, 6 + 57), 'Reset');
  assert.equal(c.data.readUInt16BE(422), 1);
});

test('conversions: enum -> label and index, number <-> string, units and precision', () => {
  const e = new Pv('E', { type: DBF.ENUM, value: 2, enumStrings: ['a', 'b', 'c'] });
  assert.equal(encodeDbr(e, 0, 1).data.toString('latin1', 0, 1), 'c');
  assert.equal(encodeDbr(e, 6, 1).data.readDoubleBE(0), 2);
  assert.equal(encodeDbr(e, 1, 1).data.readInt16BE(0), 2);
  const l = new Pv('L', { type: DBF.LONG, value: -5, units: 's' });
  assert.equal(encodeDbr(l, 0, 1).data.toString('latin1', 0, 2), '-5');
  assert.equal(encodeDbr(l, 33, 1).data.toString('latin1', 4, 5), 's'); // CTRL_LONG units
  assert.equal(encodeDbr(l, 33, 1).data.readInt32BE(44), -5);
  const d = new Pv('D', { type: DBF.DOUBLE, value: 1.25, precision: 3, units: 'mm' });
  assert.equal(encodeDbr(d, 0, 1).data.toString('latin1', 0, 5), '1.250');
  const cd = encodeDbr(d, 34, 1).data;
  assert.deepEqual([cd.readInt16BE(4), cd.toString('latin1', 8, 10), cd.readDoubleBE(80)], [3, 'mm', 1.25]);
  const s = new Pv('S', { type: DBF.STRING, value: '12.5' });
  assert.equal(encodeDbr(s, 6, 1).data.readDoubleBE(0), 12.5);
  s.value = 'text';
  assert.equal(encodeDbr(s, 6, 1).eca, ECA.NOCONVERT);
  assert.equal(encodeDbr(s, 28, 1).data.length, 44); // CTRL_STRING is dbr_sts_string (libca), not TIME
});

test('count 0 means all (1); more is zero-filled; too many or unknown types are refused', () => {
  const l = new Pv('L', { type: DBF.LONG, value: 7 });
  assert.deepEqual([encodeDbr(l, 5, 0).count, encodeDbr(l, 5, 0).data.length], [1, 4]);
  const three = encodeDbr(l, 5, 3);
  assert.deepEqual([three.count, three.data.readInt32BE(0), three.data.readInt32BE(8)], [3, 7, 0]);
  assert.equal(encodeDbr(l, 5, 1 << 20).eca, ECA.BADCOUNT);
  assert.equal(encodeDbr(l, 35, 1).eca, ECA.BADTYPE);
  assert.equal(encodeDbr(l, 36, 1).eca, ECA.BADTYPE); // DBR_PUT_ACKS: written, never read
  assert.equal(encodeDbr(l, 39, 1).eca, ECA.BADTYPE);
});

test('write payloads: an 8-byte padded string, a 40-byte one, numbers; short ones and non-plain types refused', () => {
  assert.equal(decodeWrite(0, Buffer.from('Stop\0\0\0\0')), 'Stop');
  assert.equal(decodeWrite(0, Buffer.concat([Buffer.from('Reset'), Buffer.alloc(35)])), 'Reset');
  assert.equal(decodeWrite(0, Buffer.alloc(48, 0x41)), 'A'.repeat(40));
  assert.equal(decodeWrite(3, Buffer.from([0, 2])), 2);
  const f = Buffer.alloc(8);
  f.writeDoubleBE(1);
  assert.equal(decodeWrite(6, f), 1);
  assert.equal(decodeWrite(5, Buffer.from([0, 0])), undefined);
  assert.equal(decodeWrite(14, f), undefined);
});

test('Pv.write: labels, numeric text, indexes out of range, read-only', () => {
  const got: unknown[] = [];
  const e = new Pv('E', { type: DBF.ENUM, value: 0, enumStrings: ['Stop', 'Run'], onWrite: (v) => { got.push(v); return { eca: ECA.NORMAL }; } });
  assert.equal(e.write('Run').eca, ECA.NORMAL);
  assert.equal(e.write(' 0 ').eca, ECA.NORMAL);
  assert.equal(e.write(1.0).eca, ECA.NORMAL);
  assert.equal(e.write(1.5).eca, ECA.PUTFAIL);
  assert.equal(e.write(2).eca, ECA.PUTFAIL);
  assert.equal(e.write('run').eca, ECA.PUTFAIL);
  assert.deepEqual(got, [1, 0, 1]);
  assert.equal(new Pv('R', { type: DBF.LONG, value: 0 }).write(1).eca, ECA.NOWTACCESS);
});
