/**
 * The module that loads libc through koffi (spawn.ts and fd-passing.ts bind their calls through
 * its `lib`): the system calls Node does not offer
 * (execve, setrlimit, flock, mkfifo, pipe2, setsid, setgroups, pidfd, poll, waitpid, inotify,
 * abstract UNIX sockets, child subreaper).
 * Every wrapper throws an Error with the errno `code` (as Node's fs errors do) on failure.
 */
import { createRequire } from 'node:module';
import { constants } from 'node:os';
import { errnoError } from '@svkit/diag';
// first: it snapshots the inherited fds, before koffi loads Node's crypto (whose thread opens files)
import { prepareFdsForExec, settleNodeCrypto } from './inherited-fds.js';

// loaded here, not by an import statement: a bundle (esbuild) would hoist that above the snapshot
const load = createRequire(import.meta.url);
const koffi = loadKoffi();

/**
 * koffi's native module, without its index.js: that one also loads https, crypto and zlib (for
 * its build tool), which a supervisor pays for in memory. Where there is no prebuilt module for
 * this platform by that name (musl, armhf...), the package's own loader finds the right one.
 */
function loadKoffi(): typeof import('koffi') {
  try {
    return load(`koffi/build/koffi/${process.platform}_${process.arch}/koffi.node`) as typeof import('koffi');
  } catch {
    return load('koffi') as typeof import('koffi');
  }
}
settleNodeCrypto(load); // koffi loads crypto: no file Node opens for that may stay open for a child
/** libc, for the sibling modules that bind calls of their own (spawn.ts, fd-passing.ts). */
export const lib = koffi.load('libc.so.6');
/** koffi itself (errno, decode), for the sibling modules. */
export { koffi };

/** errno number -> name (ENOENT...). */
export const errnoNames: Record<number, string> = {};
for (const [name, num] of Object.entries(constants.errno)) errnoNames[num] ??= name;

/** Throws the current errno as an Error with `code`, naming the failed call. */
export function fail(call: string, arg?: string): never {
  const n = koffi.errno();
  const code = errnoNames[n] ?? `E${n}`;
  throw errnoError(code, arg === undefined ? call : `${call} '${arg}'`, -n);
}

/** Checks a libc return value: -1 means failure with errno set. */
export function check(r: number | bigint, call: string, arg?: string): number {
  if (Number(r) === -1) fail(call, arg);
  return Number(r);
}

const c = {
  flock: lib.func('int flock(int fd, int op)'),
  mkfifo: lib.func('int mkfifo(const char *path, uint32_t mode)'),
  pipe2: lib.func('int pipe2(_Out_ int *fds, int flags)'),
  setsid: lib.func('int setsid()'),
  getpgrp: lib.func('int getpgrp()'),
  execve: lib.func('int execve(const char *path, const char **argv, const char **envp)'),
  sigprocmask: lib.func('int sigprocmask(int how, const uint8_t *set, _Out_ uint8_t *old)'),
  signal: lib.func('void *signal(int sig, void *handler)'),
  fcntl: lib.func('int fcntl(int fd, int cmd, ...)'),
  getrlimit: lib.func('int getrlimit(int res, _Out_ uint64_t *lim)'),
  setrlimit: lib.func('int setrlimit(int res, const uint64_t *lim)'),
  setuid: lib.func('int setuid(uint32_t uid)'),
  setgid: lib.func('int setgid(uint32_t gid)'),
  setgroups: lib.func('int setgroups(size_t n, const uint32_t *groups)'),
  getgrouplist: lib.func('int getgrouplist(const char *user, uint32_t group, _Out_ uint32_t *groups, _Inout_ int *ngroups)'),
  getpwnam: lib.func('void *getpwnam(const char *name)'),
  getpwuid: lib.func('void *getpwuid(uint32_t uid)'),
  syscall: lib.func('long syscall(long number, ...)'),
  poll: lib.func('int poll(_Inout_ uint8_t *fds, unsigned long n, int timeout)'),
  waitpid: lib.func('int waitpid(int pid, _Out_ int *status, int options)'),
  dup2: lib.func('int dup2(int from, int to)'),
  close: lib.func('int close(int fd)'),
  isatty: lib.func('int isatty(int fd)'),
  umask: lib.func('uint32_t umask(uint32_t mask)'),
  inotify_init1: lib.func('int inotify_init1(int flags)'),
  inotify_add_watch: lib.func('int inotify_add_watch(int fd, const char *path, uint32_t mask)'),
  inotify_rm_watch: lib.func('int inotify_rm_watch(int fd, int wd)'),
  ioctl: lib.func('int ioctl(int fd, unsigned long req, ...)'),
  socket: lib.func('int socket(int domain, int type, int protocol)'),
  bind: lib.func('int bind(int fd, const uint8_t *addr, uint32_t len)'),
  listen: lib.func('int listen(int fd, int backlog)'),
  connect: lib.func('int connect(int fd, const uint8_t *addr, uint32_t len)'),
  unshare: lib.func('int unshare(int flags)'),
  prctl: lib.func('int prctl(int option, unsigned long arg2, unsigned long arg3, unsigned long arg4, unsigned long arg5)'),
};

