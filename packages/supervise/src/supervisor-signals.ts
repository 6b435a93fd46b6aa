/**
 * Signals a supervisor sends to what it runs: to the service (an adopted one through its pidfd),
 * to the service's process group when it leads one, SIGKILL to ./finish and what it started, and
 * the kill timer of timeout-kill and timeout-finish.
 */
import { constants as osConstants } from 'node:os';
import { pidfdSendSignal } from '@svkit/sys';
import { procLeadsOwnGroup } from './proc-identity.js';
import type { Adopted } from './adopt-watch.js';

/** Signal numbers by name. */
export const SIGNUM = osConstants.signals as Record<string, number>;

/**
 * Sends `sig` to the service `pid` (`adopted`: through its pidfd); with `group`, to its whole
 * process group instead when the service leads its own group (setsid, pgrphack): never to the
 * supervisor's own group. A process already gone is no error; other errors go to `fail`.
 */
export function signalService(pid: number, adopted: Adopted | undefined, sig: NodeJS.Signals, group: boolean, fail: (e: unknown) => void): void {
  try {
    if (group && procLeadsOwnGroup(pid)) {
      try {
        process.kill(-pid, sig);
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
      }
    }
    if (adopted) pidfdSendSignal(adopted.pidfd, SIGNUM[sig]!);
    else process.kill(pid, sig);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') fail(e);
  }
}

/** SIGKILL to `pid`'s process group when it leads one (./finish runs in its own), else to `pid`. */
export function killGroupOf(pid: number): void {
  try {
    process.kill(procLeadsOwnGroup(pid) ? -pid : pid, 'SIGKILL');
  } catch { /* gone */ }
}

/** The timer of timeout-kill (stopping) or timeout-finish (finishing): one at a time. */
export class KillTimer {
  private timer: NodeJS.Timeout | undefined;

  /** Calls `fire` in `ms` ms, replacing the timer armed before. */
  arm(ms: number, fire: () => void): void {
    this.clear();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      fire();
    }, ms);
  }

  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
