/** Input to the child's pseudo-terminal: a bounded queue written without blocking and without spinning. */
import { writeSync } from 'node:fs';

/** Bytes queued for the child above which clients' input is paused (the child is not reading). */
export const INPUT_HIGH_WATER = 64 * 1024;

/** Writes to a non-blocking pty master; on EAGAIN it retries on a timer, never busy-waits. */
export class PtyInput {
  private queue: Buffer[] = [];
  private queued = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  /** `onFull(true)` when the queue passes the high-water mark, `onFull(false)` when it has drained. */
  constructor(private readonly fd: number, private readonly onFull: (full: boolean) => void) {}

  /** Bytes waiting for the child. */
  get pending(): number {
    return this.queued;
  }

  /** Queues `buf` for the child (written at once when the pty has room). */
  write(buf: Buffer): void {
    if (this.closed || buf.length === 0) return;
    const wasFull = this.queued >= INPUT_HIGH_WATER;
    this.queue.push(buf);
    this.queued += buf.length;
    if (!this.timer) this.flush();
    if (!wasFull && this.queued >= INPUT_HIGH_WATER) this.onFull(true);
  }

  /** Stops writing and forgets what is queued (the child is gone). */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const wasFull = this.queued >= INPUT_HIGH_WATER;
    this.queue = [];
    this.queued = 0;
    if (wasFull) this.onFull(false);
  }

  private flush(): void {
    this.timer = undefined;
    const wasFull = this.queued >= INPUT_HIGH_WATER;
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
        this.close(); // EIO: the child side is gone; its exit is reported elsewhere
        return;
      }
      this.queued -= n;
      if (n === head.length) this.queue.shift();
      else this.queue[0] = head.subarray(n);
    }
    if (wasFull && this.queued < INPUT_HIGH_WATER) this.onFull(false);
  }
}
