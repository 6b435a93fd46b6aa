/** The machine-readable status of one service directory, for `svstat --json`. */
import { serviceStatus, StatusError } from './service-status.js';

/** One directory's state as a plain object (an `error` field instead when unreadable). */
export function statusJson(dir: string, nowSec: number): Record<string, unknown> {
  try {
    const s = serviceStatus(dir);
    const x = s.extra;
    return {
      dir,
      state: x?.state ?? (s.pid ? 'up' : 'down'),
      pid: s.pid || null,
      up: s.pid !== 0,
      paused: s.pid !== 0 && s.paused,
      want: s.want === 'u' ? 'up' : s.want === 'd' ? 'down' : null,
      normallyUp: !s.normallyDown,
      since: s.when.sec + s.when.nsec / 1e9,
      seconds: Math.max(0, Math.floor(nowSec - s.when.sec)),
      ready: x ? x.ready : null,
      readySince: x?.readySince != null ? x.readySince / 1000 : null,
      lastExit: x?.lastExit ? { code: x.lastExit.code, signal: x.lastExit.signal, at: x.lastExit.at / 1000 } : null,
      restarts: x?.restarts ?? null,
      quickDeaths: x?.quickDeaths ?? null,
      gaveUp: x?.gaveUp ?? false,
    };
  } catch (e) {
    if (e instanceof StatusError) return { dir, error: e.text, code: e.code ?? null };
    throw e;
  }
}
