/**
 * The virtual circuit on the wire, byte by byte (a raw TCP client against an in-process
 * CaServer): the replies libca relies on, errors, monitors, flow control, removal of a PV,
 * access rights by host and user, a malformed stream closing only its own circuit, and the
 * bounded send queue.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { AccessPolicy, CaServer, CMD, DBF, ECA, PvRegistry, Pv, encode, nextMessage, type Limits, type Message } from '@svkit/ca';
import { waitFor } from '../helpers/proc.js';

/** A raw CA client: collects the messages it receives. */
class Raw {
  readonly sock: net.Socket;
  readonly got: Message[] = [];
  private buf = Buffer.alloc(0);
  closed = false;
  constructor(port: number, opts: { paused?: boolean } = {}) {
    this.sock = net.connect(port, '127.0.0.1');
    this.sock.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      let off = 0;
      for (;;) {
        const r = nextMessage(this.buf, off, 1 << 20);
        if (!r) break;
        this.got.push({ ...r.msg, payload: Buffer.from(r.msg.payload), header: Buffer.from(r.msg.header) });
        off = r.next;
      }
      this.buf = this.buf.subarray(off);
    });
    this.sock.on('close', () => (this.closed = true));
    this.sock.on('error', () => undefined);
    if (opts.paused) this.sock.pause();
  }
  send(...bufs: Buffer[]): void {
    this.sock.write(Buffer.concat(bufs));
  }
  async next(cmd: number, from = 0, what = `command ${cmd}`): Promise<Message> {
    return waitFor(() => this.got.slice(from).find((m) => m.cmd === cmd), 10000, what);
  }
  /** Opens the usual libca sequence and one channel; returns its sid. */
  async open(name: string, cid = 1, user = 'root', host = 'vm'): Promise<number> {
    this.send(
      encode(CMD.VERSION, 0, 13, 0, 0),
      encode(CMD.CLIENT_NAME, 0, 0, 0, 0, Buffer.from(`${user}\0`)),
      encode(CMD.HOST_NAME, 0, 0, 0, 0, Buffer.from(`${host}\0`)),
      encode(CMD.CREATE_CHAN, 0, 0, cid, 13, Buffer.from(`${name}\0`)),
    );
    const m = await waitFor(() => this.got.find((x) => x.cmd === CMD.CREATE_CHAN && x.p1 === cid), 10000, `channel ${name}`);
    return m.p2;
  }
  close(): void {
    this.sock.destroy();
  }
}

async function serve(t: { after(fn: () => void): void }, access = new AccessPolicy(), maxQueue = 4 << 20, limits: Partial<Limits> = {}): Promise<{ server: CaServer; reg: PvRegistry; pvs: Record<string, Pv>; writes: (number | string)[] }> {
  const reg = new PvRegistry();
  const writes: (number | string)[] = [];
  const pvs = {
    ctl: new Pv('T:ctl', { type: DBF.ENUM, value: 1, enumStrings: ['Stop', 'Run', 'Reset'], onWrite: (v) => { writes.push(v); pvs.ctl.update(v); return { eca: ECA.NORMAL }; } }),
    num: new Pv('T:num', { type: DBF.LONG, value: 42, units: 's', onWrite: (v) => { writes.push(v); pvs.num.update(v); return { eca: ECA.NORMAL }; } }),
    str: new Pv('T:str', { type: DBF.STRING, value: 'hello', onWrite: (v) => { writes.push(v); pvs.str.update(v); return { eca: ECA.NORMAL }; } }),
    ro: new Pv('T:ro', { type: DBF.DOUBLE, value: 1.5, precision: 2 }),
  };
  for (const p of Object.values(pvs)) reg.add(p);
  const server = new CaServer(reg, { port: 0, addrs: ['127.0.0.1'], beacons: [], beaconPeriodMs: 15000, access, maxQueue, maxCircuits: 100, limits });
  await server.start();
  t.after(() => server.close());
  return { server, reg, pvs, writes };
}

