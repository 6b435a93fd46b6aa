/** Waits until services reach a state (svc -w): up, up and ready, down, or down with ./finish done. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { serviceStatus, type ServiceStatus } from './service-status.js';

/** What `svc -w` can wait for: u up, U up and ready, d down, D down and finished. */
export type WaitFor = 'u' | 'U' | 'd' | 'D';

/** True when the status satisfies the wait. */
export function reached(dir: string, s: ServiceStatus, what: WaitFor): boolean {
  switch (what) {
    case 'u':
      return s.pid !== 0;
    case 'U':
      if (s.pid === 0) return false;
      if (!existsSync(join(dir, 'notification-fd'))) return true; // no readiness protocol: up is ready
      return s.extra?.ready === true;
    case 'd':
      return s.pid === 0;
    case 'D':
      return s.pid === 0 && s.extra?.state !== 'finishing';
  }
}

/**
 * Polls every 20 ms until every dir reached `what` or `timeoutMs` passed (0 = no limit).
 * Returns the dirs that did not get there (unreadable ones included, with their reason).
 */
export async function waitAll(dirs: string[], what: WaitFor, timeoutMs: number): Promise<Map<string, string>> {
  const pending = new Map<string, string>(dirs.map((d) => [d, 'not yet']));
  const end = timeoutMs > 0 ? Date.now() + timeoutMs : Infinity;
  for (;;) {
    for (const dir of [...pending.keys()]) {
      try {
        if (reached(dir, serviceStatus(dir), what)) pending.delete(dir);
      } catch (e) {
        pending.set(dir, (e as Error).message);
      }
    }
    if (pending.size === 0 || Date.now() >= end) return pending;
    await new Promise((r) => setTimeout(r, 20));
  }
}
