/**
 * The Channel Access server: for each interface address, a UDP socket answering name searches
 * and a TCP listener for virtual circuits, all on one port; beacons; and the PV registry.
 * Admission: at most maxCircuits circuits, maxCircuitsPerAddr from one address; when full, the
 * oldest circuit without channels (or silent both ways for evictIdleMs) is closed for the
 * newcomer, so silent connections cannot lock real clients out. A sweep applies the circuits'
 * timeouts each second. UDP name lookups are rate-limited and replies in flight bounded.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { AccessPolicy } from './access.js';
import { Beacons, type Endpoint } from './beacon.js';
import { Circuit } from './circuit.js';
import { answerSearch } from './name-search.js';
import { DEFAULT_LIMITS, type Limits } from './limits.js';
import { Quota } from './quota.js';
import type { PvRegistry } from './pv-registry.js';

/** How the server listens. */
export interface ServerOptions {
  /** TCP and UDP port (0: any free TCP port, and the same number for UDP). */
  port: number;
  /** Interface addresses to bind (EPICS_CAS_INTF_ADDR_LIST). */
  addrs: string[];
  /** Where beacons go. */
  beacons: Endpoint[];
  /** Longest beacon interval, ms (EPICS_CAS_BEACON_PERIOD). */
  beaconPeriodMs: number;
  access: AccessPolicy;
  /** Queued output per client past which its circuit is closed, bytes. */
  maxQueue: number;
  /** Most circuits at once. */
  maxCircuits: number;
  /** Other limits (defaults: DEFAULT_LIMITS; maxQueue and maxCircuits above win). */
  limits?: Partial<Limits>;
  /** Client addresses whose searches and connections are ignored (EPICS_CAS_IGNORE_ADDR_LIST). */
  ignore?: string[];
  /** Told about circuits that close with an error (at most WARN_BURST in a row, then a count each minute). */
  onWarn?: (text: string) => void;
}

/** Warnings let through before they are only counted (a flood of bad clients must not flood the log). */
const WARN_BURST = 20;
const WARN_WINDOW_MS = 60_000;

/** Defaults of the limits svca has options for. */
export const DEFAULT_MAX_QUEUE = DEFAULT_LIMITS.maxQueue;
export const DEFAULT_MAX_CIRCUITS = DEFAULT_LIMITS.maxCircuits;
/** How often the circuits' timeouts are checked, ms. */
const SWEEP_MS = 1000;

/** A running server; `start` binds, `close` ends every circuit. */
export class CaServer {
  private readonly tcp: net.Server[] = [];
  private readonly udp: dgram.Socket[] = [];
  private readonly beacons: Beacons[] = [];
  private readonly circuits = new Set<Circuit>();
  private unlisten?: () => void;
  private readonly ignore: Set<string>;
  private warnWindow = 0;
  private warnCount = 0;
  private warnDropped = 0;
  private sweepTimer?: NodeJS.Timeout;
  private shedding = false;
  private udpTokens: number;
  private udpRefilled = Date.now();
  private udpInFlight = 0;
  /** The limits in force. */
  readonly limits: Limits;
  /** What all clients hold, per address and in total. */
  readonly quota: Quota;
  port = 0;

  constructor(private readonly registry: PvRegistry, private readonly o: ServerOptions) {
    this.ignore = new Set(o.ignore ?? []);
    const l: Limits = { ...DEFAULT_LIMITS, ...o.limits, maxQueue: o.maxQueue, maxCircuits: o.maxCircuits };
    l.maxCircuitsPerAddr = Math.min(l.maxCircuitsPerAddr, l.maxCircuits);
    this.limits = l;
    this.quota = new Quota(l);
    this.udpTokens = l.searchesPerSecond;
  }

  /** Passes a warning on, at most WARN_BURST per minute; the rest are counted and reported once. */
  private warn(text: string): void {
    const now = Date.now();
    if (now - this.warnWindow >= WARN_WINDOW_MS) {
      if (this.warnDropped) this.o.onWarn?.(`${this.warnDropped} more client warnings in the last minute`);
      this.warnWindow = now;
      this.warnCount = 0;
      this.warnDropped = 0;
    }
    if (++this.warnCount <= WARN_BURST) this.o.onWarn?.(text);
    else this.warnDropped++;
  }

  /** Binds every address; throws the errno of the first failure (EADDRINUSE...). */
  async start(): Promise<void> {
    this.port = this.o.port;
    try {
      for (const addr of this.o.addrs) {
        const srv = net.createServer({ noDelay: true }, (s) => this.accept(s));
        this.tcp.push(srv);
        await new Promise<void>((res, rej) => {
          srv.once('error', rej);
          srv.listen({ port: this.port, host: addr, exclusive: true }, () => {
            srv.off('error', rej);
            res();
          });
        });
        srv.on('error', (e) => this.o.onWarn?.(`TCP listener: ${e.message}`));
        if (this.port === 0) this.port = (srv.address() as net.AddressInfo).port;
        const sock = dgram.createSocket({ type: 'udp4', reuseAddr: false });
        this.udp.push(sock);
        await new Promise<void>((res, rej) => {
          sock.once('error', rej);
          sock.bind({ port: this.port, address: addr, exclusive: true }, () => {
            sock.off('error', rej);
            res();
          });
        });
        sock.on('error', () => undefined);
        sock.on('message', (m, rinfo) => this.search(sock, m, rinfo));
        const b = new Beacons(sock, this.o.beacons, this.port, addr, this.o.beaconPeriodMs);
        this.beacons.push(b);
      }
    } catch (e) {
      this.close();
      throw e;
    }
    try { for (const s of this.udp) s.setBroadcast(true); } catch { /* only needed for broadcast beacons */ }
    for (const b of this.beacons) b.start();
    this.sweepTimer = setInterval(() => this.sweep(), SWEEP_MS);
    this.sweepTimer.unref();
    this.unlisten = this.registry.onRemove((pv) => {
      for (const c of this.circuits) c.pvRemoved(pv);
    });
  }

