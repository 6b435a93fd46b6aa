/** Standard streams of a program, injectable so that tests can call `main(argv, io)` in-process. */
import { writeSync } from 'node:fs';

/** Where a program writes and what environment it sees. */
export interface Io {
  /** Writes to standard output, completely, synchronously. */
  out(data: string | Uint8Array): void;
  /** Writes to standard error, completely, synchronously. */
  err(data: string | Uint8Array): void;
  /** The environment the program runs with. */
  env: NodeJS.ProcessEnv;
}

/** Writes all of `data` to `fd`, waiting out EAGAIN on a non-blocking descriptor. */
export function writeAll(fd: number, data: string | Uint8Array): void {
  let buf = typeof data === 'string' ? Buffer.from(data) : data;
  let off = 0;
  while (off < buf.length) {
    try {
      off += writeSync(fd, buf, off, buf.length - off);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
    }
  }
}

/** The real process streams (fd 1 and fd 2) and `process.env`. */
export const processIo: Io = {
  out: (d) => writeAll(1, d),
  err: (d) => {
    try { writeAll(2, d); } catch { /* nowhere left to report */ }
  },
  env: process.env,
};

/** An Io that records output in memory, for tests and for callers that need the text. */
export function memoryIo(env: NodeJS.ProcessEnv = {}): Io & { stdout(): string; stderr(): string } {
  const o: Buffer[] = [];
  const e: Buffer[] = [];
  return {
    out: (d) => void o.push(Buffer.from(d)),
    err: (d) => void e.push(Buffer.from(d)),
    env,
    stdout: () => Buffer.concat(o).toString(),
    stderr: () => Buffer.concat(e).toString(),
  };
}
