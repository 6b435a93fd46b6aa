/**
 * One TCP virtual circuit: a client's channels, reads, writes and monitors. Input is split into
 * messages (a malformed or oversized one closes this circuit only); output goes through a
 * bounded queue: past `softQueue` bytes monitor updates are coalesced (the latest value is sent
 * once the socket drains), past `maxQueue` the circuit is closed.
 */
import type { Socket } from 'node:net';
import { ACCESS_READ, ACCESS_WRITE, CMD, DO_REPLY, ECA, EPROTO, MAX_NAME, MINOR_VERSION, cString, cStringPayload, encode, nextMessage, type Message } from './wire.js';
import { decodeWrite, encodeDbr } from './dbr.js';
import { DBE, type Pv } from './pv.js';
import type { PvRegistry } from './pv-registry.js';
import type { AccessPolicy } from './access.js';

/** Limits and policy of a circuit. */
export interface CircuitOptions {
  registry: PvRegistry;
  access: AccessPolicy;
  /** Queued output (bytes) past which the circuit is closed. */
  maxQueue: number;
  /** Largest payload accepted from a client. */
  maxPayload: number;
  /** Most channels one circuit may create. */
  maxChannels: number;
  /** The server's TCP port (for SEARCH replies over TCP). */
  port: number;
  /** Told about a closed circuit and why (for the log). */
  onClose?: (c: Circuit, why: string | undefined) => void;
}

interface Subscription {
  id: number;
  type: number;
  count: number;
  mask: number;
  channel: Channel;
}

interface Channel {
  sid: number;
  cid: number;
  pv: Pv;
  rights: number;
  subs: Map<number, Subscription>;
  unlisten?: () => void;
}

/** A connected client. */
export class Circuit {
  host = '';
  user = '';
  readonly ip: string;
  private buf: Buffer = Buffer.alloc(0);
  private readonly channels = new Map<number, Channel>();
  private nextSid = 1;
  private eventsOff = false;
  private readonly dirty = new Set<Subscription>();
  private closed = false;
  private corked = false;
  private readonly softQueue: number;

