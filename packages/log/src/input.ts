/**
 * Streaming reader for a program's standard input: big chunks, no thread pool, no accumulation.
 * Pipes and sockets are read through libuv (epoll), terminals through tty.ReadStream, regular files
 * and other descriptors with large synchronous reads that yield to the event loop between chunks.
 */
import { constants, fstatSync, openSync, readSync } from 'node:fs';
import { Socket } from 'node:net';
import { isatty, ReadStream as TtyReadStream } from 'node:tty';

/** What the reader reports. */
export interface InputHandlers {
  /** A chunk of input; it is only valid during the call (the caller must copy what it keeps). */
  data(chunk: Buffer): void;
  /** End of input. */
  end(): void;
  /** A read error (with the errno `code`). */
  error(e: unknown): void;
}

/** A running reader: flow control and shutdown. */
export interface Input {
  /** Stops delivering chunks until resume(). */
  pause(): void;
  /** Delivers chunks again. */
  resume(): void;
  /** Stops reading for good; no more callbacks. */
  close(): void;
  /** True when the O_NONBLOCK flag of `fd` itself may have been set (a socket, a tty, or /proc unavailable). */
  readonly nonBlocking: boolean;
}

/** Size of a synchronous read from a regular file. */
const FILE_CHUNK = 256 * 1024;

/** Starts reading `fd` (normally 0) and reports to `h`; throws (with `code`) when fd is not usable. */
export function readInput(fd: number, h: InputHandlers): Input {
  const st = fstatSync(fd);
  if (st.isFIFO()) {
    const own = privatePipeFd(fd);
    if (own !== undefined) return streamInput(new Socket({ fd: own, readable: true, writable: false }), h, false);
  }
  if (st.isFIFO() || st.isSocket()) return streamInput(new Socket({ fd, readable: true, writable: false }), h, true);
  if (st.isCharacterDevice() && isatty(fd)) return streamInput(new TtyReadStream(fd), h, true);
  return syncInput(fd, h);
}


/**
 * Opens the pipe behind `fd` again through /proc: a new open file description whose O_NONBLOCK
 * (set by libuv) is not shared with the process that handed us the pipe or the next reader
 * (under svscan the same pipe outlives us, and a reader killed with -9 cannot clear the flag).
 */
function privatePipeFd(fd: number): number | undefined {
  try {
    return openSync(`/proc/self/fd/${fd}`, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
}

function streamInput(s: Socket, h: InputHandlers, nonBlocking: boolean): Input {
  let closed = false;
  s.on('data', (d: Buffer) => {
    if (!closed) h.data(d);
  });
  s.on('end', () => {
    if (!closed) {
      closed = true;
      h.end();
    }
  });
  s.on('error', (e) => {
    if (!closed) {
      closed = true;
      h.error(e);
    }
  });
  return {
    nonBlocking,
    pause: () => void s.pause(),
    resume: () => void s.resume(),
    close() {
      closed = true;
      s.pause();
      s.removeAllListeners('data');
      s.on('error', () => {});
      s.destroy();
    },
  };
}

function syncInput(fd: number, h: InputHandlers): Input {
  const buf = Buffer.allocUnsafe(FILE_CHUNK);
  let paused = false;
  let closed = false;
  let scheduled = false;
  const step = (): void => {
    scheduled = false;
    if (paused || closed) return;
    let n: number;
    try {
      n = readSync(fd, buf, 0, buf.length, null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') {
        setTimeout(schedule, 5);
        return;
      }
      closed = true;
      h.error(e);
      return;
    }
    if (n === 0) {
      closed = true;
      h.end();
      return;
    }
    h.data(buf.subarray(0, n));
    schedule();
  };
  const schedule = (): void => {
    if (scheduled || paused || closed) return;
    scheduled = true;
    setImmediate(step);
  };
  schedule();
  return {
    nonBlocking: false,
    pause: () => void (paused = true),
    resume() {
      paused = false;
      schedule();
    },
    close: () => void (closed = true),
  };
}
