/**
 * One TCP virtual circuit: a client's channels, reads, writes and monitors, as a state machine:
 * `handshake` (connected; closed unless it asks for a channel or searches within handshakeMs),
 * `open`, `closed`. Input is split into messages (a malformed or oversized one closes this circuit
 * only) and read only while the output queue has room (backpressure: a client that sends requests
 * and does not read the replies is paused, not buffered); monitor updates past the soft limit are
 * coalesced to the latest value. Channels and monitors are counted per circuit and in the
 * server's Quota; past a limit CREATE_CHAN gets CREATE_CH_FAIL and EVENT_ADD an ECA_ALLOCMEM error.
 */
import type { Socket } from 'node:net';
import { ACCESS_READ, ACCESS_WRITE, CMD, DO_REPLY, ECA, EPROTO, MAX_NAME, MINOR_VERSION, cString, cStringPayload, encode, type Message } from './wire.js';
import { decodeWrite, encodeDbr } from './dbr.js';
import { DBE, type Pv } from './pv.js';
import type { PvRegistry } from './pv-registry.js';
import type { AccessPolicy } from './access.js';
import type { Limits } from './limits.js';
import { MessageReader } from './message-reader.js';
import { OutputQueue } from './output-queue.js';
import type { Quota } from './quota.js';

/** Limits and policy of a circuit. */
export interface CircuitOptions {
  registry: PvRegistry;
  access: AccessPolicy;
  limits: Limits;
  /** The server's counts of what all clients hold (this circuit's circuit slot is already taken). */
  quota: Quota;
  /** The server's TCP port (for SEARCH replies over TCP). */
  port: number;
  /** Told about a closed circuit and why (for the log). */
  onClose?: (c: Circuit, why: string | undefined) => void;
  /** Told once per circuit and kind when a limit refuses a request (for the log). */
  onLimit?: (c: Circuit, text: string) => void;
  /** All circuits together queue more than limits.totalQueueHard. */
  onTotalQueueOver?: () => void;
}

/** The states of a circuit. */
export type CircuitState = 'handshake' | 'open' | 'closed';

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
  /** Made with the first monitor. */
  subs?: Map<number, Subscription>;
  unlisten?: () => void;
}

/** A connected client. */
export class Circuit {
  host = '';
  user = '';
  readonly ip: string;
  /** When the client connected, ms. */
  readonly connectedAt: number;
  private state: CircuitState = 'handshake';
  private readonly reader: MessageReader;
  private readonly out: OutputQueue;
  private readonly channels = new Map<number, Channel>();
  private nextSid = 1;
  private subCount = 0;
  private eventsOff = false;
  /** Input is not read while the output queue is full. */
  private inputHeld = false;
  /** When the last whole message came in, ms. */
  private lastRx: number;
  private readonly dirty = new Set<Subscription>();
  private readonly limitsTold = new Set<string>();

