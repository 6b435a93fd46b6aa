/** Waits until services reach a state (svc -w): up, up and ready, down, or down with ./finish done. */
import { serviceStatus, type ServiceStatus } from './service-status.js';
import { EUNTRUSTED } from './supervise-access.js';

/** What `svc -w` can wait for: u up, U up and ready, d down, D down and finished. */
export type WaitFor = 'u' | 'U' | 'd' | 'D';

/**
 * True when the status satisfies the wait, false when not yet, or a reason when it never will
 * (waiting for up on a service whose supervisor gave up after quick deaths).
 * Without svkit's extra state (e.g. under daemontools' supervise), up counts as ready and down as finished.
 */
export function reached(s: ServiceStatus, what: WaitFor): boolean | string {
  const x = s.extra;
  switch (what) {
    case 'u':
    case 'U':
      if (s.pid === 0) return x?.gaveUp ? `gave up after ${x.quickDeaths} quick deaths` : false;
      if (what === 'u' || !x || !x.notifies) return true; // no readiness protocol: up is ready
      return x.ready;
    case 'd':
      return s.pid === 0;
    case 'D':
      return s.pid === 0 && x?.state !== 'finishing';
  }
}

/**
 * Polls every 20 ms (reading two small files per directory, never blocking) until every dir
 * reached `what` or `timeoutMs` passed (0 = no limit). Returns the dirs that did not get there:
 * `failed` will never (reason; a supervise/ that openSupervise refuses is one), `timedOut` were still on their way ('' or why they are unreadable).
 * A "never" verdict seen before `verdictAfter` (unix ms) is not trusted yet: letters just sent
 * (`svc -u -wu`) may not have been read by the supervisor, which still shows its old give-up.
 */
export async function waitAll(dirs: string[], what: WaitFor, timeoutMs: number, verdictAfter = 0): Promise<{ failed: Map<string, string>; timedOut: Map<string, string> }> {
  const pending = new Map<string, string>(dirs.map((d) => [d, '']));
  const failed = new Map<string, string>();
  const end = timeoutMs > 0 ? Date.now() + timeoutMs : Infinity;
  for (;;) {
    for (const dir of [...pending.keys()]) {
      try {
        const r = reached(serviceStatus(dir), what);
        if (r === true) pending.delete(dir);
        else if (typeof r === 'string' && Date.now() >= verdictAfter) {
          pending.delete(dir);
          failed.set(dir, r);
        } else pending.set(dir, '');
      } catch (e) {
        // a refused supervise/ (see openSupervise) is no state on its way: give up on it now
        if ((e as NodeJS.ErrnoException).code === EUNTRUSTED) {
          pending.delete(dir);
          failed.set(dir, (e as Error).message);
        } else pending.set(dir, (e as Error).message);
      }
    }
    if (pending.size === 0 || Date.now() >= end) return { failed, timedOut: pending };
    await new Promise((r) => setTimeout(r, 20));
  }
}