test('connect: VERSION first; ACCESS_RIGHTS before the CREATE_CHAN reply; unknown name: CREATE_CH_FAIL', async (t) => {
  const { server } = await serve(t);
  const c = new Raw(server.port);
  t.after(() => c.close());
  const sid = await c.open('T:ctl', 7);
  assert.deepEqual([c.got[0]!.cmd, c.got[0]!.count], [CMD.VERSION, 13]);
  const ar = c.got.findIndex((m) => m.cmd === CMD.ACCESS_RIGHTS);
  const cc = c.got.findIndex((m) => m.cmd === CMD.CREATE_CHAN);
  assert.ok(ar > 0 && ar < cc);
  assert.deepEqual([c.got[ar]!.p1, c.got[ar]!.p2], [7, 3]);
  assert.deepEqual([c.got[cc]!.dataType, c.got[cc]!.count, c.got[cc]!.p1, c.got[cc]!.p2], [DBF.ENUM, 1, 7, sid]);
  c.send(encode(CMD.CREATE_CHAN, 0, 0, 8, 13, Buffer.from('T:nope\0')));
  assert.equal((await c.next(CMD.CREATE_CH_FAIL)).p1, 8);
  // a read-only PV gets rights 1
  await c.open('T:ro', 9);
  assert.ok(c.got.some((m) => m.cmd === CMD.ACCESS_RIGHTS && m.p1 === 9 && m.p2 === 1));
});

test('READ_NOTIFY: native, TIME_STRING of an enum, CTRL_ENUM, count 0, bad type, bad sid', async (t) => {
  const { server } = await serve(t);
  const c = new Raw(server.port);
  t.after(() => c.close());
  const sid = await c.open('T:ctl');
  const read = async (type: number, count: number, ioid: number): Promise<Message> => {
    c.send(encode(CMD.READ_NOTIFY, type, count, sid, ioid));
    return waitFor(() => c.got.find((m) => m.cmd === CMD.READ_NOTIFY && m.p2 === ioid), 10000, `read ${ioid}`);
  };
  let m = await read(3, 0, 1); // DBR_ENUM, count 0 = all
  assert.deepEqual([m.p1, m.count, m.payload.length, m.payload.readUInt16BE(0)], [ECA.NORMAL, 1, 8, 1]);
  m = await read(14, 1, 2); // DBR_TIME_STRING: 12 bytes of metadata, then the label
  assert.equal(m.payload.length, 56);
  assert.equal(m.payload.toString('latin1', 12, 15), 'Run');
  m = await read(31, 1, 3); // DBR_CTRL_ENUM: 422 + 2 = 424
  assert.equal(m.payload.length, 424);
  assert.equal(m.payload.readInt16BE(4), 3);
  assert.equal(m.payload.toString('latin1', 6 + 26, 6 + 26 + 3), 'Run');
  assert.equal(m.payload.readUInt16BE(422), 1);
  m = await read(3, 3, 4); // more than there is: zero-filled
  assert.deepEqual([m.count, m.payload.readUInt16BE(0), m.payload.readUInt16BE(2)], [3, 1, 0]);
  m = await read(40, 1, 5);
  assert.equal(m.p1, ECA.BADTYPE);
  c.send(encode(CMD.READ_NOTIFY, 3, 1, 999, 6));
  const err = await c.next(CMD.ERROR);
  assert.equal(err.p2, ECA.BADCHID);
  assert.equal(err.payload.readUInt16BE(0), CMD.READ_NOTIFY); // a copy of the request header
  assert.match(err.payload.toString('latin1', 16), /no channel with sid 999/);
});

