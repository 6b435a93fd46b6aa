/**
 * A circuit's output: the messages of one turn of the event loop are joined and written to the
 * socket at once (the updates of one scan go out together, and a queue of many small messages
 * costs one buffer, not one object per message), with the queue bounded and counted. `full` tells
 * producers to wait (monitor updates are coalesced, requests are not read) past a quarter of
 * `maxQueue`, or past `queueFloor` while all circuits together queue more than `totalQueueSoft`;
 * past `maxQueue` the write fails and the circuit is closed. It also records when queued bytes
 * last moved to the kernel, for the stall and idle timeouts.
 */
import type { Socket } from 'node:net';
import type { Limits } from './limits.js';
import type { Quota } from './quota.js';

export class OutputQueue {
  /** Bytes written and not yet handed to the kernel (counted in quota.queued). */
  private pending = 0;
  /** Messages of this turn, written together at the next tick. */
  private batch: Buffer[] = [];
  private batchBytes = 0;
  private released = false;
  private readonly soft: number;
  /** When queued bytes last went to the kernel (or the circuit started), ms. */
  lastFlush: number;
  /** When the queue last went from empty to non-empty, ms. */
  private queueSince = 0;
  /** `full` was true: onRoom is due once it is not. */
  private waited = false;

  constructor(
    private readonly socket: Socket,
    private readonly limits: Limits,
    private readonly quota: Quota,
    /** Told when all circuits together queue more than totalQueueHard. */
    private readonly onTotalOver: () => void,
    /** Told when the queue has room again after `full` was true. */
    private readonly onRoom: () => void,
    now: number,
  ) {
    this.soft = Math.max(limits.queueFloor, Math.floor(limits.maxQueue / 4));
    this.lastFlush = now;
  }

  /** Bytes waiting in this circuit. */
  get queued(): number {
    return this.pending;
  }

  /** True when producers should wait (until onRoom). */
  get full(): boolean {
    const limit = this.quota.queued > this.limits.totalQueueSoft ? this.limits.queueFloor : this.soft;
    const full = this.socket.writableLength + this.batchBytes > limit;
    if (full) this.waited = true;
    return full;
  }

  /** How long queued bytes have waited without any going out, ms (0 when nothing is queued). */
  stalledFor(now: number): number {
    return this.pending > 0 ? now - Math.max(this.lastFlush, this.queueSince) : 0;
  }

  /** Queues `b`; false (nothing written) when that would pass maxQueue: the caller closes the circuit. */
  write(b: Buffer): boolean {
    if (this.released) return false;
    if (this.socket.writableLength + this.batchBytes + b.length > this.limits.maxQueue) return false;
    if (this.pending === 0) this.queueSince = Date.now();
    this.pending += b.length;
    this.quota.queued += b.length;
    if (this.batch.push(b) === 1) process.nextTick(() => this.flushBatch());
    this.batchBytes += b.length;
    if (this.quota.queued > this.limits.totalQueueHard) this.onTotalOver();
    return true;
  }

  /** Gives the queued bytes back to the quota (the circuit closed); later writes fail. */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.batch = [];
    this.batchBytes = 0;
    this.quota.queued -= this.pending;
    this.pending = 0;
  }

  private flushBatch(): void {
    const n = this.batchBytes;
    const data = this.batch.length === 1 ? this.batch[0]! : Buffer.concat(this.batch, n);
    this.batch = [];
    this.batchBytes = 0;
    if (this.released || n === 0) return;
    this.socket.write(data, () => this.flushed(n));
  }

  private flushed(n: number): void {
    if (this.released) return;
    this.pending -= n;
    this.quota.queued -= n;
    this.lastFlush = Date.now();
    if (this.waited && !this.full) {
      this.waited = false;
      this.onRoom();
    }
  }
}