const CLONE_FILES = 0x400;

/** flock(2) operations. */
export const LOCK_SH = 1;
export const LOCK_EX = 2;
export const LOCK_NB = 4;
export const LOCK_UN = 8;

/** Applies or removes an advisory lock on an open file (EWOULDBLOCK when held and LOCK_NB). */
export function flock(fd: number, op: number): void {
  check(c.flock(fd, op), 'flock');
}

/** Creates a FIFO (named pipe) at `path` with `mode` (before umask). */
export function mkfifo(path: string, mode: number): void {
  check(c.mkfifo(path, mode), 'mkfifo', path);
}

/** pipe2 flag: close-on-exec. */
export const O_CLOEXEC = 0o2000000;
/** pipe2 flag: non-blocking. */
export const O_NONBLOCK_FLAG = 0o4000;

/** Creates a pipe; returns [readEnd, writeEnd]. */
export function pipe2(flags = O_CLOEXEC): [number, number] {
  const fds = new Int32Array(2);
  check(c.pipe2(fds, flags), 'pipe2');
  return [fds[0]!, fds[1]!];
}

/** Starts a new session (and process group); returns the session id. */
export function setsid(): number {
  return check(c.setsid(), 'setsid');
}

/** The caller's process group id. */
export function getpgrp(): number {
  return c.getpgrp();
}

const F_GETFD = 1;
const F_SETFD = 2;
const F_GETFL = 3;
const F_SETFL = 4;
const FD_CLOEXEC = 1;

/** Sets or clears O_NONBLOCK on `fd`. */
export function setNonBlocking(fd: number, on: boolean): void {
  const fl = check(c.fcntl(fd, F_GETFL), 'fcntl');
  const want = on ? fl | O_NONBLOCK_FLAG : fl & ~O_NONBLOCK_FLAG;
  if (want !== fl) check(c.fcntl(fd, F_SETFL, 'int', want), 'fcntl');
}

/** Sets or clears FD_CLOEXEC on `fd`. */
export function setCloseOnExec(fd: number, on: boolean): void {
  const fl = check(c.fcntl(fd, F_GETFD), 'fcntl');
  const want = on ? fl | FD_CLOEXEC : fl & ~FD_CLOEXEC;
  if (want !== fl) check(c.fcntl(fd, F_SETFD, 'int', want), 'fcntl');
}

const F_DUPFD_CLOEXEC = 1030;

/** A new close-on-exec descriptor (3 or above) for what `fd` refers to: fcntl(F_DUPFD_CLOEXEC). */
export function dupFd(fd: number): number {
  return check(c.fcntl(fd, F_DUPFD_CLOEXEC, 'int', 3), 'fcntl');
}

/** dup2(2). */
export function dup2(from: number, to: number): void {
  check(c.dup2(from, to), 'dup2');
}

/** close(2), ignoring errors. */
export function closeQuiet(fd: number): void {
  c.close(fd);
}

/** Sets the process umask; returns the previous one. */
export function umask(mask: number): number {
  return c.umask(mask);
}

/** Resets every signal to its default action and empties the signal mask (what a fresh exec expects). */
export function resetSignals(): void {
  for (let n = 1; n < 32; n++) {
    if (n === 9 || n === 19) continue; // KILL, STOP cannot change
    c.signal(n, null);
  }
  const empty = new Uint8Array(128);
  check(c.sigprocmask(2 /* SIG_SETMASK */, empty, null), 'sigprocmask');
}

