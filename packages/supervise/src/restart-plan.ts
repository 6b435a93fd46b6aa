/**
 * When a supervisor starts its service again: the restart-delay, quick-death and backoff rules,
 * the owner's floor between starts (or its own rule), and the one timer of a planned start.
 */
import type { ServiceConfig } from './service-config.js';

/** What the next start depends on besides the settings. */
export interface RestartHistory {
  /** The previous start (ms since the epoch; 0: none). */
  lastStart: number;
  /** The last exit (ms since the epoch; 0: none). */
  lastExit: number;
  /** Quick deaths in a row. */
  quickDeaths: number;
  /** No start sooner than this many ms after the previous one (SupervisorOptions.restartFloorMs). */
  floorMs: number;
  /** The owner's rule, replacing the settings' (SupervisorOptions.restartAt). */
  restartAt?: (lastStart: number, lastExit: number) => number;
}

/**
 * When to start next (ms since the epoch), and whether that is a backoff. After a long run (at least
 * quick-death ms, default restart-delay): at once. After a quick death: restart-delay after the
 * previous start (0.76 sleeps 1 s after every start, so a crash loop restarts once a second). From
 * the 2nd quick death in a row, with restart-factor > 1: restart-delay x factor^(n-1) ms after the
 * exit, at most restart-max-delay (backoff). An operator's start (svc -u, -o) waits for the same
 * throttle as after a long run.
 */
export function nextStart(cfg: ServiceConfig, h: RestartHistory, t = Date.now()): { at: number; backoff: boolean } {
  if (h.restartAt) return { at: Math.max(t, h.restartAt(h.lastStart, h.lastExit)), backoff: false };
  const n = h.quickDeaths;
  // after a long run (n = 0) lastStart + quick-death is already past: at once
  let at = Math.max(t, h.lastStart + (n === 0 ? Math.min(cfg.restartDelay, cfg.quickDeath) : cfg.restartDelay));
  at = Math.max(at, h.lastStart + h.floorMs); // no setting goes below the floor
  if (n >= 2 && cfg.restartFactor > 1) {
    const cap = Math.max(cfg.restartMaxDelay, cfg.restartDelay);
    return { at: Math.max(at, t + Math.min(cap, cfg.restartDelay * cfg.restartFactor ** (n - 1))), backoff: true };
  }
  return { at, backoff: false };
}

/** svc -u while a start is planned: no backoff, as soon as the 0.76 throttle (and the floor) allows. */
export function hurriedStart(cfg: ServiceConfig, lastStart: number, floorMs: number, t = Date.now()): number {
  return Math.max(t, lastStart + Math.max(cfg.restartDelay, floorMs));
}

/** The planned start: at most one; a new plan replaces the previous one. */
export class StartTimer {
  /** Cancels the planned start (a timer, or an immediate when it is due now). */
  private cancelPlan: (() => void) | undefined;

  /** Calls `fire` at `at` (ms since the epoch). */
  plan(at: number, fire: () => void): void {
    this.cancel();
    const run = (): void => {
      this.cancelPlan = undefined;
      fire();
    };
    const ms = at - Date.now();
    if (ms <= 0) {
      // due now (after a long run, svc -u): in this turn of the event loop, not a timer's 1 ms later
      const im = setImmediate(run);
      this.cancelPlan = () => clearImmediate(im);
    } else {
      const tm = setTimeout(run, ms);
      this.cancelPlan = () => clearTimeout(tm);
    }
  }

  /** Drops the planned start, if any. */
  cancel(): void {
    this.cancelPlan?.();
    this.cancelPlan = undefined;
  }
}
