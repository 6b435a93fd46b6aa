/**
 * The services of one scan directory, as the server sees them: a snapshot of every service
 * (re-read at most every `ttlMs`, so 50 clients cost one scan), one service by name, control
 * letters, and waiting for a service to reach a state.
 */
import { listServices, resolveService, type ServiceRef } from './service-names.js';
import { viewService, type ServiceView } from './service-view.js';
import { sendLetters } from './service-control.js';

/** Polling period while waiting for a state. */
const WAIT_POLL_MS = 50;

export class ScanState {
  private cache: { at: number; views: ServiceView[] } | undefined;

  constructor(readonly scanDir: string, private readonly ttlMs = 250) {}

  /** Every service, sorted by name. */
  snapshot(fresh = false): ServiceView[] {
    const now = Date.now();
    if (!fresh && this.cache && now - this.cache.at < this.ttlMs) return this.cache.views;
    const views = listServices(this.scanDir).map(viewService);
    this.cache = { at: now, views };
    return views;
  }

  /** The service `name`; throws ENOENT when it is not one of the scan directory. */
  ref(name: string): ServiceRef {
    return resolveService(this.scanDir, name);
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
