/**
 * Writing to a non-blocking descriptor (the child's pty master, the terminal of `procserv -f`): a
 * queue written without blocking and without spinning.
 */
import { writeSync } from 'node:fs';

/** Bytes queued above which the writer reports itself full (for the pty: the child is not reading). */
export const HIGH_WATER = 64 * 1024;

/** Writes to a non-blocking descriptor; on EAGAIN it retries on a timer, never busy-waits. */
export class FdWriter {
  private queue: Buffer[] = [];
  private queued = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  /**
   * `onFull(true)` when the queue passes the high-water mark, `onFull(false)` when it is below again;
   * `onEmpty` when a queue that had to wait has been written out.
   */
  constructor(private readonly fd: number, private readonly onFull: (full: boolean) => void, private readonly onEmpty?: () => void) {}

  /** Bytes waiting to be written. */
  get pending(): number {
    return this.queued;
  }

  /** Queues `buf` (written at once when the descriptor has room). */
  write(buf: Buffer): void {
    if (this.closed || buf.length === 0) return;
    const wasFull = this.queued >= HIGH_WATER;
    this.queue.push(buf);
    this.queued += buf.length;
    if (!this.timer) this.flush();
    if (!wasFull && this.queued >= HIGH_WATER) this.onFull(true);
  }

  /** Stops writing and forgets what is queued (the reader is gone). */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const wasFull = this.queued >= HIGH_WATER;
    this.queue = [];
    this.queued = 0;
    if (wasFull) this.onFull(false);
  }

  private flush(): void {
    this.timer = undefined;
    const wasFull = this.queued >= HIGH_WATER;
    while (this.queue.length > 0 && !this.closed) {
      const head = this.queue[0]!;
      let n: number;
      try {
        n = writeSync(this.fd, head);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN' || code === 'EWOULDBLOCK' || code === 'EINTR') {
          this.timer = setTimeout(() => this.flush(), 10);
          break;
        }
        this.close(); // EIO: the other side is gone (the child's exit, a hangup: reported elsewhere)
        return;
      }
      this.queued -= n;
      if (n === head.length) this.queue.shift();
      else this.queue[0] = head.subarray(n);
    }
    if (wasFull && this.queued < HIGH_WATER) this.onFull(false);
    if (this.timer === undefined && this.queue.length === 0 && !this.closed) this.onEmpty?.();
  }
}
