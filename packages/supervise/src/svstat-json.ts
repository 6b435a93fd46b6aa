/** The machine-readable status of one service directory, for `svstat --json`. */
import { serviceStatus, StatusError } from '@svkit/protocol/service-status';

/**
 * One directory's state as a plain object (`error` and `code` instead when unreadable). Times are
 * unix seconds (fractions allowed); fields svkit's supervisor did not record (e.g. under
 * daemontools' own supervise) are null.
 */
export function statusJson(dir: string, nowSec: number): Record<string, unknown> {
  try {
    const s = serviceStatus(dir);
    const x = s.extra;
    const since = s.when.sec + s.when.nsec / 1e9;
    return {
      dir,
      state: x?.state ?? (s.pid ? 'up' : 'down'),
      up: s.pid !== 0,
      pid: s.pid || null,
      paused: s.pid !== 0 && s.paused,
      want: s.want === 'u' ? 'up' : s.want === 'd' ? 'down' : 'once',
      normallyUp: !s.normallyDown,
      since,
      seconds: Math.max(0, Math.floor(nowSec - s.when.sec)),
      ready: x ? (x.notifies ? x.ready : s.pid !== 0) : null,
      readySince: x?.readySince != null ? x.readySince / 1000 : x && !x.notifies && s.pid !== 0 ? since : null,
      lastExit: x?.lastExit ? { code: x.lastExit.code, signal: x.lastExit.signal, at: x.lastExit.at / 1000 } : null,
      restarts: x?.restarts ?? null,
      quickDeaths: x?.quickDeaths ?? null,
      gaveUp: x?.gaveUp ?? false,
      nextStart: x?.state === 'starting' && x.nextStart !== null ? x.nextStart / 1000 : null,
      backoff: x?.state === 'starting' ? x.backoff === true : false,
    };
  } catch (e) {
    if (e instanceof StatusError) return { dir, error: e.text, code: e.code ?? null };
    throw e;
  }
}
