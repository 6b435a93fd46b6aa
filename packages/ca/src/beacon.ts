/**
 * Beacons (RSRV_IS_UP) to the beacon address list, so that clients notice a new or restarted
 * server at once: sent at 0, 20, 60, 140 ms ... doubling up to the beacon period. Send errors
 * (no repeater listening, unreachable networks) are ignored.
 */
import type { Socket } from 'node:dgram';
import { isIPv4 } from 'node:net';
import { CMD, MINOR_VERSION, encode } from './wire.js';

/** A host and UDP port. */
export interface Endpoint {
  host: string;
  port: number;
}

/** Sends beacons until stopped. */
export class Beacons {
  private id = 0;
  private timer?: NodeJS.Timeout;
  private delay = 20;

  constructor(
    private readonly sock: Socket,
    private readonly targets: Endpoint[],
    private readonly tcpPort: number,
    private readonly serverAddr: string,
    private readonly periodMs: number,
  ) {}

  start(): void {
    this.send();
    this.schedule();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.send();
      this.delay = Math.min(this.delay * 2, this.periodMs);
      this.schedule();
    }, this.delay);
    this.timer.unref();
  }

  private send(): void {
    const addr = isIPv4(this.serverAddr) && this.serverAddr !== '0.0.0.0' ? ipv4ToU32(this.serverAddr) : 0;
    const b = encode(CMD.RSRV_IS_UP, MINOR_VERSION, this.tcpPort, this.id++, addr);
    for (const t of this.targets) {
      try {
        this.sock.send(b, t.port, t.host, () => undefined);
      } catch { /* closed or unreachable: beacons are best effort */ }
    }
  }
}

/** The u32 of a dotted IPv4 address. */
export function ipv4ToU32(a: string): number {
  return a.split('.').reduce((n, p) => n * 256 + Number(p), 0) >>> 0;
}
