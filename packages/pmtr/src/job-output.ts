/**
 * A job's "syslog" output: the read end of a pipe, split into lines (at most 1000 bytes each, as
 * pmtr's logger), control characters other than tab replaced by `?`, each line logged with the
 * job's name and the pid of the process that was started with this pipe.
 */
import { Socket } from 'node:net';
import { O_CLOEXEC, pipe2 } from '@svkit/sys';
import type { PmtrLog } from './pmtr-log.js';

/** Longest line passed on whole. */
export const MAX_LINE = 1000;

/** Reads one pipe; `pid` is set once the process runs. */
export class JobOutput {
  pid = 0;
  readonly writeFd: number;
  private readonly sock: Socket;
  private rest = Buffer.alloc(0);

  constructor(private readonly name: string, private readonly log: PmtrLog) {
    const [r, w] = pipe2(O_CLOEXEC);
    this.writeFd = w;
    this.sock = new Socket({ fd: r, readable: true, writable: false });
    this.sock.on('data', (d: Buffer) => this.onData(d));
    this.sock.on('end', () => this.flush());
    this.sock.on('error', () => this.flush());
  }

  private onData(d: Buffer): void {
    let buf = this.rest.length ? Buffer.concat([this.rest, d]) : d;
    for (;;) {
      const nl = buf.indexOf(0x0a);
      if (nl < 0 || nl > MAX_LINE) break;
      this.emit(buf.subarray(0, nl));
      buf = buf.subarray(nl + 1);
    }
    while (buf.length > MAX_LINE) {
      this.emit(buf.subarray(0, MAX_LINE));
      buf = buf.subarray(MAX_LINE);
    }
    this.rest = Buffer.from(buf);
  }

  private flush(): void {
    if (this.rest.length) this.emit(this.rest);
    this.rest = Buffer.alloc(0);
  }

  private emit(b: Buffer): void {
    const line = b.toString('utf8').replace(/[\x00-\x08\x0a-\x1f\x7f]/g, '?');
    this.log.jobLine(this.name, this.pid, line);
  }

  /** Stops reading (pmtr's shutdown). */
  close(): void {
    this.sock.destroy();
  }
}