test('writes: DBR_STRING label padded to 8, number as string, ENUM/DOUBLE index, errors by WRITE_NOTIFY and ERROR', async (t) => {
  const { server, writes, pvs } = await serve(t);
  const c = new Raw(server.port);
  t.after(() => c.close());
  const ctl = await c.open('T:ctl', 1);
  const num = await c.open('T:num', 2);
  const str = await c.open('T:str', 3);
  const ro = await c.open('T:ro', 4);
  const wn = async (sid: number, type: number, payload: Buffer, ioid: number): Promise<Message> => {
    c.send(encode(CMD.WRITE_NOTIFY, type, 1, sid, ioid, payload));
    return waitFor(() => c.got.find((m) => m.cmd === CMD.WRITE_NOTIFY && m.p2 === ioid), 10000, `write ${ioid}`);
  };
  const dbl = Buffer.alloc(8);
  dbl.writeDoubleBE(2);
  assert.equal((await wn(ctl, 0, Buffer.from('Stop\0'), 1)).p1, ECA.NORMAL); // 8-byte string payload
  assert.equal((await wn(ctl, 6, dbl, 2)).p1, ECA.NORMAL); // caput ENUMPV 2 sends DBR_DOUBLE
  assert.equal((await wn(ctl, 3, Buffer.from([0, 1]), 3)).p1, ECA.NORMAL);
  assert.equal((await wn(ctl, 0, Buffer.from('0\0'), 4)).p1, ECA.NORMAL); // an index as text
  assert.equal((await wn(num, 0, Buffer.from('77\0'), 5)).p1, ECA.NORMAL); // caput LONGPV 77
  assert.equal((await wn(str, 5, Buffer.from([0, 0, 0, 9]), 6)).p1, ECA.NORMAL); // number to a STRING PV
  assert.deepEqual(writes, [0, 2, 1, 0, 77, '9']);
  assert.equal(pvs.str.value, '9');
  assert.equal((await wn(ctl, 0, Buffer.from('Bogus\0'), 7)).p1, ECA.PUTFAIL);
  const seven = Buffer.alloc(8);
  seven.writeDoubleBE(7);
  assert.equal((await wn(ctl, 6, seven, 8)).p1, ECA.PUTFAIL);
  assert.equal((await wn(num, 0, Buffer.from('abc\0'), 9)).p1, ECA.NOCONVERT);
  assert.equal((await wn(ro, 6, dbl, 10)).p1, ECA.NOWTACCESS);
  assert.equal((await wn(ctl, 20, dbl, 11)).p1, ECA.BADTYPE);
  assert.equal(writes.length, 6);
  // WRITE (no notify): silence on success, an ERROR with our text on failure
  const n = c.got.length;
  c.send(encode(CMD.WRITE, 0, 1, ctl, 12, Buffer.from('Run\0')), encode(CMD.WRITE, 0, 1, ctl, 13, Buffer.from('Bogus\0')));
  const err = await c.next(CMD.ERROR, n);
  assert.deepEqual([err.p1, err.p2], [1, ECA.PUTFAIL]);
  assert.match(err.payload.toString('latin1', 16), /T:ctl: Bogus: not one of Stop\/Run\/Reset/);
  assert.equal(writes.at(-1), 1);
  assert.equal(c.got.slice(n).filter((m) => m.cmd !== CMD.ERROR).length, 0);
});

test('monitors: value at once and on change, EVENT_CANCEL reply, bad id, EVENTS_OFF/ON, CLEAR_CHANNEL, ECHO', async (t) => {
  const { server, pvs } = await serve(t);
  const c = new Raw(server.port);
  t.after(() => c.close());
  const sid = await c.open('T:num', 5);
  const mask = Buffer.alloc(16);
  mask.writeUInt16BE(5, 12);
  c.send(encode(CMD.EVENT_ADD, 19, 0, sid, 77, mask)); // DBR_TIME_LONG, count 0, VALUE|ALARM
  const updates = (): Message[] => c.got.filter((m) => m.cmd === CMD.EVENT_ADD && m.p2 === 77 && m.payload.length > 0);
  await waitFor(() => updates().length === 1, 10000, 'first update');
  assert.deepEqual([updates()[0]!.p1, updates()[0]!.payload.readInt32BE(12)], [ECA.NORMAL, 42]);
  pvs.num.update(43);
  await waitFor(() => updates().length === 2, 10000, 'update on change');
  assert.equal(updates()[1]!.payload.readInt32BE(12), 43);
  pvs.num.update(43, 7, 2); // alarm only
  await waitFor(() => updates().length === 3, 10000, 'update on alarm');
  assert.deepEqual([updates()[2]!.payload.readInt16BE(0), updates()[2]!.payload.readInt16BE(2)], [7, 2]);
  // flow control: nothing while off, then the latest value once
  c.send(encode(CMD.EVENTS_OFF, 0, 0, 0, 0));
  c.send(encode(CMD.ECHO, 0, 0, 0, 0));
  await c.next(CMD.ECHO);
  pvs.num.update(44);
  pvs.num.update(45);
  c.send(encode(CMD.ECHO, 0, 0, 1, 1));
  await waitFor(() => c.got.filter((m) => m.cmd === CMD.ECHO).length === 2, 10000, 'second echo');
  assert.equal(updates().length, 3);
  c.send(encode(CMD.EVENTS_ON, 0, 0, 0, 0));
  await waitFor(() => updates().length === 4, 10000, 'update after EVENTS_ON');
  assert.equal(updates()[3]!.payload.readInt32BE(12), 45);
  // cancel: confirmed with an empty EVENT_ADD; no more updates
  c.send(encode(CMD.EVENT_CANCEL, 19, 0, sid, 77));
  await waitFor(() => c.got.some((m) => m.cmd === CMD.EVENT_ADD && m.p2 === 77 && m.payload.length === 0 && m.p1 === sid), 10000, 'cancel reply');
  c.send(encode(CMD.EVENT_CANCEL, 19, 0, sid, 78));
  assert.equal((await c.next(CMD.ERROR)).p2, ECA.BADMONID);
  pvs.num.update(46);
  c.send(encode(CMD.CLEAR_CHANNEL, 0, 0, sid, 5));
  const cl = await c.next(CMD.CLEAR_CHANNEL);
  assert.deepEqual([cl.p1, cl.p2], [sid, 5]);
  assert.equal(updates().length, 4);
  assert.equal(pvs.num.listenerCount, 0);
});

