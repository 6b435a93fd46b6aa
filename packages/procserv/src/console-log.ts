/**
 * The console log (`-L FILE`, `-L -` for standard output): everything the clients see, optionally
 * time-stamped per line. The child's pty is always drained: when a pipe reader (multilog) falls
 * behind, at most LOG_QUEUE bytes wait for it; what comes past that is dropped and counted, and
 * once the reader has caught up the log gets one line `@@@ N bytes of console output dropped (log
 * reader too slow)`, as slow clients get theirs.
 */
import { closeSync, constants, fstatSync, openSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import net from 'node:net';
import { errnoError } from '@svkit/diag';
import { LOG_QUEUE } from './limits.js';
import { strftime } from './strftime.js';

/** Options of the console log. */
export interface ConsoleLogOptions {
  /** strftime format of the per-line stamp, or undefined for no stamps. */
  stamp: string | undefined;
}

/** Small writes are gathered into one buffer once this many wait (a burst of ^T's 40-byte messages). */
const COALESCE_PARTS = 256;

/**
 * True when users other than us (and root) can create names in `dir`: its owner is someone else,
 * or it is group- or world-writable (sticky or not: fs.protected_symlinks may be off).
 */
export function othersCanWrite(dir: string): boolean {
  const st = statSync(dir); // the directory the name is made in (a link to it, like /var/run, is followed there too)
  const own = process.geteuid?.() ?? 0;
  return (st.uid !== 0 && st.uid !== own) || (st.mode & 0o022) !== 0;
}

/**
 * Opens `path` for appending. In a directory others can write, a symbolic link is not followed and
 * the file must be ours (a planted link or hard link must not make us append to another file).
 */
function openLogFile(path: string): number {
  const untrusted = othersCanWrite(dirname(path));
  const flags = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOCTTY | (untrusted ? constants.O_NOFOLLOW | constants.O_NONBLOCK : 0);
  let fd: number;
  try {
    fd = openSync(path, flags, 0o644);
  } catch (e) {
    if (untrusted && (e as NodeJS.ErrnoException).code === 'ELOOP') throw errnoError('ESYMLINK', `${path} is a symbolic link in a directory others can write`);
    throw e;
  }
  if (untrusted) {
    const st = fstatSync(fd);
    if (!st.isFile() || st.uid !== (process.geteuid?.() ?? 0) || st.nlink !== 1) {
      closeSync(fd);
      throw errnoError('EUNTRUSTED', `not a file of ours with one link, in a directory others can write`);
    }
  }
  return fd;
}

/** A console log writer. */
export class ConsoleLog {
  private fd = -1;
  private stream: net.Socket | undefined;
  private atLineStart = true;
  /** Bytes waiting for the stream to drain (the stream itself holds at most one write more). */
  private waiting: Buffer[] = [];
  private waitingBytes = 0;
  private dropped = 0;

  /** Opens the log (`-` is standard output); throws with the errno code on failure. */
  constructor(readonly path: string, private readonly opts: ConsoleLogOptions) {
    this.open();
  }

  private open(): void {
    this.fd = this.path === '-' ? 1 : openLogFile(this.path);
    const st = fstatSync(this.fd);
    if (st.isFIFO() || st.isSocket()) {
      const stream = new net.Socket({ fd: this.fd, readable: false, writable: true });
      this.stream = stream;
      stream.on('error', () => { /* reader gone: further log output is dropped */ if (this.stream === stream) this.stream = undefined; this.forget(); });
      stream.on('drain', () => { if (this.stream === stream) this.flush(); });
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

  /** Bytes of log output held in memory for a slow reader. */
  get queued(): number {
    return this.waitingBytes + (this.stream?.writableLength ?? 0);
  }

  /** Appends console bytes (dropped, and counted, while LOG_QUEUE bytes wait for the reader). */
  write(buf: Buffer): void {
    if (this.stream) {
      if (this.queued >= LOG_QUEUE) {
        this.dropped += buf.length;
        return;
      }
      const data = this.stamped(buf);
      if (this.waiting.length > 0 || this.stream.writableNeedDrain) {
        this.waiting.push(Buffer.from(data)); // a copy: the caller's chunk may be a view of a larger buffer
        this.waitingBytes += data.length;
        if (this.waiting.length >= COALESCE_PARTS) this.waiting = [Buffer.concat(this.waiting)];
        return;
      }
      this.stream.write(data);
      return;
    }
    if (this.fd < 0) return;
    const data = this.stamped(buf);
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

  /** The reader caught up: what waited goes out in one write, then the count of what was dropped. */
  private flush(): void {
    if (!this.stream) return;
    if (this.waiting.length > 0) {
      const all = Buffer.concat(this.waiting);
      this.waiting = [];
      this.waitingBytes = 0;
      if (!this.stream.write(all)) return;
    }
    if (this.dropped > 0) {
      const n = this.dropped;
      this.dropped = 0;
      const nl = this.atLineStart ? '' : '\r\n';
      this.atLineStart = true;
      this.stream.write(this.stamped(Buffer.from(`${nl}@@@ ${n} bytes of console output dropped (log reader too slow)\r\n`)));
    }
  }

  private forget(): void {
    this.waiting = [];
    this.waitingBytes = 0;
  }

  /** `buf` with the stamps (if any) added; notes whether the log now stands at the start of a line. */
  private stamped(buf: Buffer): Buffer {
    if (this.opts.stamp !== undefined) return this.stampLines(buf);
    if (buf.length > 0) this.atLineStart = buf[buf.length - 1] === 0x0a;
    return buf;
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