/**
 * Replaces the process image: execve(2). Resets signal dispositions and mask first and clears
 * O_NONBLOCK on fds 0-2 (Node may have set it); only fds 0-2, the inherited descriptors and those
 * passed with `passOnExec` reach the program (see inherited-fds.ts). `lastStep` runs just before the
 * execve call itself. Returns only by throwing; after a failure the process must only report and exit.
 */
export function execve(path: string, argv: string[], env: NodeJS.ProcessEnv, lastStep?: () => void): never {
  const envp: (string | null)[] = [];
  for (const [k, v] of Object.entries(env)) if (v !== undefined) envp.push(`${k}=${v}`);
  envp.push(null);
  for (const fd of [0, 1, 2]) {
    try { setNonBlocking(fd, false); } catch { /* closed fd: leave it */ }
  }
  prepareFdsForExec(() => check(c.unshare(CLONE_FILES), 'unshare'), setCloseOnExec);
  resetSignals();
  const args = [...argv, null];
  lastStep?.(); // e.g. setrlimit: as late as possible, so that Node itself does not run under the new limits
  c.execve(path, args, envp);
  fail('execve', path);
}

/** Resource numbers for get/setrlimit (Linux). */
export const RLIMIT = {
  CPU: 0, FSIZE: 1, DATA: 2, STACK: 3, CORE: 4, RSS: 5, NPROC: 6, NOFILE: 7, MEMLOCK: 8, AS: 9,
} as const;
/** The "unlimited" rlimit value. */
export const RLIM_INFINITY = 0xffffffffffffffffn;

/** Reads a resource limit: [soft, hard]. */
export function getrlimit(res: number): [bigint, bigint] {
  const lim = new BigUint64Array(2);
  check(c.getrlimit(res, lim), 'getrlimit');
  return [lim[0]!, lim[1]!];
}

/** Sets a resource limit. */
export function setrlimit(res: number, soft: bigint, hard: bigint): void {
  check(c.setrlimit(res, new BigUint64Array([soft, hard])), 'setrlimit');
}

/** setuid(2). */
export function setuid(uid: number): void {
  check(c.setuid(uid), 'setuid');
}

/** setgid(2). */
export function setgid(gid: number): void {
  check(c.setgid(gid), 'setgid');
}

/** setgroups(2): the supplementary group list becomes exactly `groups`. */
export function setgroups(groups: number[]): void {
  check(c.setgroups(groups.length, new Uint32Array(groups.length ? groups : [0])), 'setgroups');
}

/** A user's account entry. */
export interface Passwd {
  name: string;
  uid: number;
  gid: number;
  dir: string;
  shell: string;
}

const passwdType = koffi.struct('svkit_passwd', {
  pw_name: 'const char *',
  pw_passwd: 'const char *',
  pw_uid: 'uint32_t',
  pw_gid: 'uint32_t',
  pw_gecos: 'const char *',
  pw_dir: 'const char *',
  pw_shell: 'const char *',
});

/** Looks up a user by name through NSS (getpwnam); undefined when there is no such user. */
export function getpwnam(name: string): Passwd | undefined {
  return decodePasswd(c.getpwnam(name));
}

/** Looks up a user by uid through NSS (getpwuid); undefined when there is no such user. */
export function getpwuid(uid: number): Passwd | undefined {
  return decodePasswd(c.getpwuid(uid));
}

function decodePasswd(p: unknown): Passwd | undefined {
  if (!p) return undefined;
  const s = koffi.decode(p, passwdType) as Record<string, string | number>;
  return {
    name: String(s.pw_name), uid: Number(s.pw_uid), gid: Number(s.pw_gid),
    dir: String(s.pw_dir ?? ''), shell: String(s.pw_shell ?? ''),
  };
}

/** All groups of `user` (primary `gid` first), as initgroups would set them. */
export function getgrouplist(user: string, gid: number): number[] {
  let size = 64;
  for (;;) {
    const buf = new Uint32Array(size);
    const n = new Int32Array([size]);
    const r = c.getgrouplist(user, gid, buf, n);
    if (r !== -1) return [...buf.subarray(0, n[0]!)];
    size = Math.max(size * 2, n[0]! + 1);
  }
}

