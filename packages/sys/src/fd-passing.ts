/**
 * Handing open descriptors to another process (SCM_RIGHTS over an AF_UNIX SOCK_SEQPACKET pair),
 * which Node cannot do outside child_process: root svscan gives a per-owner supervisor the
 * directories it must supervise, opened O_PATH (a handle on that one directory, no read or write
 * right of its own), and the read ends of log pipes. Calls never block: MSG_DONTWAIT, EAGAIN thrown.
 */
import { constants, openSync } from 'node:fs';
import { errnoError } from '@svkit/diag';
import { check, closeQuiet, fail, koffi, lib, O_CLOEXEC, O_NONBLOCK_FLAG } from './libc.js';

const c = {
  socketpair: lib.func('int socketpair(int domain, int type, int protocol, _Out_ int *sv)'),
  sendmsg: lib.func('long sendmsg(int fd, void *msg, int flags)'),
  recvmsg: lib.func('long recvmsg(int fd, void *msg, int flags)'),
  send: lib.func('long send(int fd, const uint8_t *buf, size_t len, int flags)'),
};

const AF_UNIX = 1;
const SOCK_SEQPACKET = 5;
const SOL_SOCKET = 1;
const SCM_RIGHTS = 1;
const MSG_DONTWAIT = 0x40;
const MSG_NOSIGNAL = 0x4000;
const MSG_CTRUNC = 0x08;
const MSG_TRUNC = 0x20;
const MSG_CMSG_CLOEXEC = 0x40000000;
/** O_PATH (Linux): a descriptor that names a file without opening it for reading or writing. */
export const O_PATH = 0o10000000;

/** Most descriptors in one message (the kernel's own limit is 253). */
export const MAX_PASSED_FDS = 16;
/** Largest payload of one message. */
export const MAX_PASSED_BYTES = 4096;

// one set of native buffers, reused (calls are synchronous on the one JS thread); 64-bit layout
const CMSG_HDR = 16; // cmsg_len (size_t), cmsg_level, cmsg_type (int each)
const CTL_LEN = CMSG_HDR + 4 * MAX_PASSED_FDS;

/** Native memory that the kernel reads and writes, with a Buffer view of it. */
interface Mem { ptr: unknown; buf: Buffer; addr: bigint }

function mem(n: number): Mem {
  const ptr = koffi.alloc('uint8_t', n);
  return { ptr, buf: Buffer.from(koffi.view(ptr, n)), addr: BigInt(koffi.address(ptr)) };
}

let bufs: { data: Mem; iov: Mem; ctl: Mem; msg: Mem } | undefined;

/** The msghdr (one iovec over `len` bytes of data, control of `ctlLen` bytes) in the shared buffers. */
function message(len: number, ctlLen: number): Mem {
  bufs ??= { data: mem(MAX_PASSED_BYTES), iov: mem(16), ctl: mem(CTL_LEN), msg: mem(56) };
  const { data, iov, ctl, msg } = bufs;
  iov.buf.writeBigUInt64LE(data.addr, 0);
  iov.buf.writeBigUInt64LE(BigInt(len), 8);
  msg.buf.fill(0);
  msg.buf.writeBigUInt64LE(iov.addr, 16); // msg_iov
  msg.buf.writeBigUInt64LE(1n, 24); // msg_iovlen
  if (ctlLen > 0) {
    msg.buf.writeBigUInt64LE(ctl.addr, 32); // msg_control
    msg.buf.writeBigUInt64LE(BigInt(ctlLen), 40); // msg_controllen
  }
  return msg;
}

/** A connected pair of non-blocking, close-on-exec SOCK_SEQPACKET sockets: [ours, theirs]. */
export function seqpacketPair(): [number, number] {
  const sv = new Int32Array(2);
  check(c.socketpair(AF_UNIX, SOCK_SEQPACKET | O_CLOEXEC | O_NONBLOCK_FLAG, 0, sv), 'socketpair');
  return [sv[0]!, sv[1]!];
}

