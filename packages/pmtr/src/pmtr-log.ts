/**
 * pmtr's log: its own messages and the jobs' output. pmtr's messages always go to stderr
 * (`pmtr: ...`, as pmtr's LOG_PERROR) and, when a syslog socket exists, to syslog (local0, tag
 * pmtr). A job's output lines go to syslog (daemon.info, tagged with the job's name and pid, so
 * `journalctl -t NAME` finds them); without a syslog socket (most containers), to stderr as
 * `NAME[PID]: line`. The socket is looked for again at most every 10 s while it is missing.
 */
import type { Io } from '@svkit/diag';
import { LOG_DAEMON, LOG_ERR, LOG_INFO, LOG_LOCAL0, SyslogSocket } from './syslog-socket.js';

/** Where syslog listens by default. */
export const DEV_LOG = '/dev/log';
const RETRY_MS = 10000;

export class PmtrLog {
  private sock: SyslogSocket | undefined;
  private lastTry = -Infinity;

  constructor(private readonly io: Io, private readonly socketPath: string = DEV_LOG) {}

  private socket(): SyslogSocket | undefined {
    if (!this.sock && Date.now() - this.lastTry >= RETRY_MS) {
      this.lastTry = Date.now();
      this.sock = SyslogSocket.open(this.socketPath);
    }
    return this.sock;
  }

  private syslog(pri: number, tag: string, pid: number, msg: string): boolean {
    const s = this.socket();
    if (!s) return false;
    if (s.send(pri, tag, pid, msg)) return true;
    s.close(); // the daemon restarted (ECONNREFUSED) or its queue is full: reconnect later
    this.sock = undefined;
    return false;
  }

  /** `pmtr: MSG`. */
  info(msg: string): void {
    this.io.err(`pmtr: ${msg}\n`);
    this.syslog(LOG_LOCAL0 | LOG_INFO, 'pmtr', process.pid, msg);
  }

  /** `pmtr: warning: MSG`. */
  warn(msg: string): void {
    this.io.err(`pmtr: warning: ${msg}\n`);
    this.syslog(LOG_LOCAL0 | LOG_ERR, 'pmtr', process.pid, msg);
  }

  /** One line of a job's output. */
  jobLine(name: string, pid: number, line: string): void {
    if (!this.syslog(LOG_DAEMON | LOG_INFO, name, pid, line)) this.io.err(`${name}[${pid}]: ${line}\n`);
  }

  close(): void {
    this.sock?.close();
    this.sock = undefined;
  }
}
