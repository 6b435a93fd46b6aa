/**
 * Live updates for the page over Server-Sent Events: one `services` event with every service,
 * then `update` events with only the rows that changed (and `removed` names), once a second while
 * anyone listens. One scan serves all listeners.
 */
import type { ServerResponse } from 'node:http';
import type { ScanState } from './scan-state.js';

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
  private readonly listeners = new Set<ServerResponse>();
  private timer: NodeJS.Timeout | undefined;
  private last = new Map<string, string>();

  constructor(private readonly scan: ScanState, private readonly extra: () => Record<string, unknown>) {}

  /** Adds a listener: it gets the full list now and changes later. */
  add(res: ServerResponse): void {
    sseStart(res);
    sseSend(res, 'services', { ...this.extra(), now: Date.now() / 1000, services: this.scan.snapshot() });
    this.listeners.add(res);
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
    for (const res of this.listeners) {
      // a listener that cannot keep up gets dropped; its EventSource reconnects and gets the full list
      if (res.writableLength > 4 * 1024 * 1024) res.destroy();
      else if (quiet) res.write(': tick\n\n');
      else sseSend(res, 'update', msg);
    }
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  closeAll(): void {
    this.stop();
    for (const r of this.listeners) r.end();
    this.listeners.clear();
  }
}