  /** Number of connected clients. */
  get circuitCount(): number {
    return this.circuits.size;
  }

  private accept(s: net.Socket): void {
    const ip = peer(s.remoteAddress);
    if (this.ignore.has(ip)) {
      s.destroy();
      return;
    }
    if (!this.makeRoom(ip)) {
      this.warn(`refused a client from ${ip}: ${this.quota.over('circuits', ip) === 'address'
        ? `${this.limits.maxCircuitsPerAddr} circuits from that address` : `${this.limits.maxCircuits} circuits`} already, all busy`);
      s.destroy();
      return;
    }
    this.quota.take('circuits', ip);
    const c = new Circuit(s, {
      registry: this.registry,
      access: this.o.access,
      limits: this.limits,
      quota: this.quota,
      port: this.port,
      onClose: (cc, why) => {
        this.circuits.delete(cc);
        this.quota.give('circuits', cc.ip);
        if (why) this.warn(`closed the circuit of ${cc.user || '?'}@${cc.host || cc.ip}: ${why}`);
      },
      onLimit: (cc, text) => this.warn(`client ${cc.user || '?'}@${cc.host || cc.ip}: ${text}`),
      onTotalQueueOver: () => this.shed(),
    });
    this.circuits.add(c);
  }

  /**
   * Makes room for one more circuit from `ip` when a connection limit is reached, by closing the
   * oldest evictable circuit (of that address when the address is full); false when none is.
   */
  private makeRoom(ip: string): boolean {
    const now = Date.now();
    for (let i = 0; i < 2; i++) {
      const over = this.quota.over('circuits', ip);
      if (!over) return true;
      const victim = this.victim(now, over === 'address' ? ip : undefined);
      if (!victim) return false;
      victim.close(`closed for a new client (${over === 'address' ? 'address' : 'server'} full, this circuit idle)`);
    }
    return !this.quota.over('circuits', ip);
  }

  /** The oldest circuit without channels, else the oldest silent one (from `ip` if given). */
  private victim(now: number, ip?: string): Circuit | undefined {
    let silent: Circuit | undefined;
    for (const c of this.circuits) {
      if (ip !== undefined && c.ip !== ip) continue;
      if (!c.evictable(now)) continue;
      if (c.channelCount === 0) return c;
      silent ??= c;
    }
    return silent;
  }

  /** Applies every circuit's timeouts. */
  private sweep(): void {
    const now = Date.now();
    for (const c of [...this.circuits]) c.check(now);
  }

  /** All circuits queue more than totalQueueHard: the longest queues are closed until under totalQueueSoft. */
  private shed(): void {
    if (this.shedding) return;
    this.shedding = true;
    try {
      const byQueue = [...this.circuits].sort((a, b) => b.queued - a.queued);
      for (const c of byQueue) {
        if (this.quota.queued <= this.limits.totalQueueSoft || c.queued === 0) break;
        c.close(`send queue of all clients over ${this.limits.totalQueueHard} bytes, this one the longest (${c.queued} bytes)`);
      }
    } finally {
      this.shedding = false;
    }
  }

  /** Refills the search budget (searchesPerSecond, continuously) and tells how many names may be looked up now. */
  private udpBudget(): number {
    const now = Date.now();
    const rate = this.limits.searchesPerSecond;
    this.udpTokens = Math.min(rate, this.udpTokens + ((now - this.udpRefilled) * rate) / 1000);
    this.udpRefilled = now;
    return Math.floor(this.udpTokens);
  }

  private search(sock: dgram.Socket, m: Buffer, rinfo: dgram.RemoteInfo): void {
    if (this.ignore.has(rinfo.address)) return;
    const budget = this.udpBudget();
    if (budget < 1) return;
    let replies: Buffer[];
    const seen = { searches: 0 };
    try {
      replies = answerSearch(m, (name) => this.registry.get(name) !== undefined, this.port, Math.min(budget, this.limits.searchesPerDatagram), seen);
    } catch {
      return;
    } finally {
      // an empty or malformed datagram costs one
      this.udpTokens -= Math.max(1, seen.searches);
    }
    for (const r of replies) {
      if (this.udpInFlight >= this.limits.udpInFlight) return;
      this.udpInFlight++;
      try {
        sock.send(r, rinfo.port, rinfo.address, () => this.udpInFlight--);
      } catch {
        this.udpInFlight--;
      }
    }
  }

  /** Stops listening and closes every circuit. */
  close(): void {
    this.unlisten?.();
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    for (const b of this.beacons) b.stop();
    for (const s of this.tcp) s.close();
    for (const s of this.udp) try { s.close(); } catch { /* not bound */ }
    for (const c of [...this.circuits]) c.close();
  }
}

/** An IPv4 peer address without the IPv6-mapped prefix. */
function peer(a: string | undefined): string {
  return (a ?? '').replace(/^::ffff:/, '');
}