test('SEARCH over TCP (name servers) and the obsolete READ are answered', async (t) => {
  const { server } = await serve(t);
  const c = new Raw(server.port);
  t.after(() => c.close());
  const sid = await c.open('T:num');
  c.send(encode(CMD.SEARCH, 5, 13, 31, 31, Buffer.from('T:str\0')), encode(CMD.SEARCH, 10, 13, 32, 32, Buffer.from('T:none\0')));
  const found = await c.next(CMD.SEARCH);
  assert.deepEqual([found.dataType, found.p1, found.p2, found.payload.readUInt16BE(0)], [server.port, 0xffffffff, 31, 13]);
  assert.equal((await c.next(CMD.NOT_FOUND)).p2, 32);
  c.send(encode(CMD.READ, 5, 1, sid, 33));
  const r = await c.next(CMD.READ);
  assert.deepEqual([r.p1, r.p2, r.payload.readInt32BE(0)], [sid, 33, 42]);
});

test('a removed PV disconnects its channels (SERVER_DISCONN) and is no longer found', async (t) => {
  const { server, reg } = await serve(t);
  const c = new Raw(server.port);
  t.after(() => c.close());
  const sid = await c.open('T:num', 11);
  c.send(encode(CMD.EVENT_ADD, 5, 1, sid, 1, Buffer.alloc(16)));
  reg.remove('T:num');
  assert.equal((await c.next(CMD.SERVER_DISCONN)).p1, 11);
  c.send(encode(CMD.READ_NOTIFY, 5, 1, sid, 2));
  assert.equal((await c.next(CMD.ERROR)).p2, ECA.BADCHID);
  c.send(encode(CMD.CREATE_CHAN, 0, 0, 12, 13, Buffer.from('T:num\0')));
  assert.equal((await c.next(CMD.CREATE_CH_FAIL)).p1, 12);
});

test('write rights follow the HOST_NAME/CLIENT_NAME lists and are re-sent when the names change', async (t) => {
  const { server } = await serve(t, new AccessPolicy({ writeHosts: ['opi1'], writeUsers: ['op'] }));
  const c = new Raw(server.port);
  t.after(() => c.close());
  await c.open('T:ctl', 1, 'op', 'elsewhere');
  assert.ok(c.got.some((m) => m.cmd === CMD.ACCESS_RIGHTS && m.p1 === 1 && m.p2 === 1));
  const n = c.got.length;
  c.send(encode(CMD.HOST_NAME, 0, 0, 0, 0, Buffer.from('OPI1\0')));
  const ar = await c.next(CMD.ACCESS_RIGHTS, n);
  assert.deepEqual([ar.p1, ar.p2], [1, 3]);
  c.send(encode(CMD.WRITE_NOTIFY, 0, 1, 1, 9, Buffer.from('Stop\0')));
  assert.equal((await c.next(CMD.WRITE_NOTIFY)).p1, ECA.NORMAL);
  const d = new Raw(server.port);
  t.after(() => d.close());
  await d.open('T:ctl', 1, 'intruder', 'opi1');
  assert.ok(d.got.some((m) => m.cmd === CMD.ACCESS_RIGHTS && m.p2 === 1));
  d.send(encode(CMD.WRITE_NOTIFY, 0, 1, 1, 9, Buffer.from('Run\0')));
  assert.equal((await d.next(CMD.WRITE_NOTIFY)).p1, ECA.NOWTACCESS);
});

