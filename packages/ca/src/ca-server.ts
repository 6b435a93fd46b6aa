/**
 * The Channel Access server: for each interface address, a UDP socket answering name searches
 * and a TCP listener for virtual circuits, all on one port; beacons; and the PV registry.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { AccessPolicy } from './access.js';
import { Beacons, type Endpoint } from './beacon.js';
import { Circuit } from './circuit.js';
import { answerSearch } from './name-search.js';
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
  /** Client addresses whose searches and connections are ignored (EPICS_CAS_IGNORE_ADDR_LIST). */
  ignore?: string[];
  /** Told about circuits that close with an error (at most WARN_BURST in a row, then a count each minute). */
  onWarn?: (text: string) => void;
}

/** Warnings let through before they are only counted (a flood of bad clients must not flood the log). */
const WARN_BURST = 20;
const WARN_WINDOW_MS = 60_000;

/** Defaults for the limits. */
export const DEFAULT_MAX_QUEUE = 4 * 1024 * 1024;
export const DEFAULT_MAX_CIRCUITS = 1024;
const MAX_PAYLOAD = 64 * 1024;
const MAX_CHANNELS = 100_000;

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
  port = 0;

  constructor(private readonly registry: PvRegistry, private readonly o: ServerOptions) {
    this.ignore = new Set(o.ignore ?? []);
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
    this.unlisten = this.registry.onRemove((pv) => {
      for (const c of this.circuits) c.pvRemoved(pv);
    });
  }

  /** Number of connected clients. */
  get circuitCount(): number {
    return this.circuits.size;
  }

  private accept(s: net.Socket): void {
    if (this.ignore.has(peer(s.remoteAddress))) {
      s.destroy();
      return;
    }
    if (this.circuits.size >= this.o.maxCircuits) {
      this.warn(`refused a client from ${s.remoteAddress}: ${this.o.maxCircuits} circuits already`);
      s.destroy();
      return;
    }
    const c = new Circuit(s, {
      registry: this.registry,
      access: this.o.access,
      maxQueue: this.o.maxQueue,
      maxPayload: MAX_PAYLOAD,
      maxChannels: MAX_CHANNELS,
      port: this.port,
      onClose: (cc, why) => {
        this.circuits.delete(cc);
        if (why) this.warn(`closed the circuit of ${cc.user || '?'}@${cc.host || cc.ip}: ${why}`);
      },
    });
    this.circuits.add(c);
  }

  private search(sock: dgram.Socket, m: Buffer, rinfo: dgram.RemoteInfo): void {
    if (this.ignore.has(rinfo.address)) return;
    let replies: Buffer[];
    try {
      replies = answerSearch(m, (name) => this.registry.get(name) !== undefined, this.port);
    } catch {
      return;
    }
    for (const r of replies) sock.send(r, rinfo.port, rinfo.address, () => undefined);
  }

  /** Stops listening and closes every circuit. */
  close(): void {
    this.unlisten?.();
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
