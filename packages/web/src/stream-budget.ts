/**
 * The memory budget of what svweb sends: every response, and the streams (log tails, SSE,
 * consoles) as they go. A producer asks
 * `ready()` before it produces for a client: yes only while that client's queue is under
 * STREAM_HIGH_WATER and the queues of all clients together are under STREAMS_TOTAL. A producer
 * that held back can ask to be woken (`whenReady`) once the client may take data again. A client
 * whose queue stays above its high-water mark for STREAM_STALL_MS is dropped (disconnected).
 */
import { STREAM_HIGH_WATER, STREAM_STALL_MS, STREAMS_TOTAL } from './limits.js';

/** How often clients are looked at (stalled ones dropped, held-back producers woken). */
const CHECK_MS = 250;

/** A client as the budget sees it. */
export interface StreamClient {
  /** Bytes queued for the client that the kernel has not taken yet. */
  queued(): number;
  /** Disconnects the client (it stayed stuck). */
  drop(): void;
}

/** One client's place in the budget. */
export class StreamHandle {
  /** When its queue went above the high-water mark (undefined: it is below). */
  stalledSince: number | undefined;
  /** Called once it may take data again. */
  waiting: (() => void) | undefined;

  constructor(private readonly budget: StreamBudget, readonly client: StreamClient) {}

  /** True when the client may be given more data now. */
  ready(): boolean {
    return this.budget.ready(this);
  }

  /** Calls `fn` (once) when the client may be given data again. */
  whenReady(fn: () => void): void {
    this.waiting = fn;
  }

  /** Leaves the budget (the client closed). */
  close(): void {
    this.budget.remove(this);
  }
}

/** The clients of one server. */
export class StreamBudget {
  private readonly handles = new Set<StreamHandle>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly perClient = STREAM_HIGH_WATER,
    readonly total = STREAMS_TOTAL,
    readonly stallMs = STREAM_STALL_MS,
  ) {}

  /** Adds a client; close its handle when it goes. */
  add(client: StreamClient): StreamHandle {
    const h = new StreamHandle(this, client);
    this.handles.add(h);
    if (!this.timer) {
      this.timer = setInterval(() => this.check(), CHECK_MS);
      this.timer.unref();
    }
    return h;
  }

  remove(h: StreamHandle): void {
    this.handles.delete(h);
    h.waiting = undefined;
    if (this.handles.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /** Number of clients (for tests). */
  get size(): number {
    return this.handles.size;
  }

  /** Bytes queued for all clients. */
  queuedTotal(): number {
    let n = 0;
    for (const h of this.handles) n += h.client.queued();
    return n;
  }

  /** True when all clients together have as much queued as allowed: produce nothing new for anyone. */
  full(): boolean {
    return this.queuedTotal() >= this.total;
  }

  ready(h: StreamHandle): boolean {
    return h.client.queued() < this.perClient && this.queuedTotal() < this.total;
  }

  private check(): void {
    const now = Date.now();
    const total = this.queuedTotal();
    for (const h of [...this.handles]) {
      const q = h.client.queued();
      if (q < this.perClient) h.stalledSince = undefined;
      else if (h.stalledSince === undefined) h.stalledSince = now;
      else if (now - h.stalledSince >= this.stallMs) {
        this.remove(h);
        h.client.drop();
        continue;
      }
      if (h.waiting && q < this.perClient && total < this.total) {
        const fn = h.waiting;
        h.waiting = undefined;
        fn();
      }
    }
  }

  /** Drops every client (server shutdown). */
  closeAll(): void {
    for (const h of [...this.handles]) this.remove(h);
  }
}