const SYS_pidfd_open = 434;
const SYS_pidfd_send_signal = 424;

/** Opens a pidfd for `pid` (Linux >= 5.3): a handle that cannot be confused by pid reuse. */
export function pidfdOpen(pid: number): number {
  return check(c.syscall(SYS_pidfd_open, 'int', pid, 'unsigned int', 0), 'pidfd_open');
}

/** Sends `sig` through a pidfd. */
export function pidfdSendSignal(pidfd: number, sig: number): void {
  check(c.syscall(SYS_pidfd_send_signal, 'int', pidfd, 'int', sig, 'void *', null, 'unsigned int', 0), 'pidfd_send_signal');
}

/** poll(2) with timeout 0 on many fds: returns the fds that are readable or hung up. */
export function pollReadable(fds: number[]): number[] {
  if (fds.length === 0) return [];
  const buf = Buffer.alloc(8 * fds.length);
  fds.forEach((fd, i) => {
    buf.writeInt32LE(fd, i * 8);
    buf.writeInt16LE(1 /* POLLIN */, i * 8 + 4);
  });
  check(c.poll(buf, fds.length, 0), 'poll');
  const ready: number[] = [];
  fds.forEach((fd, i) => {
    if (buf.readInt16LE(i * 8 + 6) !== 0) ready.push(fd);
  });
  return ready;
}

/** Result of a non-blocking waitpid. */
export interface WaitResult {
  pid: number;
  status: number;
}

/** waitpid(pid, WNOHANG): undefined when nothing changed; throws ECHILD when no such child. */
export function waitpidNoHang(pid: number): WaitResult | undefined {
  const st = new Int32Array(1);
  const r = check(c.waitpid(pid, st, 1 /* WNOHANG */), 'waitpid');
  return r === 0 ? undefined : { pid: r, status: st[0]! };
}

/** True when `fd` is a terminal. */
export function isatty(fd: number): boolean {
  return c.isatty(fd) === 1;
}

/** inotify event bits (inotify(7)). */
export const IN = {
  MOVED_TO: 0x80,
  CREATE: 0x100,
  Q_OVERFLOW: 0x4000,
  ONLYDIR: 0x01000000,
} as const;

/** Opens a non-blocking, close-on-exec inotify instance; read it with fs.readSync (EAGAIN when empty). */
export function inotifyInit(): number {
  return check(c.inotify_init1(O_NONBLOCK_FLAG | O_CLOEXEC), 'inotify_init1');
}

/** Watches `path` (symlinks followed) for the events in `mask`; returns the watch descriptor. */
export function inotifyAddWatch(fd: number, path: string, mask: number): number {
  return check(c.inotify_add_watch(fd, path, mask), 'inotify_add_watch', path);
}

/** Stops a watch; quiet when the kernel already dropped it (the directory was deleted). */
export function inotifyRmWatch(fd: number, wd: number): void {
  c.inotify_rm_watch(fd, wd);
}

/** Network interface flag (netdevice(7)): the interface supports multicast. */
export const IFF_MULTICAST = 0x1000;
const SIOCGIFFLAGS = 0x8913;
const SIOCGIFADDR = 0x8915;
/** Longest interface name (IFNAMSIZ less the NUL). */
export const IFNAME_MAX = 15;

/** One SIOCGIF* request on interface `name` (netdevice(7)); returns the filled struct ifreq. */
function ifreq(name: string, req: number, call: string): Buffer {
  const bytes = Buffer.from(name, 'utf8');
  if (bytes.length > IFNAME_MAX) throw errnoError('ENAMETOOLONG', `interface ${name}`);
  const ifr = Buffer.alloc(40); // ifr_name[16], then the union (flags, sockaddr)
  bytes.copy(ifr);
  const fd = check(c.socket(2 /* AF_INET */, 2 /* SOCK_DGRAM */ | O_CLOEXEC, 0), 'socket');
  try {
    check(c.ioctl(fd, req, 'uint8_t *', ifr), call, name);
  } finally {
    c.close(fd);
  }
  return ifr;
}

/** The flags (IFF_*) of network interface `name` (SIOCGIFFLAGS); ENODEV when there is none. */
export function interfaceFlags(name: string): number {
  return ifreq(name, SIOCGIFFLAGS, 'SIOCGIFFLAGS').readUInt16LE(16);
}

