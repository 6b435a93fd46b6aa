/**
 * Who a TCP connection counts against for the per-address limit: its remote address, except on
 * loopback, where every local user shares 127.0.0.1 and the key is the uid owning the connecting
 * socket (the kernel's /proc/net/tcp lists it), so that one local user cannot fill another's slots.
 * The table is read asynchronously, one look-up at a time, at most MAX_PENDING_LOOKUPS waiting: a
 * flood of connections neither blocks the event loop nor queues without bound.
 */
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import { MAX_PENDING_LOOKUPS } from './limits.js';

/** /proc/net/tcp's form of an address and port: the address in host (little-endian) 32-bit words, the port in hex. */
function procAddress(ip: string, port: number): string | undefined {
  let bytes: number[];
  if (net.isIPv4(ip)) bytes = ip.split('.').map(Number);
  else if (ip === '::1') bytes = [...Array(15).fill(0), 1];
  else return undefined;
  let hex = '';
  for (let w = 0; w < bytes.length; w += 4) {
    for (let b = 3; b >= 0; b--) hex += bytes[w + b]!.toString(16).padStart(2, '0');
  }
  return `${hex.toUpperCase()}:${port.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** The uid owning the socket whose local end is `from` and remote end is `to`, from a /proc/net/tcp{,6} text. */
export function socketOwner(table: string, from: string, to: string): number | undefined {
  for (const line of table.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[1] === from && f[2] === to && f[7] !== undefined) return Number(f[7]);
  }
  return undefined;
}

function isLoopback(ip: string): boolean {
  return ip === '::1' || ip.startsWith('127.') || ip.startsWith('::ffff:127.');
}

/** The per-address key of an accepted TCP connection (`uid:N` on loopback when found, else `addr:IP`). */
async function lookUp(socket: net.Socket): Promise<string> {
  let remote = socket.remoteAddress ?? '?';
  if (!isLoopback(remote) || socket.remotePort === undefined || socket.localAddress === undefined || socket.localPort === undefined) return `addr:${remote}`;
  let local = socket.localAddress;
  if (remote.startsWith('::ffff:')) remote = remote.slice(7);
  if (local.startsWith('::ffff:')) local = local.slice(7);
  const from = procAddress(remote, socket.remotePort);
  const to = procAddress(local, socket.localPort);
  if (from === undefined || to === undefined) return `addr:${remote}`;
  try {
    const owner = socketOwner(await readFile(remote === '::1' ? '/proc/net/tcp6' : '/proc/net/tcp', 'latin1'), from, to);
    if (owner !== undefined) return `uid:${owner}`;
  } catch { /* no /proc: by address */ }
  return `addr:${remote}`;
}

/** Serialised look-ups of connection keys. */
export class ConnectionKeys {
  private queue: { socket: net.Socket; done(key: string | undefined): void }[] = [];
  private busy = false;

  /**
   * Calls `done` with the key of `socket`, or with undefined when MAX_PENDING_LOOKUPS look-ups
   * already wait (the caller refuses the connection: it is one of a flood).
   */
  keyOf(socket: net.Socket, done: (key: string | undefined) => void): void {
    if (this.queue.length >= MAX_PENDING_LOOKUPS) { done(undefined); return; }
    this.queue.push({ socket, done });
    if (!this.busy) void this.next();
  }

  private async next(): Promise<void> {
    this.busy = true;
    for (let job = this.queue.shift(); job; job = this.queue.shift()) {
      let key: string;
      try { key = await lookUp(job.socket); } catch { key = `addr:${job.socket.remoteAddress ?? '?'}`; }
      job.done(key);
    }
    this.busy = false;
  }
}