  constructor(private readonly socket: Socket, private readonly o: CircuitOptions) {
    this.ip = socket.remoteAddress?.replace(/^::ffff:/, '') ?? '';
    this.softQueue = Math.max(1, Math.floor(o.maxQueue / 4));
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => this.receive(d));
    socket.on('drain', () => this.flushDirty());
    socket.on('error', () => this.close());
    socket.on('close', () => this.close());
    this.send(encode(CMD.VERSION, 0, MINOR_VERSION, 0, 0));
  }

  /** Number of channels open on this circuit. */
  get channelCount(): number {
    return this.channels.size;
  }

  /** Closes the circuit (and its socket); `why` is logged. */
  close(why?: string): void {
    if (this.closed) return;
    this.closed = true;
    for (const ch of this.channels.values()) ch.unlisten?.();
    this.channels.clear();
    this.dirty.clear();
    this.socket.destroy();
    this.o.onClose?.(this, why);
  }

  /** The PV `pv` went away: its channels get SERVER_DISCONN and are dropped. */
  pvRemoved(pv: Pv): void {
    for (const ch of [...this.channels.values()]) {
      if (ch.pv !== pv) continue;
      this.dropChannel(ch);
      this.send(encode(CMD.SERVER_DISCONN, 0, 0, ch.cid, 0));
    }
  }

  /** Write access changed (policy or names): every channel's rights are sent again when they differ. */
  refreshRights(): void {
    for (const ch of this.channels.values()) {
      const r = this.rightsFor(ch.pv);
      if (r === ch.rights) continue;
      ch.rights = r;
      this.send(encode(CMD.ACCESS_RIGHTS, 0, 0, ch.cid, r));
    }
  }

  private rightsFor(pv: Pv): number {
    return ACCESS_READ | (pv.writable && this.o.access.mayWrite(this.host, this.user, this.ip) ? ACCESS_WRITE : 0);
  }

  private receive(d: Buffer): void {
    if (this.closed) return;
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    let off = 0;
    try {
      for (;;) {
        const r = nextMessage(this.buf, off, this.o.maxPayload);
        if (!r) break;
        off = r.next;
        this.handle(r.msg);
        if (this.closed) return;
      }
    } catch (e) {
      this.close((e as NodeJS.ErrnoException).code === EPROTO ? `protocol error: ${(e as Error).message}` : String(e));
      return;
    }
    // keep only the unparsed tail (copied, so the big read buffer can go)
    this.buf = off === this.buf.length ? Buffer.alloc(0) : Buffer.from(this.buf.subarray(off));
  }

  private handle(m: Message): void {
    switch (m.cmd) {
      case CMD.VERSION:
      case CMD.READ_SYNC:
        return;
      case CMD.CLIENT_NAME:
        this.user = cString(m.payload, 256);
        return this.refreshRights();
      case CMD.HOST_NAME:
        this.host = cString(m.payload, 256);
        return this.refreshRights();
      case CMD.CREATE_CHAN:
        return this.createChannel(m);
      case CMD.READ_NOTIFY:
      case CMD.READ:
        return this.read(m);
      case CMD.SEARCH:
        return this.search(m);
      case CMD.WRITE:
      case CMD.WRITE_NOTIFY:
        return this.write(m);
      case CMD.EVENT_ADD:
        return this.eventAdd(m);
      case CMD.EVENT_CANCEL:
        return this.eventCancel(m);
      case CMD.CLEAR_CHANNEL:
        return this.clearChannel(m);
      case CMD.ECHO:
        this.send(encode(CMD.ECHO, m.dataType, m.count, m.p1, m.p2, m.payload));
        return;
      case CMD.EVENTS_OFF:
        this.eventsOff = true;
        return;
      case CMD.EVENTS_ON:
        this.eventsOff = false;
        return this.flushDirty();
      default:
        throw Object.assign(new Error(`unknown command ${m.cmd}`), { code: EPROTO });
    }
  }

  private createChannel(m: Message): void {
    const name = cString(m.payload);
    const pv = name.length <= MAX_NAME ? this.o.registry.get(name) : undefined;
    if (!pv || this.channels.size >= this.o.maxChannels) {
      this.send(encode(CMD.CREATE_CH_FAIL, 0, 0, m.p1, 0));
      return;
    }
    const sid = this.nextSid++ >>> 0;
    const ch: Channel = { sid, cid: m.p1, pv, rights: this.rightsFor(pv), subs: new Map() };
    this.channels.set(sid, ch);
    this.send(encode(CMD.ACCESS_RIGHTS, 0, 0, ch.cid, ch.rights));
    this.send(encode(CMD.CREATE_CHAN, pv.type, 1, ch.cid, sid));
  }

  private channel(m: Message): Channel | undefined {
    const ch = this.channels.get(m.p1);
    if (!ch) this.error(m, 0xffffffff, ECA.BADCHID, `no channel with sid ${m.p1}`);
    return ch;
  }

  private read(m: Message): void {
    const ch = this.channel(m);
    if (!ch) return;
    const e = encodeDbr(ch.pv, m.dataType, m.count);
    // the obsolete READ is answered in kind (old clients); READ_NOTIFY carries the status in p1
    if (m.cmd === CMD.READ) this.send(encode(CMD.READ, m.dataType, e.count || m.count, ch.sid, m.p2, e.data));
    else this.send(encode(CMD.READ_NOTIFY, m.dataType, e.count || m.count, e.eca, m.p2, e.data));
  }

  /** SEARCH over TCP (clients with EPICS_CA_NAME_SERVERS): answered as over UDP, NOT_FOUND when asked. */
  private search(m: Message): void {
    const name = cString(m.payload);
    if (name.length <= MAX_NAME && this.o.registry.get(name)) {
      const minor = Buffer.alloc(8);
      minor.writeUInt16BE(MINOR_VERSION, 0);
      this.send(encode(CMD.SEARCH, this.o.port, 0, 0xffffffff, m.p2, minor));
    } else if (m.dataType === DO_REPLY) {
      this.send(encode(CMD.NOT_FOUND, m.dataType, m.count, m.p1, m.p2));
    }
  }

  private write(m: Message): void {
    const ch = this.channel(m);
    if (!ch) return;
    let eca: number = ECA.NORMAL;
    let text = '';
    if (!(ch.rights & ACCESS_WRITE)) {
      eca = ECA.NOWTACCESS;
      text = 'write access denied';
    } else {
      const v = decodeWrite(m.dataType, m.payload);
      if (v === undefined) {
        eca = ECA.BADTYPE;
        text = `cannot write DBR type ${m.dataType}`;
      } else {
        const r = ch.pv.write(v);
        eca = r.eca;
        text = r.message ?? '';
      }
    }
    if (m.cmd === CMD.WRITE_NOTIFY) this.send(encode(CMD.WRITE_NOTIFY, m.dataType, m.count, eca, m.p2));
    else if (eca !== ECA.NORMAL) this.error(m, ch.cid, eca, `${ch.pv.name}: ${text}`);
  }

  private eventAdd(m: Message): void {
    const ch = this.channel(m);
    if (!ch) return;
    const mask = m.payload.length >= 14 ? m.payload.readUInt16BE(12) : DBE.VALUE | DBE.ALARM;
    const sub: Subscription = { id: m.p2, type: m.dataType, count: m.count, mask, channel: ch };
    const old = ch.subs.get(sub.id);
    if (old) this.dirty.delete(old);
    ch.subs.set(sub.id, sub);
    if (!ch.unlisten) ch.unlisten = ch.pv.listen((changed) => this.changed(ch, changed));
    this.queueUpdate(sub);
  }

  private eventCancel(m: Message): void {
    const ch = this.channel(m);
    if (!ch) return;
    const sub = ch.subs.get(m.p2);
    if (!sub) return this.error(m, ch.cid, ECA.BADMONID, `no subscription ${m.p2}`);
    ch.subs.delete(sub.id);
    this.dirty.delete(sub);
    this.stopListeningIfIdle(ch);
    this.send(encode(CMD.EVENT_ADD, sub.type, sub.count, ch.sid, sub.id));
  }

  private clearChannel(m: Message): void {
    const ch = this.channel(m);
    if (!ch) return;
    this.dropChannel(ch);
    this.send(encode(CMD.CLEAR_CHANNEL, 0, 0, ch.sid, ch.cid));
  }

  private dropChannel(ch: Channel): void {
    for (const s of ch.subs.values()) this.dirty.delete(s);
    ch.subs.clear();
    this.stopListeningIfIdle(ch);
    this.channels.delete(ch.sid);
  }

  private stopListeningIfIdle(ch: Channel): void {
    if (ch.subs.size === 0 && ch.unlisten) {
      ch.unlisten();
      ch.unlisten = undefined;
    }
  }

  private changed(ch: Channel, mask: number): void {
    for (const sub of ch.subs.values()) if (sub.mask & mask) this.queueUpdate(sub);
  }

  /** Sends the current value to `sub`, or marks it for later while events are off or the queue is long. */
  private queueUpdate(sub: Subscription): void {
    if (this.eventsOff || this.socket.writableLength > this.softQueue) this.dirty.add(sub);
    else this.sendUpdate(sub);
  }

  private sendUpdate(sub: Subscription): void {
    const e = encodeDbr(sub.channel.pv, sub.type, sub.count);
    this.send(encode(CMD.EVENT_ADD, sub.type, e.count || sub.count, e.eca, sub.id, e.data));
  }

  private flushDirty(): void {
    if (this.closed || this.eventsOff) return;
    for (const sub of [...this.dirty]) {
      if (this.socket.writableLength > this.softQueue) return;
      this.dirty.delete(sub);
      this.sendUpdate(sub);
    }
  }

  private error(m: Message, cid: number, eca: number, text: string): void {
    this.send(encode(CMD.ERROR, 0, 0, cid, eca, Buffer.concat([m.header, cStringPayload(text)])));
  }

  private send(b: Buffer): void {
    if (this.closed) return;
    if (this.socket.writableLength + b.length > this.o.maxQueue) {
      this.close(`send queue over ${this.o.maxQueue} bytes (client not reading)`);
      return;
    }
    // one write per turn of the event loop: the updates of one scan go out together
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    this.socket.write(b);
  }
}
