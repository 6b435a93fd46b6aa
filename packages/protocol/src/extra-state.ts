/** svkit's extra state beside the 18-byte status: supervise/state.json, read by `svstat` and `svstat --json`. */
import type { DirHandle } from './dir-handle.js';
import { MODE_STATE_JSON, NAME, STATE_JSON_CAP } from './layout.js';
import { readBounded } from './safe-read.js';
import { withSupervise } from './supervise-access.js';

/** Where a supervised service is (the `state` of state.json; the supervisor's table has one row each). */
export type State =
  | 'down' // no process, none planned
  | 'starting' // no process, a start is scheduled (restart delay / backoff)
  | 'up' // ./run is running
  | 'stopping' // ./run is running, the down signal was sent (timeout-kill armed)
  | 'finishing'; // ./run exited, ./finish is running

/** What supervise/state.json holds. */
export interface ExtraState {
  state: State;
  pid: number;
  want: 'up' | 'down' | 'once';
  since: number; // unix ms of the last pid change
  ready: boolean;
  readySince: number | null;
  lastExit: { code: number | null; signal: string | null; at: number } | null;
  restarts: number;
  quickDeaths: number;
  gaveUp: boolean;
  nextStart: number | null; // unix ms of the planned start while state is 'starting'
  backoff: boolean; // the planned start is delayed by restart-factor (exponential backoff)
  notifies: boolean; // the current run was given a notification-fd (readiness is meaningful)
}

/** The extra state of a service that has not run yet. */
export function initialExtraState(): ExtraState {
  return {
    state: 'down', pid: 0, want: 'up', since: Date.now(), ready: false, readySince: null, lastExit: null,
    restarts: 0, quickDeaths: 0, gaveUp: false, nextStart: null, backoff: false, notifies: false,
  };
}

/** Reads state.json at `path` (bounded, non-blocking, no link followed); undefined when absent or unreadable. */
export function readExtraStateAt(path: string): Partial<ExtraState> | undefined {
  try {
    const r = readBounded(path, STATE_JSON_CAP);
    if (r.truncated) return undefined;
    const x = JSON.parse(r.data.toString('utf8')) as Partial<ExtraState>;
    return x && typeof x === 'object' ? x : undefined;
  } catch {
    return undefined;
  }
}

/** Reads DIR/supervise/state.json (see readExtraStateAt), supervise/ reached through openSupervise. */
export function readExtraState(dir: string): Partial<ExtraState> | undefined {
  try {
    return withSupervise(dir, (sup) => readExtraStateAt(sup.path(NAME.stateJson)));
  } catch {
    return undefined;
  }
}

/** Replaces state.json atomically (mode 0644) in the supervise directory held by `sup`; throws with the errno code. */
export function writeExtraState(sup: DirHandle, x: ExtraState): void {
  sup.writeAtomic(NAME.stateJsonNew, NAME.stateJson, Buffer.from(JSON.stringify(x) + '\n'), MODE_STATE_JSON);
}