/** Sends `data` with copies of `fds` as one message; throws EAGAIN when the peer's queue is full, EPIPE when it is gone. */
export function sendFds(sock: number, data: Uint8Array, fds: number[]): void {
  if (data.length === 0 || data.length > MAX_PASSED_BYTES) throw errnoError('EMSGSIZE', `${data.length} bytes to pass`);
  if (fds.length > MAX_PASSED_FDS) throw errnoError('EMSGSIZE', `${fds.length} descriptors to pass`);
  const msg = message(data.length, fds.length ? CMSG_HDR + 4 * fds.length : 0);
  bufs!.data.buf.set(data, 0);
  if (fds.length) {
    const ctl = bufs!.ctl.buf;
    ctl.writeBigUInt64LE(BigInt(CMSG_HDR + 4 * fds.length), 0);
    ctl.writeInt32LE(SOL_SOCKET, 8);
    ctl.writeInt32LE(SCM_RIGHTS, 12);
    fds.forEach((fd, i) => ctl.writeInt32LE(fd, CMSG_HDR + 4 * i));
  }
  if (Number(c.sendmsg(sock, msg.ptr, MSG_DONTWAIT | MSG_NOSIGNAL)) < 0) fail('sendmsg');
}

/** One received message: its bytes and the descriptors that came with it (close-on-exec). */
export interface Received {
  data: Buffer;
  fds: number[];
}

/**
 * Receives one message; undefined when none is queued, null at end of file (the peer closed).
 * A message cut short (more bytes or descriptors than fit) throws EMSGSIZE after closing what came.
 */
export function recvFds(sock: number): Received | undefined | null {
  const msg = message(MAX_PASSED_BYTES, CTL_LEN);
  const n = Number(c.recvmsg(sock, msg.ptr, MSG_DONTWAIT | MSG_CMSG_CLOEXEC));
  if (n < 0) {
    const e = koffi.errno();
    if (e === 11 /* EAGAIN */) return undefined;
    fail('recvmsg');
  }
  if (n === 0) return null;
  const fds: number[] = [];
  const ctlLen = Number(msg.buf.readBigUInt64LE(40));
  const ctl = bufs!.ctl.buf;
  if (ctlLen >= CMSG_HDR && ctl.readInt32LE(8) === SOL_SOCKET && ctl.readInt32LE(12) === SCM_RIGHTS) {
    const len = Number(ctl.readBigUInt64LE(0));
    for (let off = CMSG_HDR; off + 4 <= Math.min(len, CTL_LEN); off += 4) fds.push(ctl.readInt32LE(off));
  }
  const data = Buffer.from(bufs!.data.buf.subarray(0, n));
  const flags = msg.buf.readInt32LE(48);
  if (flags & (MSG_TRUNC | MSG_CTRUNC)) {
    for (const fd of fds) closeQuiet(fd);
    throw errnoError('EMSGSIZE', 'a message cut short');
  }
  return { data, fds };
}

/**
 * Opens directory `path` O_PATH (following links; close-on-exec): a handle on that directory to
 * pass on, which carries no right to read or write it. ENOTDIR for anything but a directory (a
 * FIFO or device is never opened).
 */
export function openDirPath(path: string): number {
  return openSync(path, O_PATH | constants.O_DIRECTORY);
}

/**
 * Writes what a socket takes at once of `data` (send with MSG_DONTWAIT: non-blocking for this call
 * only, whatever the socket's own flags, which other holders share); returns the bytes written, 0
 * when it takes nothing now. Throws other errors (EPIPE...).
 */
export function sendNoWait(sock: number, data: Uint8Array): number {
  const n = Number(c.send(sock, data, data.length, MSG_DONTWAIT | MSG_NOSIGNAL));
  if (n >= 0) return n;
  if (koffi.errno() === 11 /* EAGAIN */) return 0;
  fail('send');
}
