/**
 * Sends syslog datagrams to a local socket (/dev/log) the way syslog(3) does: a non-blocking,
 * connected AF_UNIX datagram socket (Node has none, so through koffi), RFC 3164 lines
 * `<PRI>Mmm dd hh:mm:ss TAG[PID]: MESSAGE`. A message that would block is dropped, never waited for.
 */
import koffi from 'koffi';

const lib = koffi.load('libc.so.6');
const c = {
  socket: lib.func('int socket(int domain, int type, int protocol)'),
  connect: lib.func('int connect(int fd, const uint8_t *addr, uint32_t len)'),
  send: lib.func('long send(int fd, const uint8_t *buf, size_t len, int flags)'),
  close: lib.func('int close(int fd)'),
};
const AF_UNIX = 1;
const SOCK_DGRAM = 2;
const SOCK_NONBLOCK = 0o4000;
const SOCK_CLOEXEC = 0o2000000;

/** syslog facilities and levels used here. */
export const LOG_DAEMON = 3 << 3;
export const LOG_LOCAL0 = 16 << 3;
export const LOG_ERR = 3;
export const LOG_WARNING = 4;
export const LOG_INFO = 6;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** RFC 3164 timestamp in local time. */
function stamp(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** A connection to a syslog socket; `open` returns undefined when there is none. */
export class SyslogSocket {
  private constructor(private fd: number) {}

  /** Connects to `path`; undefined when no syslog daemon listens there. */
  static open(path: string): SyslogSocket | undefined {
    const b = Buffer.from(path);
    if (b.length > 107) return undefined;
    const fd = c.socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0) as number;
    if (fd < 0) return undefined;
    const addr = Buffer.alloc(110);
    addr.writeUInt16LE(AF_UNIX, 0);
    b.copy(addr, 2);
    if ((c.connect(fd, addr, 2 + b.length + 1) as number) !== 0) {
      c.close(fd);
      return undefined;
    }
    return new SyslogSocket(fd);
  }

  /** Sends one message; false when it could not be sent (the daemon went away, or its queue is full). */
  send(pri: number, tag: string, pid: number, msg: string): boolean {
    if (this.fd < 0) return false;
    const line = Buffer.from(`<${pri}>${stamp(new Date())} ${tag}[${pid}]: ${msg}`);
    return Number(c.send(this.fd, line, line.length, 0)) === line.length;
  }

  close(): void {
    if (this.fd >= 0) c.close(this.fd);
    this.fd = -1;
  }
}
