/** A minimal Channel Access client on the raw wire (the bench's probe): channels, monitors, writes, counting updates. */
import net from 'node:net';
import { CMD, encode, nextMessage } from '@svkit/ca';
import { waitFor } from './sleep.js';

/** One TCP circuit to a CA server. */
export class CaWireClient {
  private readonly sock: net.Socket;
  private buf: Buffer = Buffer.alloc(0);
  private readonly sids = new Map<number, number>();
  private nextCid = 1;
  /** Monitor updates received. */
  updates = 0;
  private readonly names: string[] = [];

  constructor(port: number) {
    this.sock = net.connect(port, '127.0.0.1');
    this.sock.setNoDelay(true);
    this.sock.on('error', () => undefined);
    this.sock.on('data', (d: Buffer) => {
      this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
      let off = 0;
      for (;;) {
        const r = nextMessage(this.buf, off, 1 << 20);
        if (!r) break;
        off = r.next;
        if (r.msg.cmd === CMD.CREATE_CHAN) this.sids.set(r.msg.p1, r.msg.p2);
        else if (r.msg.cmd === CMD.EVENT_ADD && r.msg.payload.length) this.updates++;
      }
      this.buf = Buffer.from(this.buf.subarray(off));
    });
    this.sock.write(Buffer.concat([
      encode(CMD.VERSION, 0, 13, 0, 0),
      encode(CMD.CLIENT_NAME, 0, 0, 0, 0, Buffer.from('bench\0')),
      encode(CMD.HOST_NAME, 0, 0, 0, 0, Buffer.from('localhost\0')),
    ]));
  }

  /** Opens channels to `names` and waits until all are connected; returns their cids. */
  async open(names: string[], timeoutMs = 60000): Promise<number[]> {
    const cids = names.map((n) => {
      const cid = this.nextCid++;
      this.names[cid] = n;
      this.sock.write(encode(CMD.CREATE_CHAN, 0, 0, cid, 13, Buffer.from(`${n}\0`)));
      return cid;
    });
    await waitFor(() => cids.every((c) => this.sids.has(c)), timeoutMs, `${names.length} channels`);
    return cids;
  }

  /** Subscribes (DBR_TIME of the native type, mask VALUE|ALARM) to each cid. */
  monitor(cids: number[], dbrType: (cid: number) => number): void {
    const mask = Buffer.alloc(16);
    mask.writeUInt16BE(5, 12);
    this.sock.write(Buffer.concat(cids.map((c) => encode(CMD.EVENT_ADD, dbrType(c), 0, this.sids.get(c)!, c, mask))));
  }

  /** Sends WRITE of DBR_ENUM `index` to `cid` (as `epics.caput(pv, index)` does). */
  writeEnum(cid: number, index: number): void {
    const v = Buffer.alloc(2);
    v.writeUInt16BE(index);
    this.sock.write(encode(CMD.WRITE, 3, 1, this.sids.get(cid)!, 0, v));
  }

  close(): void {
    this.sock.destroy();
  }
}
