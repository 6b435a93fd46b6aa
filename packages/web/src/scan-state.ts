/**
 * The services of the scan directories, as the server sees them: a snapshot of every service
 * (re-read at most every `ttlMs`, so 50 clients cost one scan), one service by name, control
 * letters, and waiting for a service to reach a state.
 */
import { statusChangeKey } from '@svkit/protocol';
import { listServices, resolveService, type ServiceRef } from './service-names.js';
import { viewService, type ServiceView } from './service-view.js';
import { sendLetters } from './service-control.js';

/** Polling period while waiting for a state. */
const WAIT_POLL_MS = 50;
/** A service whose status files did not change is still re-read this often (supervise gone, `down` added...). */
const FULL_READ_MS = 10000;

export class ScanState {
  private cache: { at: number; views: ServiceView[] } | undefined;
  private readonly known = new Map<string, { key: string; at: number; view: ServiceView }>();

  constructor(readonly scanDirs: readonly string[], private readonly ttlMs = 250) {}

  /** Every service, sorted by name. */
  snapshot(fresh = false): ServiceView[] {
    const now = Date.now();
    if (!fresh && this.cache && now - this.cache.at < this.ttlMs) return this.cache.views;
    // a service is read in full only when its status files changed (2 lstat instead of ~12 calls)
    const views: ServiceView[] = [];
    const seen = new Set<string>();
    for (const ref of listServices(this.scanDirs)) {
      seen.add(ref.name);
      let key: string;
      try {
        key = statusChangeKey(ref.dir); // supervise/ reached as every client does (openSupervise)
      } catch {
        key = '?';
      }
      const k = this.known.get(ref.name);
      if (k && k.key === key && key !== '?' && now - k.at < FULL_READ_MS) {
        views.push(k.view);
        continue;
      }
      const view = viewService(ref);
      this.known.set(ref.name, { key, at: now, view });
      views.push(view);
    }
    for (const n of this.known.keys()) if (!seen.has(n)) this.known.delete(n);
    this.cache = { at: now, views };
    return views;
  }

  /** The service `name`; throws ENOENT when it is not one of the scan directory. */
  ref(name: string): ServiceRef {
    return resolveService(this.scanDirs, name);
  }

  /** The current view of one service (always read fresh). */
  view(name: string): ServiceView {
    return viewService(this.ref(name));
  }

  /** Sends control letters (already checked) to `name`. */
  control(name: string, letters: string): void {
    sendLetters(this.ref(name).dir, letters);
    this.cache = undefined;
  }

  /** Resolves with the view once `pred` holds, or with undefined after `timeoutMs`. */
  async waitUntil(name: string, pred: (v: ServiceView) => boolean, timeoutMs: number): Promise<ServiceView | undefined> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const v = this.view(name);
      if (pred(v)) return v;
      if (Date.now() >= end) return undefined;
      await new Promise((r) => setTimeout(r, WAIT_POLL_MS));
    }
  }
}
