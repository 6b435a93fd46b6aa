/**
 * Live updates for the page over Server-Sent Events: one `services` event with every service,
 * then `update` events with only the rows that changed (and `removed` names), once a second while
 * anyone listens. One scan serves all listeners. A listener that does not read is held back by
 * the stream budget (and dropped when it stays stuck), then resynchronised with the full list.
 */
import type { ServerResponse } from 'node:http';
import type { ScanState } from './scan-state.js';
import type { StreamHandle } from './stream-budget.js';

/** How often listeners get changes. */
export const EVENT_INTERVAL_MS = 1000;

/** Starts an SSE response. */
export function sseStart(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no', connection: 'keep-alive' });
  res.write(': svweb\n\n');
}

/** Writes one SSE event. */
export function sseSend(res: ServerResponse, event: string, data: unknown): boolean {
  return res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

export class LiveEvents {
  /** Each listener with its place in the budget, and whether it missed updates (it then gets the full list). */
  private readonly listeners = new Map<ServerResponse, { handle: StreamHandle; behind: boolean }>();
  private timer: NodeJS.Timeout | undefined;
  private last = new Map<string, string>();

  constructor(private readonly scan: ScanState, private readonly extra: () => Record<string, unknown>) {}

  private full(res: ServerResponse): void {
    sseSend(res, 'services', { ...this.extra(), now: Date.now() / 1000, services: this.scan.snapshot() });
  }

  /** Adds a listener (`handle`: its place in the stream budget): it gets the full list now and changes later. */
  add(res: ServerResponse, handle: StreamHandle): void {
    sseStart(res);
    this.full(res);
    this.listeners.set(res, { handle, behind: false });
    res.on('close', () => {
      this.listeners.delete(res);
      if (this.listeners.size === 0) this.stop();
    });
    if (!this.timer) {
      this.last = new Map(this.scan.snapshot().map((v) => [v.name, JSON.stringify(v)]));
      this.timer = setInterval(() => this.tick(), EVENT_INTERVAL_MS);
    }
  }

  private tick(): void {
    const views = this.scan.snapshot(true);
    const next = new Map<string, string>();
    const changed = [];
    for (const v of views) {
      const j = JSON.stringify(v);
      next.set(v.name, j);
      if (this.last.get(v.name) !== j) changed.push(v);
    }
    const removed = [...this.last.keys()].filter((n) => !next.has(n));
    this.last = next;
    const msg = { now: Date.now() / 1000, changed, removed };
    const quiet = changed.length === 0 && removed.length === 0;
    for (const [res, l] of this.listeners) {
      // a listener that does not read gets nothing more (the budget drops it if it stays stuck);
      // once it reads again it gets the full list instead of the updates it missed
      if (!l.handle.ready()) l.behind = true;
      else if (l.behind) {
        l.behind = false;
        this.full(res);
      } else if (quiet) res.write(': tick\n\n');
      else sseSend(res, 'update', msg);
    }
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  closeAll(): void {
    this.stop();
    for (const r of this.listeners.keys()) r.end();
    this.listeners.clear();
  }
}
