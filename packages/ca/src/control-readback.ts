/**
 * What a service's `_control` PV reads back: the wish of supervise/status (Stop, Run), or Reset
 * after a written Reset was confirmed, as an IOC's mbbo holds the value written. A written value
 * is held back until the supervisor has acted on it, so a monitor sees only values the service
 * went through (never the old wish again after a caput).
 */
import type { ServiceStatus } from '@svkit/protocol';

/** What a service keeps about writes to its control. */
export interface ControlReadback {
  /**
   * A value written to _control (or all) that the status does not show yet: `at` is the status
   * record's start/stop time and pid, `want` its wish, when it was written. Until the supervisor
   * has acted on it, _control keeps the value it shows (a monitor never sees the old wish again).
   */
  written?: { index: number; at: string; want: ServiceStatus['want'] | undefined };
  /** A written Reset was confirmed (a start or stop since): _control reads Reset, as an IOC's mbbo holds it, while the wish stays up. */
  reset?: boolean;
}

/** Records that control index `index` (0 Stop, 1 Run, 2 Reset) was written while the status was `last`. */
export function written(s: ControlReadback, index: number, last: ServiceStatus | undefined): void {
  s.written = { index, at: last ? statusAt(last) : '', want: last?.want };
}

/** The start/stop time and pid of a status record: they change when a process starts or ends. */
function statusAt(st: ServiceStatus): string {
  return `${st.when.sec}.${st.when.nsec}/${st.pid}`;
}

/**
 * What _control reads for status `st`: Stop when the wish is down, Run when up (no wish after
 * svc -o: Run while a process runs), Reset after a confirmed Reset while the wish stays up;
 * undefined (keep the value shown) while a written value is still to be acted on (see
 * ControlReadback.written). A Reset is confirmed by a start or stop with the wish up; Stop and Run by
 * the wish; a pending value is dropped when a process starts or stops with another wish (someone
 * else's svc).
 */
export function controlValue(s: ControlReadback, st: ServiceStatus): number | undefined {
  const plain = st.want === 'd' ? 0 : st.want === 'u' ? 1 : st.pid ? 1 : 0;
  const p = s.written;
  if (p) {
    const moved = statusAt(st) !== p.at;
    if (p.index === 2) {
      if (moved && st.want === 'u') {
        s.written = undefined;
        s.reset = true;
        return 2;
      }
      if (!moved || st.want === 'u' || st.want === p.want) return undefined;
    } else if (st.want !== (p.index === 0 ? 'd' : 'u') && !moved) {
      return undefined;
    }
    s.written = undefined;
    s.reset = false;
  }
  if (s.reset && st.want === 'u') return 2;
  s.reset = false;
  return plain;
}

