/**
 * supervisord's start, as seen over XML-RPC, on a supervise service. After `svc -u` the run is
 * STARTING until it has stayed up startsecs (or, with a notification-fd, until it is ready), then
 * RUNNING. A run that dies before that is a spawn error; supervise's restart is supervisord's
 * retry (BACKOFF), and once startretries retries have died as quickly, svweb sends `svc -d`: the
 * service is then FATAL (supervisorState reads that from supervise's quick-death count).
 *
 * One watch per service at a time (a new start replaces it), so what clients can make svweb hold
 * is bounded by the number of services; each watch ends by WATCH_MAX_MS at the latest.
 */
import type { ScanState } from './scan-state.js';
import type { ServiceView } from './service-view.js';
import { STARTRETRIES, STARTSECS_MS } from './supervisor-timing.js';

/** How often a watch reads the service's status (a quick death is seen before supervise's 1 s restart delay runs out). */
const POLL_MS = 100;
/** Time for supervise to take the `u` (it reads its control FIFO at once; only a stuck supervise takes longer). */
const TAKE_MS = 5000;
/**
 * A watch ends after this even when the service is still retrying: 4 quick deaths take 4 s with
 * supervise's default restart-delay, a few minutes with restart-factor and restart-max-delay.
 */
const WATCH_MAX_MS = 10 * 60_000;

/** How a start turned out first: up for startsecs (or ready), died within startsecs, or neither. */
export type StartOutcome = 'running' | 'spawn-error' | 'cancelled' | 'timeout';

/** The run started at or after `t0` (unix ms) has stayed up startsecs, or is ready. */
export function startedSince(x: ServiceView, t0: number, now = Date.now()): boolean {
  if (!x.up || x.state === 'stopping' || x.since * 1000 < t0 - 5) return false;
  return x.notifies ? x.ready === true : now - x.since * 1000 >= STARTSECS_MS;
}

export class StartWatches {
  private readonly active = new Map<string, { cancelled: boolean }>();

  constructor(private readonly scan: ScanState, private readonly giveUp: (x: ServiceView) => void) {}

  /**
   * Watches the start of `name` that is about to be asked for (at unix ms `t0`, before the `u` is
   * sent); resolves with the first outcome, and goes on (to RUNNING or FATAL) after that.
   */
  watch(name: string, t0: number): Promise<StartOutcome> {
    const prev = this.active.get(name);
    if (prev) prev.cancelled = true;
    const me = { cancelled: false };
    this.active.set(name, me);
    let first: ((o: StartOutcome) => void) | undefined;
    const firstOutcome = new Promise<StartOutcome>((r) => { first = r; });
    let taken = false;
    const finish = (o: StartOutcome): void => {
      first?.(o);
      if (this.active.get(name) === me) this.active.delete(name);
    };
    const tick = (): void => {
      if (me.cancelled) return finish('cancelled');
      let x: ServiceView;
      try {
        x = this.scan.view(name);
      } catch {
        return finish('cancelled');
      }
      const now = Date.now();
      if (x.state === 'unknown') return finish('cancelled');
      if (x.want === 'up') taken = true;
      else if (taken) return finish('cancelled'); // stopped by someone else
      else if (now - t0 > TAKE_MS) return finish('timeout');
      if (taken) {
        if (startedSince(x, t0, now)) return finish('running');
        if (x.gaveUp) return finish('spawn-error');
        // a death of this start's runs (older deaths are before t0) within startsecs
        if (x.lastExit && x.lastExit.at * 1000 >= t0 && (x.quickDeaths ?? 0) > 0) {
          first?.('spawn-error');
          first = undefined;
          if ((x.quickDeaths ?? 0) > STARTRETRIES) {
            this.giveUp(x);
            return finish('spawn-error');
          }
        }
      }
      if (now - t0 > WATCH_MAX_MS) return finish('timeout');
      setTimeout(tick, POLL_MS);
    };
    setTimeout(tick, POLL_MS);
    return firstOutcome;
  }
}
