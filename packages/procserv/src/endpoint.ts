/** Console endpoints: procServ's specifications (`PORT`, `IFACE:PORT`, `unix:PATH`, `unix:USER:GROUP:PERM:PATH`, `unix:@NAME`). */
import { chmodSync, chownSync, closeSync, constants, fstatSync, lstatSync, mkdtempSync, openSync, readFileSync, renameSync, rmdirSync, statSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import net from 'node:net';
import { errnoError } from '@svkit/diag';
import { closeQuiet, getpwnam, listenAbstract, umask } from '@svkit/sys';

/** A parsed endpoint. */
export type Endpoint =
  | { kind: 'tcp'; host: string | undefined; port: number }
  | { kind: 'unix'; path: string; abstract: boolean; user?: string; group?: string; perm?: number };

/** Parses an endpoint specification; throws on malformed input. */
export function parseEndpoint(spec: string): Endpoint {
  if (spec.startsWith('unix:')) {
    const rest = spec.slice(5);
    if (rest.startsWith('@')) {
      if (rest.length < 2) throw new Error(`bad endpoint ${spec}: empty abstract socket name`);
      return { kind: 'unix', path: rest.slice(1), abstract: true };
    }
    const parts = rest.split(':');
    if (parts.length >= 4) {
      const [user, group, perm] = parts;
      const path = parts.slice(3).join(':');
      if (!path) throw new Error(`bad endpoint ${spec}: empty path`);
      if (perm && !/^[0-7]{1,4}$/.test(perm)) throw new Error(`bad endpoint ${spec}: permissions must be octal`);
      return { kind: 'unix', path, abstract: false, user: user || undefined, group: group || undefined, perm: perm ? parseInt(perm, 8) : undefined };
    }
    if (!rest) throw new Error(`bad endpoint ${spec}: empty path`);
    return { kind: 'unix', path: rest, abstract: false };
  }
  const m = /^(?:(.+):)?(\d{1,5})$/.exec(spec);
  if (!m) throw new Error(`bad endpoint ${spec}: expected PORT, IFACE:PORT or unix:PATH`);
  const port = Number(m[2]);
  if (port < 1 || port > 65535) throw new Error(`bad endpoint ${spec}: port out of range`);
  const host = m[1];
  if (host !== undefined && net.isIP(host) === 0) throw new Error(`bad endpoint ${spec}: interface address must be numeric`);
  return { kind: 'tcp', host, port };
}

/** The address actually bound for a TCP endpoint: loopback unless access from anywhere is allowed. */
export function bindHost(ep: Endpoint & { kind: 'tcp' }, allowRemote: boolean): string {
  if (!allowRemote) return '127.0.0.1';
  return ep.host ?? '0.0.0.0';
}

/** The endpoint as procServ's info file lists it (`tcp:ADDR:PORT`, `unix:PATH`). */
export function describeEndpoint(ep: Endpoint, allowRemote: boolean): string {
  if (ep.kind === 'tcp') return `tcp:${bindHost(ep, allowRemote)}:${ep.port}`;
  return ep.abstract ? `unix:@${ep.path}` : `unix:${ep.path}`;
}

/** True when something accepts connections on UNIX socket `path`. */
function socketInUse(path: string): Promise<boolean> {
  return new Promise((res) => {
    const s = net.connect(path);
    s.once('connect', () => { s.destroy(); res(true); });
    s.once('error', () => res(false));
  });
}

/** The gid of group `name` (or a number); ENOENT for an unknown group. */
export function groupId(name: string): number {
  if (/^\d+$/.test(name)) return Number(name);
  for (const line of readFileSync('/etc/group', 'utf8').split('\n')) {
    const f = line.split(':');
    if (f[0] === name && f[2]) return Number(f[2]);
  }
  throw errnoError('ENOENT', `unknown group ${name}`);
}

function userId(name: string): number {
  if (/^\d+$/.test(name)) return Number(name);
  const pw = getpwnam(name);
  if (!pw) throw errnoError('ENOENT', `unknown user ${name}`);
  return pw.uid;
}

/**
 * A private directory made beside `path` (mode 0700, ours), held open: names inside it are reached
 * through /proc/self/fd/N, so that nobody can swap the directory itself for another under us.
 */
function privateDir(path: string): { dir: string; fd: number; inside(name: string): string; remove(): void } {
  const dir = mkdtempSync(join(dirname(path), `.${basename(path)}.`));
  let fd: number;
  try {
    fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  } catch (e) {
    try { rmdirSync(dir); } catch { /* not ours to remove any more */ }
    throw e;
  }
  const st = fstatSync(fd);
  if (st.uid !== (process.geteuid?.() ?? 0) || (st.mode & 0o777) !== 0o700) {
    closeSync(fd);
    throw errnoError('EPERM', `${dir} was replaced while it was being made`);
  }
  return {
    dir,
    fd,
    inside: (name) => `/proc/self/fd/${fd}/${name}`,
    remove() {
      // by name in the (possibly hostile) parent: at worst an empty directory of someone else's goes
      try { rmdirSync(dir); } catch { /* renamed away, or not empty: left behind */ }
    },
  };
}

/**
 * Starts listening on `ep`. A stale UNIX socket file (nobody accepting) is replaced; a live one is
 * EADDRINUSE. UNIX sockets are created owner-only (0600) unless the specification gives permissions.
 * The socket is bound in a private directory made beside the path (0700, ours, held open and reached
 * through its descriptor), given its mode and owner there, where no other user can put a link in
 * its place, then renamed into place (so the path never refuses connections and no chmod or chown
 * ever goes through a name another user controls), and removed again when the server closes. An
 * abstract name is bound exactly (no NUL padding), so that socat's ABSTRACT-CONNECT and other
 * programs reach it by the same name.
 */
export async function listenEndpoint(ep: Endpoint, allowRemote: boolean, onConnection: (s: net.Socket) => void): Promise<net.Server> {
  const server = net.createServer({ pauseOnConnect: false, noDelay: true }, onConnection);
  if (ep.kind === 'tcp') {
    await listen(server, { host: bindHost(ep, allowRemote), port: ep.port, exclusive: true });
    return server;
  }
  if (ep.abstract) {
    const fd = listenAbstract(ep.path);
    try {
      await listen(server, { fd });
    } catch (e) {
      closeQuiet(fd);
      throw e;
    }
    return server;
  }
  // Node reports a missing directory as EACCES: find the real reason first
  const dir = statSync(dirname(ep.path));
  if (!dir.isDirectory()) throw errnoError('ENOTDIR', `${dirname(ep.path)} is not a directory`);
  let st;
  try { st = lstatSync(ep.path); } catch { st = undefined; }
  if (st) {
    if (!st.isSocket()) throw errnoError('EEXIST', `${ep.path} exists and is not a socket`);
    if (await socketInUse(ep.path)) throw errnoError('EADDRINUSE', `${ep.path} is in use`);
  }
  const uid = ep.user !== undefined ? userId(ep.user) : -1;
  const gid = ep.group !== undefined ? groupId(ep.group) : -1;
  const priv = privateDir(ep.path);
  const tmp = priv.inside('socket');
  let placed;
  try {
    const old = umask(0o177);
    try {
      await listen(server, { path: tmp });
    } finally {
      umask(old);
    }
    try {
      chmodSync(tmp, ep.perm ?? 0o600);
      if (uid !== -1 || gid !== -1) chownSync(tmp, uid, gid);
      placed = lstatSync(tmp);
      renameSync(tmp, ep.path);
    } catch (e) {
      server.close();
      throw e;
    }
  } catch (e) {
    closeSync(priv.fd);
    priv.remove();
    throw e;
  }
  priv.remove();
  const close = server.close.bind(server);
  server.close = (cb) => {
    // only our socket: someone who can write the directory may have put another file there since
    try {
      const st = lstatSync(ep.path);
      if (st.ino === placed.ino && st.dev === placed.dev) unlinkSync(ep.path);
    } catch { /* already gone */ }
    const r = close(cb);
    closeSync(priv.fd); // after the close, which unlinks the bound name (gone already) through it
    return r;
  };
  return server;
}

/** Listens on an address, or (`fd`) on a socket already bound. */
function listen(server: net.Server, opts: net.ListenOptions | { fd: number }): Promise<void> {
  return new Promise((res, rej) => {
    const onErr = (e: Error): void => rej(e);
    server.once('error', onErr);
    const done = (): void => {
      server.off('error', onErr);
      res();
    };
    if ('fd' in opts) server.listen(opts, done);
    else server.listen(opts, done);
  });
}