test('EPICS_CAS_IGNORE_ADDR_LIST: searches and connections from an ignored address get nothing', async (t) => {
  const reg = new PvRegistry();
  reg.add(new Pv('T:x', { type: DBF.LONG, value: 1 }));
  const server = new CaServer(reg, { port: 0, addrs: ['127.0.0.1'], beacons: [], beaconPeriodMs: 15000, access: new AccessPolicy(), maxQueue: 1 << 20, maxCircuits: 10, ignore: ['127.0.0.2'] });
  await server.start();
  t.after(() => server.close());
  const search = Buffer.concat([encode(CMD.VERSION, 0, 13, 0, 0), encode(CMD.SEARCH, 5, 13, 1, 1, Buffer.from('T:x\0'))]);
  const bound = async (from: string): Promise<{ u: dgram.Socket; got: () => number }> => {
    const u = dgram.createSocket('udp4');
    await new Promise<void>((r) => u.bind(0, from, () => r()));
    let n = 0;
    u.on('message', () => n++);
    t.after(() => u.close());
    return { u, got: () => n };
  };
  const ignored = await bound('127.0.0.2');
  const served = await bound('127.0.0.1');
  // the ignored search goes first; once two later ones are answered, its answer would have come too
  ignored.u.send(search, server.port, '127.0.0.1');
  served.u.send(search, server.port, '127.0.0.1');
  await waitFor(() => served.got() === 1, 10000, 'first reply');
  served.u.send(search, server.port, '127.0.0.1');
  await waitFor(() => served.got() === 2, 10000, 'second reply');
  assert.equal(ignored.got(), 0);
  const s = net.connect({ port: server.port, host: '127.0.0.1', localAddress: '127.0.0.2' });
  let data = 0;
  s.on('data', (d) => (data += d.length));
  s.on('error', () => undefined);
  await new Promise((r) => s.once('close', r));
  assert.equal(data, 0);
  assert.equal(server.circuitCount, 0);
});

test('a malformed stream closes only its own circuit', async (t) => {
  const { server } = await serve(t);
  const good = new Raw(server.port);
  t.after(() => good.close());
  const sid = await good.open('T:num');
  for (const bad of [
    encode(99, 0, 0, 0, 0), // unknown command
    Buffer.from('0000ffff000000000000000000000000ffffffff00000000', 'hex'), // extended header, 4 GB payload
    Buffer.concat([encode(CMD.VERSION, 0, 13, 0, 0), Buffer.from('001200f0', 'hex'), Buffer.alloc(300, 0xff)]),
  ]) {
    const b = new Raw(server.port);
    b.send(bad);
    await waitFor(() => b.closed, 10000, 'bad circuit closed');
  }
  good.send(encode(CMD.READ_NOTIFY, 5, 1, sid, 3));
  await waitFor(() => good.got.some((m) => m.cmd === CMD.READ_NOTIFY && m.p2 === 3), 10000, 'good circuit still served');
  assert.equal(good.closed, false);
});

test('messages split anywhere and an extended header are parsed', async (t) => {
  const { server } = await serve(t);
  const c = new Raw(server.port);
  t.after(() => c.close());
  const sid = await c.open('T:num');
  const ext = Buffer.alloc(24 + 8);
  ext.writeUInt16BE(CMD.WRITE_NOTIFY, 0);
  ext.writeUInt16BE(0xffff, 2);
  ext.writeUInt16BE(5, 4); // DBR_LONG
  ext.writeUInt32BE(sid, 8);
  ext.writeUInt32BE(21, 12);
  ext.writeUInt32BE(8, 16);
  ext.writeUInt32BE(1, 20);
  ext.writeInt32BE(99, 24);
  const all = Buffer.concat([ext, encode(CMD.READ_NOTIFY, 5, 1, sid, 22)]);
  for (let i = 0; i < all.length; i++) {
    c.sock.write(all.subarray(i, i + 1));
    await new Promise((r) => setImmediate(r));
  }
  assert.equal((await c.next(CMD.WRITE_NOTIFY)).p1, ECA.NORMAL);
  const r = await waitFor(() => c.got.find((m) => m.cmd === CMD.READ_NOTIFY && m.p2 === 22), 10000, 'read');
  assert.equal(r.payload.readInt32BE(0), 99);
});