  constructor(private readonly socket: Socket, private readonly o: CircuitOptions) {
    this.ip = socket.remoteAddress?.replace(/^::ffff:/, '') ?? '';
    this.connectedAt = this.lastRx = Date.now();
    this.reader = new MessageReader(o.limits.maxPayload);
    this.out = new OutputQueue(socket, o.limits, o.quota, () => o.onTotalQueueOver?.(), () => this.drained(), this.connectedAt);
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => this.receive(d));
    socket.on('error', () => this.close());
    socket.on('close', () => this.close());
    this.send(encode(CMD.VERSION, 0, MINOR_VERSION, 0, 0));
  }

  /** Number of channels open on this circuit. */
  get channelCount(): number {
    return this.channels.size;
  }

  /** Number of monitors on this circuit. */
  get subscriptionCount(): number {
    return this.subCount;
  }

  /** Output bytes waiting for the client. */
  get queued(): number {
    return this.out.queued;
  }

  get current(): CircuitState {
    return this.state;
  }

  /** How long neither a whole message came in nor output went out, ms. */
  silentFor(now: number): number {
    return now - Math.max(this.lastRx, this.out.lastFlush);
  }

  /** May this circuit be closed to make room for a new client? (no channels, or silent both ways for evictIdleMs) */
  evictable(now: number): boolean {
    return this.state !== 'closed' && (this.channels.size === 0 || this.silentFor(now) > this.o.limits.evictIdleMs);
  }

  /** Applies the timeouts (the server calls this about once a second). */
  check(now: number): void {
    const l = this.o.limits;
    if (this.state === 'handshake' && now - this.connectedAt > l.handshakeMs) {
      this.close(`no channel request within ${l.handshakeMs / 1000} s`);
    } else if (this.out.stalledFor(now) > l.stallMs) {
      this.close(`not reading (${this.out.queued} bytes queued for ${l.stallMs / 1000} s)`);
    } else if (this.silentFor(now) > l.idleMs) {
      this.close(`silent for ${l.idleMs / 1000} s`);
    }
  }

  /** Closes the circuit (and its socket); `why` is logged. */
  close(why?: string): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    for (const ch of this.channels.values()) ch.unlisten?.();
    this.o.quota.give('channels', this.ip, this.channels.size);
    this.o.quota.give('subs', this.ip, this.subCount);
    this.channels.clear();
    this.subCount = 0;
    this.dirty.clear();
    this.reader.clear();
    this.out.release();
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
    if (this.state === 'closed') return;
    this.reader.push(d);
    this.process();
  }

  /** Handles whole messages until none is left or the output queue is full (then input is paused until 'drain'). */
  private process(): void {
    try {
      while (this.state !== 'closed') {
        if (this.out.full) {
          if (!this.inputHeld) {
            this.inputHeld = true;
            this.socket.pause();
          }
          return;
        }
        const m = this.reader.next();
        if (!m) break;
        this.lastRx = Date.now();
        this.handle(m);
      }
    } catch (e) {
      this.close((e as NodeJS.ErrnoException).code === EPROTO ? `protocol error: ${(e as Error).message}` : String(e));
      return;
    }
    if (this.inputHeld && this.state !== 'closed') {
      this.inputHeld = false;
      this.socket.resume();
    }
  }

  /** The output queue has room again: coalesced monitor updates first, then the requests held back. */
  private drained(): void {
    this.flushDirty();
    if (this.inputHeld) this.process();
  }

  /** Logs a refusal by a limit once per circuit and kind. */
  private limitHit(kind: string, text: string): void {
    if (this.limitsTold.has(kind)) return;
    this.limitsTold.add(kind);
    this.o.onLimit?.(this, text);
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
        this.opened();
        return this.createChannel(m);
      case CMD.READ_NOTIFY:
      case CMD.READ:
        return this.read(m);
      case CMD.SEARCH:
        this.opened();
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

  /** The handshake is over: the client asked for a channel or searched. */
  private opened(): void {
    if (this.state === 'handshake') this.state = 'open';
  }

  private createChannel(m: Message): void {
    const name = cString(m.payload);
    const pv = name.length <= MAX_NAME ? this.o.registry.get(name) : undefined;
    if (!pv || !this.takeChannel()) {
      this.send(encode(CMD.CREATE_CH_FAIL, 0, 0, m.p1, 0));
      return;
    }
    const sid = this.nextSid++ >>> 0;
    const ch: Channel = { sid, cid: m.p1, pv, rights: this.rightsFor(pv) };
    this.channels.set(sid, ch);
    this.send(encode(CMD.ACCESS_RIGHTS, 0, 0, ch.cid, ch.rights));
    this.send(encode(CMD.CREATE_CHAN, pv.type, 1, ch.cid, sid));
  }

  /** Counts one more channel when the limits allow it (otherwise logs which limit, once). */
  private takeChannel(): boolean {
    const l = this.o.limits;
    if (this.channels.size >= l.maxChannels) {
      this.limitHit('channels', `channel limit of ${l.maxChannels} per client reached`);
      return false;
    }
    if (this.o.quota.take('channels', this.ip)) return true;
    const which = this.o.quota.over('channels', this.ip);
    this.limitHit('channels', which === 'address'
      ? `channel limit of ${l.maxChannelsPerAddr} per address reached`
      : `channel limit of ${l.maxChannelsTotal} for all clients reached`);
    return false;
  }

  /** Counts one more monitor when the limits allow it (otherwise logs which limit, once). */
  private takeSub(): boolean {
    const l = this.o.limits;
    let text: string | undefined;
    if (this.subCount >= l.maxSubs) text = `monitor limit of ${l.maxSubs} per client reached`;
    else if (!this.o.quota.take('subs', this.ip)) {
      text = this.o.quota.over('subs', this.ip) === 'address'
        ? `monitor limit of ${l.maxSubsPerAddr} per address reached`
        : `monitor limit of ${l.maxSubsTotal} for all clients reached`;
    }
    if (text === undefined) {
      this.subCount++;
      return true;
    }
    this.limitHit('subs', text);
    return false;
  }

  private giveSubs(n: number): void {
    this.subCount -= n;
    this.o.quota.give('subs', this.ip, n);
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
    const old = ch.subs?.get(sub.id);
    if (old) this.dirty.delete(old);
    else if (!this.takeSub()) {
      // as rsrv does when it cannot add an event: the request back with ECA_ALLOCMEM
      return this.error(m, ch.cid, ECA.ALLOCMEM, `${ch.pv.name}: too many monitors`);
    }
    (ch.subs ??= new Map()).set(sub.id, sub);
    if (!ch.unlisten) ch.unlisten = ch.pv.listen((changed) => this.changed(ch, changed));
    this.queueUpdate(sub);
  }

  private eventCancel(m: Message): void {
    const ch = this.channel(m);
    if (!ch) return;
    const sub = ch.subs?.get(m.p2);
    if (!sub) return this.error(m, ch.cid, ECA.BADMONID, `no subscription ${m.p2}`);
    ch.subs!.delete(sub.id);
    this.giveSubs(1);
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
    if (ch.subs) {
      for (const s of ch.subs.values()) this.dirty.delete(s);
      this.giveSubs(ch.subs.size);
      ch.subs.clear();
    }
    this.stopListeningIfIdle(ch);
    this.channels.delete(ch.sid);
    this.o.quota.give('channels', this.ip);
  }

  private stopListeningIfIdle(ch: Channel): void {
    if (!ch.subs?.size && ch.unlisten) {
      ch.unlisten();
      ch.unlisten = undefined;
    }
  }

  private changed(ch: Channel, mask: number): void {
    if (!ch.subs) return;
    for (const sub of ch.subs.values()) if (sub.mask & mask) this.queueUpdate(sub);
  }

  /** Sends the current value to `sub`, or marks it for later (coalesced) while events are off or the queue is full. */
  private queueUpdate(sub: Subscription): void {
    if (this.eventsOff || this.out.full) this.dirty.add(sub);
    else this.sendUpdate(sub);
  }

  private sendUpdate(sub: Subscription): void {
    const e = encodeDbr(sub.channel.pv, sub.type, sub.count);
    this.send(encode(CMD.EVENT_ADD, sub.type, e.count || sub.count, e.eca, sub.id, e.data));
  }

  private flushDirty(): void {
    if (this.state === 'closed' || this.eventsOff) return;
    for (const sub of this.dirty) {
      if (this.out.full) return;
      this.dirty.delete(sub);
      this.sendUpdate(sub);
    }
  }

  private error(m: Message, cid: number, eca: number, text: string): void {
    this.send(encode(CMD.ERROR, 0, 0, cid, eca, Buffer.concat([m.header, cStringPayload(text)])));
  }

  private send(b: Buffer): void {
    if (this.state === 'closed') return;
    if (!this.out.write(b)) this.close(`send queue over ${this.o.limits.maxQueue} bytes (client not reading)`);
  }
}