/** The IPv4 address of network interface `name` (SIOCGIFADDR, up or down); ENODEV, or EADDRNOTAVAIL when it has none. */
export function interfaceIPv4(name: string): string {
  return [...ifreq(name, SIOCGIFADDR, 'SIOCGIFADDR').subarray(20, 24)].join('.');
}

const AF_UNIX = 1;
const SOCK_STREAM = 1;
/** Longest abstract socket name: sun_path (108 bytes) less the leading NUL. */
const ABSTRACT_NAME_MAX = 107;

/** The sockaddr_un of abstract name `name`, with the exact length (no NUL padding). */
function abstractAddress(name: string): Buffer {
  const bytes = Buffer.from(name, 'utf8');
  if (bytes.length === 0) throw errnoError('EINVAL', 'empty abstract socket name');
  if (bytes.length > ABSTRACT_NAME_MAX) throw errnoError('ENAMETOOLONG', `abstract socket name ${name}`);
  const addr = Buffer.alloc(3 + bytes.length); // sun_family, the NUL, the name
  addr.writeUInt16LE(AF_UNIX, 0);
  bytes.copy(addr, 3);
  return addr;
}

/** A new non-blocking, close-on-exec AF_UNIX stream socket. */
function unixSocket(): number {
  return check(c.socket(AF_UNIX, SOCK_STREAM | O_NONBLOCK_FLAG | O_CLOEXEC, 0), 'socket');
}

/**
 * A listening socket on the Linux abstract name `name` (`@name` in ss; exactly the bytes of the
 * name, as socat's ABSTRACT-LISTEN and procServ bind it; Node pads the name with NULs to 108 bytes).
 * Non-blocking and close-on-exec; hand it to `net.Server.listen({ fd })`.
 */
export function listenAbstract(name: string, backlog = 511): number {
  const addr = abstractAddress(name);
  const fd = unixSocket();
  try {
    check(c.bind(fd, addr, addr.length), 'bind', `@${name}`);
    check(c.listen(fd, backlog), 'listen', `@${name}`);
  } catch (e) {
    c.close(fd);
    throw e;
  }
  return fd;
}

/**
 * A socket connected to the Linux abstract name `name` (non-blocking, close-on-exec; wrap it with
 * `new net.Socket({ fd })`). ECONNREFUSED when nobody listens, EAGAIN when the listener's backlog is full.
 */
export function connectAbstract(name: string): number {
  const addr = abstractAddress(name);
  const fd = unixSocket();
  try {
    check(c.connect(fd, addr, addr.length), 'connect', `@${name}`);
  } catch (e) {
    c.close(fd);
    throw e;
  }
  return fd;
}

/** waitpid(-1, WNOHANG): the next child that ended, undefined when none has (or there are no children). */
export function waitAnyNoHang(): WaitResult | undefined {
  const st = new Int32Array(1);
  const r = c.waitpid(-1, st, 1 /* WNOHANG */) as number;
  if (r > 0) return { pid: r, status: st[0]! };
  if (r === -1 && koffi.errno() !== 10 /* ECHILD */ && koffi.errno() !== 4 /* EINTR */) fail('waitpid');
  return undefined;
}

const PR_SET_CHILD_SUBREAPER = 36;

/** Makes this process the reaper of its descendants' orphans (prctl PR_SET_CHILD_SUBREAPER). */
export function setChildSubreaper(): void {
  check(c.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 'prctl');
}

const RENAME_EXCHANGE = 2;
/** glibc >= 2.28 has it; older ones leave renameExchange failing with ENOSYS. */
const renameat2 = ((): ((...a: unknown[]) => number) | undefined => {
  try {
    return lib.func('int renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, unsigned int flags)') as (...a: unknown[]) => number;
  } catch {
    return undefined;
  }
})();

/** Swaps names `a` and `b` of directory `dirfd` atomically (renameat2 RENAME_EXCHANGE; ENOENT when one is missing). */
export function renameExchange(dirfd: number, a: string, b: string): void {
  if (!renameat2) throw errnoError('ENOSYS', 'renameat2');
  check(renameat2(dirfd, a, dirfd, b, RENAME_EXCHANGE), 'renameat2', b);
}