test('a client that does not read: monitor updates are coalesced, its requests are not read, then it is closed', async (t) => {
  const maxQueue = 256 * 1024;
  const { server, pvs } = await serve(t, new AccessPolicy(), maxQueue, { stallMs: 2000 });
  const c = new Raw(server.port);
  t.after(() => c.close());
  const sid = await c.open('T:num');
  c.send(encode(CMD.EVENT_ADD, 33, 0, sid, 1, Buffer.alloc(16, 0).fill(5, 13, 14))); // CTRL_LONG monitor
  await waitFor(() => c.got.some((m) => m.cmd === CMD.EVENT_ADD), 10000, 'first update');
  c.sock.pause();
  // many value changes: the server must not queue one message per change
  for (let i = 0; i < 200000; i++) pvs.num.update(i);
  c.sock.resume();
  c.send(encode(CMD.ECHO, 0, 0, 0, 0));
  await waitFor(() => c.got.some((m) => m.cmd === CMD.ECHO), 20000, 'echo');
  await waitFor(() => c.got.filter((m) => m.cmd === CMD.EVENT_ADD).at(-1)!.payload.readInt32BE(44) === 199999, 20000, 'latest value');
  const updates = c.got.filter((m) => m.cmd === CMD.EVENT_ADD).length;
  assert.ok(updates < 100000, `${updates} updates for 200000 changes`);
  c.sock.pause();
  // many requests it must answer: they stay unread (backpressure) while its queue is full, and
  // once nothing has gone out for stallMs the circuit is dropped
  const reads: Buffer[] = [];
  for (let i = 0; i < 200000; i++) reads.push(encode(CMD.READ_NOTIFY, 34, 1, sid, i));
  c.sock.write(Buffer.concat(reads));
  let most = 0;
  await waitFor(() => {
    most = Math.max(most, server.quota.queued);
    return server.circuitCount === 0;
  }, 30000, 'stuck circuit closed');
  assert.ok(most <= maxQueue, `${most} bytes queued`);
  assert.equal(server.quota.queued, 0);
});

test('idle timeout: a circuit silent both ways is closed; one whose client sends ECHO (as libca does) stays', async (t) => {
  const { server } = await serve(t, new AccessPolicy(), 4 << 20, { idleMs: 3000 });
  const silent = new Raw(server.port);
  const alive = new Raw(server.port);
  t.after(() => {
    silent.close();
    alive.close();
  });
  await silent.open('T:num');
  await alive.open('T:num');
  const echo = setInterval(() => alive.send(encode(CMD.ECHO, 0, 0, 0, 0)), 300);
  t.after(() => clearInterval(echo));
  await waitFor(() => silent.closed, 30000, 'silent circuit closed');
  assert.equal(alive.closed, false);
  assert.equal(server.circuitCount, 1);
});

test('channels and monitors past the per-circuit caps: CREATE_CH_FAIL and an ECA_ALLOCMEM error', async (t) => {
  const { server } = await serve(t, new AccessPolicy(), 4 << 20, { maxChannels: 3, maxSubs: 2 });
  const c = new Raw(server.port);
  t.after(() => c.close());
  const sid = await c.open('T:num', 1);
  await c.open('T:num', 2);
  await c.open('T:ctl', 3);
  c.send(encode(CMD.CREATE_CHAN, 0, 0, 4, 13, Buffer.from('T:num\0')));
  assert.equal((await c.next(CMD.CREATE_CH_FAIL)).p1, 4);
  for (const id of [1, 2, 3]) c.send(encode(CMD.EVENT_ADD, 5, 1, sid, id, Buffer.alloc(16, 0).fill(1, 13, 14)));
  const err = await c.next(CMD.ERROR);
  assert.deepEqual([err.p1, err.p2, err.payload.readUInt16BE(0), err.payload.readUInt32BE(12)], [1, ECA.ALLOCMEM, CMD.EVENT_ADD, 3]);
  // the same id again replaces its monitor; a cancelled one makes room; a cleared channel too
  c.send(encode(CMD.EVENT_ADD, 5, 1, sid, 2, Buffer.alloc(16, 0).fill(1, 13, 14)), encode(CMD.EVENT_CANCEL, 5, 1, sid, 1), encode(CMD.EVENT_ADD, 5, 1, sid, 4, Buffer.alloc(16, 0).fill(1, 13, 14)));
  await waitFor(() => c.got.filter((m) => m.cmd === CMD.EVENT_ADD && m.p2 === 4).length === 1, 10000, 'monitor 4');
  assert.equal(c.got.filter((m) => m.cmd === CMD.ERROR).length, 1);
  c.send(encode(CMD.CLEAR_CHANNEL, 0, 0, sid, 1), encode(CMD.CREATE_CHAN, 0, 0, 5, 13, Buffer.from('T:num\0')));
  await waitFor(() => c.got.some((m) => m.cmd === CMD.CREATE_CHAN && m.p1 === 5), 10000, 'channel 5 after a clear');
  assert.equal(server.quota.count('channels'), 3);
  assert.equal(server.quota.count('subs'), 0);
  c.close();
  await waitFor(() => server.circuitCount === 0, 10000, 'closed');
  assert.deepEqual([server.quota.count('channels'), server.quota.count('subs'), server.quota.count('circuits')], [0, 0, 0]);
});
