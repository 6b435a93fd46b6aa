/**
 * The console log (`-L FILE`, `-L -` for standard output): everything the clients see, optionally
 * time-stamped per line. Lossless: when a pipe reader (multilog) falls behind, the log asks the
 * server to stop reading the child (the child then blocks), like a daemontools log pipe.
 */
import { closeSync, fstatSync, openSync, writeSync } from 'node:fs';
import net from 'node:net';
import { strftime } from './strftime.js';

/** Queued log bytes above which the child is held back. */
export const LOG_HIGH_WATER = 1024 * 1024;

/** Options of the console log. */
export interface ConsoleLogOptions {
  /** strftime format of the per-line stamp, or undefined for no stamps. */
  stamp: string | undefined;
  /** Called with true when the child must be held back, false when it may go on. */
  onPressure(hold: boolean): void;
}

/** A console log writer. */
export class ConsoleLog {
  private fd = -1;
  private stream: net.Socket | undefined;
  private atLineStart = true;
  private holding = false;

  /** Opens the log (`-` is standard output); throws with the errno code on failure. */
  constructor(readonly path: string, private readonly opts: ConsoleLogOptions) {
    this.open();
  }

  private open(): void {
    this.fd = this.path === '-' ? 1 : openSync(this.path, 'a', 0o644);
    const st = fstatSync(this.fd);
    if (st.isFIFO() || st.isSocket()) {
      this.stream = new net.Socket({ fd: this.fd, readable: false, writable: true });
      this.stream.on('error', () => { /* reader gone: further log output is dropped */ this.stream = undefined; this.release(); });
      this.stream.on('drain', () => this.release());
    }
  }

  /** Reopens the log file (SIGHUP), for log rotation; standard output is kept. */
  reopen(): void {
    if (this.path === '-') return;
    const oldFd = this.fd;
    const oldStream = this.stream;
    this.open();
    if (oldStream) oldStream.end();
    else closeSync(oldFd);
  }

  /** Appends console bytes. */
  write(buf: Buffer): void {
    const data = this.opts.stamp === undefined ? buf : this.stampLines(buf);
    if (this.stream) {
      this.stream.write(data);
      if (!this.holding && this.stream.writableLength > LOG_HIGH_WATER) {
        this.holding = true;
        this.opts.onPressure(true);
      }
      return;
    }
    if (this.fd < 0) return;
    try {
      let off = 0;
      while (off < data.length) off += writeSync(this.fd, data, off);
    } catch {
      /* a full disk must not stop the console; the log misses this chunk */
    }
  }

  /** Flushes and closes. */
  close(): Promise<void> {
    return new Promise((res) => {
      if (this.stream) {
        this.stream.end(() => res());
        setTimeout(res, 2000).unref();
      } else {
        if (this.fd > 2) closeSync(this.fd);
        res();
      }
    });
  }

  private release(): void {
    if (!this.holding) return;
    this.holding = false;
    this.opts.onPressure(false);
  }

  private stampLines(buf: Buffer): Buffer {
    const stamp = Buffer.from(strftime(this.opts.stamp!));
    const parts: Buffer[] = [];
    let start = 0;
    while (start < buf.length) {
      if (this.atLineStart) parts.push(stamp);
      const nl = buf.indexOf(0x0a, start);
      const end = nl < 0 ? buf.length : nl + 1;
      parts.push(buf.subarray(start, end));
      this.atLineStart = nl >= 0;
      start = end;
    }
    return Buffer.concat(parts);
  }
}
