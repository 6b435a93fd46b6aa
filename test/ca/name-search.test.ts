/** UDP name search replies, byte for byte as rsrv answers libca. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { answerSearch } from '@svkit/ca';

const served = (n: string): boolean => n.startsWith('TST:');

test('catools search datagram: VERSION with the sequence, then a SEARCH reply with port, 0xFFFFFFFF and the cid', () => {
  const name = Buffer.alloc(24);
  name.write('TST:MAN:ioc1_control');
  const search = Buffer.concat([Buffer.from('000600180005000d0000000200000002', 'hex'), name]);
  const version = Buffer.from('00000000000100000000000200000000', 'hex');
  version.writeUInt16BE(13, 6);
  const out = answerSearch(Buffer.concat([version, search]), served, 5064);
  assert.equal(out.length, 1);
  assert.equal(out[0]!.toString('hex'), '00000000' + '0001000d' + '00000002' + '00000000' + '0006000813c80000ffffffff00000002000d000000000000');
});

test('several names: only ours answered; DOREPLY gets NOT_FOUND; unknown DONTREPLY gets nothing', () => {
  const s = (name: string, cid: number, dtype = 5): Buffer => {
    const b = Buffer.alloc(16 + ((name.length + 8) & ~7));
    b.writeUInt16BE(6, 0);
    b.writeUInt16BE(b.length - 16, 2);
    b.writeUInt16BE(dtype, 4);
    b.writeUInt16BE(13, 6);
    b.writeUInt32BE(cid, 8);
    b.writeUInt32BE(cid, 12);
    b.write(name, 16);
    return b;
  };
  assert.deepEqual(answerSearch(s('OTHER:x', 1), served, 5070), []);
  const nf = answerSearch(s('OTHER:x', 2, 10), served, 5070);
  assert.equal(nf[0]!.readUInt16BE(16), 14);
  assert.equal(nf[0]!.readUInt32BE(28), 2);
  const two = answerSearch(Buffer.concat([s('TST:a', 3), s('OTHER:y', 4), s('TST:b', 5)]), served, 5070);
  const d = two[0]!;
  assert.equal(d.length, 16 + 2 * 24);
  assert.deepEqual([d.readUInt16BE(20), d.readUInt32BE(28), d.readUInt32BE(52)], [5070, 3, 5]);
});

test('garbage and truncated datagrams give no reply and do not throw', () => {
  assert.deepEqual(answerSearch(Buffer.alloc(0), served, 1), []);
  assert.deepEqual(answerSearch(Buffer.from('0006ffff0005000d', 'hex'), served, 1), []);
  const b = Buffer.alloc(40, 0xff);
  b.writeUInt16BE(6, 0);
  assert.deepEqual(answerSearch(b, served, 1), []);
});
