/**
 * Connections per client address and in all: a connection past either limit is closed at once
 * (before it can send anything), with one warning per address each time it reaches its limit.
 */
import type { Server } from 'node:net';

/** What the limiter counts (for tests and the report). */
export interface ConnectionCount {
  readonly total: number;
  byAddress(addr: string): number;
}

/** Counts the connections of `server` and closes those past the limits. */
export function limitConnections(server: Server, perAddress: number, total: number, warn: (msg: string) => void): ConnectionCount {
  const byAddr = new Map<string, number>();
  /** Addresses told about (until they go under their limit again), and whether the total was. */
  const warned = new Set<string>();
  let all = 0;
  let warnedTotal = false;
  // before the HTTP server's own listener: a refused socket is destroyed before its parser reads anything
  server.prependListener('connection', (sock) => {
    const addr = sock.remoteAddress ?? '?';
    const n = byAddr.get(addr) ?? 0;
    if (n >= perAddress || all >= total) {
      sock.destroy();
      if (n >= perAddress && !warned.has(addr)) {
        warned.add(addr);
        warn(`refusing connections from ${addr}: it has ${n} open (limit ${perAddress})`);
      } else if (n < perAddress && !warnedTotal) {
        warnedTotal = true;
        warn(`refusing connections: ${all} open (limit ${total})`);
      }
      return;
    }
    byAddr.set(addr, n + 1);
    all++;
    sock.once('close', () => {
      all--;
      const m = (byAddr.get(addr) ?? 1) - 1;
      if (m > 0) byAddr.set(addr, m);
      else byAddr.delete(addr);
      if (m < perAddress) warned.delete(addr);
      if (all < total) warnedTotal = false;
    });
  });
  return {
    get total() {
      return all;
    },
    byAddress: (addr) => byAddr.get(addr) ?? 0,
  };
}
