/** svkit's extra state beside the 18-byte status: supervise/state.json, read by `svstat` and `svstat --json`. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { STATE_JSON, STATE_JSON_NEW } from './layout.js';
import { writeAtomic } from '@svkit/sys/write-atomic';
import type { State } from './supervisor-table.js';

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

/** Reads DIR/supervise/state.json; undefined when absent or unreadable. */
export function readExtraState(dir: string): Partial<ExtraState> | undefined {
  try {
    const x = JSON.parse(readFileSync(join(dir, STATE_JSON), 'utf8')) as Partial<ExtraState>;
    return x && typeof x === 'object' ? x : undefined;
  } catch {
    return undefined;
  }
}

/** Replaces DIR/supervise/state.json atomically (mode 0644); throws with the errno code. */
export function writeExtraState(dir: string, x: ExtraState): void {
  writeAtomic(join(dir, STATE_JSON_NEW), join(dir, STATE_JSON), Buffer.from(JSON.stringify(x) + '\n'), 0o644);
}
