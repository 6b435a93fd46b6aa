/**
 * Reading a service's status files for its PVs: one consistent snapshot of supervise/status and
 * state.json, and the time of each change (TIME forms) taken from those files, so that a restart
 * of svca keeps every PV's time.
 */
import { serviceStatus, statusChangeKey, type ServiceStatus } from '@svkit/protocol';
import { laterThan, nowStamp, type Pv, type Stamp } from './pv.js';

/** How often a read that raced with the supervisor's writes is tried again at once. */
const SNAPSHOT_TRIES = 3;

/**
 * Reads the status of `dir` as one snapshot: the supervisor replaces state.json and then status
 * (two renames), so a read between them would mix two states. The files' identity is taken
 * before and after the read; when it moved, the read is made again (at most SNAPSHOT_TRIES
 * times; undefined then, or when the two files disagree: try later). `st` undefined means no usable supervisor.
 */
export function consistentStatus(dir: string, before: string): { key: string; st: ServiceStatus | undefined } | undefined {
  let key = before;
  for (let i = 0; i < SNAPSHOT_TRIES; i++) {
    let st: ServiceStatus | undefined;
    try {
      st = serviceStatus(dir);
    } catch {
      st = undefined;
    }
    const after = statusChangeKey(dir);
    if (after === key) return agrees(st) ? { key, st } : undefined;
    key = after;
  }
  return undefined;
}

/**
 * Do status and state.json describe the same moment? The supervisor writes state.json first: a
 * read between its two renames finds the new state.json beside the old status (same pid, other
 * wish). Without state.json (daemontools) there is nothing to compare.
 */
function agrees(st: ServiceStatus | undefined): boolean {
  if (!st?.extra) return true;
  return st.extra.want === (st.want === 'u' ? 'up' : st.want === 'd' ? 'down' : 'once');
}

/**
 * The time of a change read from the status files, for PV `pv`: the status record's TAI64N stamp
 * (the last start or stop, nanoseconds; what a PV shows first, so a restart of svca keeps it);
 * for a change with no start or stop since the PV's last one (a new wish), the time the supervisor
 * wrote the status file (its mtime, from `key`); now when neither is later.
 */
export function fileStamp(st: ServiceStatus, key: string): (pv: Pv) => () => Stamp {
  return (pv) => () => {
    if (pv.fresh || laterThan(st.when, pv.stamp)) return st.when;
    const m = statusMtime(key);
    return m && laterThan(m, pv.stamp) ? m : nowStamp();
  };
}

/** The mtime of supervise/status in a statusChangeKey (`ino:mtimeNs:size;...`); undefined when it has none. */
function statusMtime(key: string): Stamp | undefined {
  const m = /^\d+:(\d+):\d+;/.exec(key);
  if (!m) return undefined;
  const ns = BigInt(m[1]!);
  return { sec: Number(ns / 1_000_000_000n), nsec: Number(ns % 1_000_000_000n) };
}

/** A unix-milliseconds time (state.json) as a Stamp. */
export function msStamp(ms: number): Stamp {
  return { sec: Math.floor(ms / 1000), nsec: (ms % 1000) * 1e6 };
}

