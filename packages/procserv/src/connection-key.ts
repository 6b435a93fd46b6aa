/**
 * Who a TCP connection counts against for the per-address limit: its remote address, except on
 * loopback, where every local user shares 127.0.0.1 and the key is the uid owning the connecting
 * socket (the kernel's /proc/net/tcp lists it), so that one local user cannot fill another's slots.
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';

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
export function connectionKey(socket: net.Socket): string {
  let remote = socket.remoteAddress ?? '?';
  if (!isLoopback(remote) || socket.remotePort === undefined || socket.localAddress === undefined || socket.localPort === undefined) return `addr:${remote}`;
  let local = socket.localAddress;
  if (remote.startsWith('::ffff:')) remote = remote.slice(7);
  if (local.startsWith('::ffff:')) local = local.slice(7);
  const from = procAddress(remote, socket.remotePort);
  const to = procAddress(local, socket.localPort);
  if (from === undefined || to === undefined) return `addr:${remote}`;
  try {
    const owner = socketOwner(readFileSync(remote === '::1' ? '/proc/net/tcp6' : '/proc/net/tcp', 'latin1'), from, to);
    if (owner !== undefined) return `uid:${owner}`;
  } catch { /* no /proc: by address */ }
  return `addr:${remote}`;
}
