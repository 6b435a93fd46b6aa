/**
 * One service as the web server shows it: what svstat and state.json say, flattened to the fields
 * the page, the JSON API, supervisorctl and /metrics need. Read through @svkit/protocol, state.json
 * checked field by field (extra-check.ts): what one service directory holds can only make that
 * service unknown.
 */
import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import { serviceStatus, StatusError, type State } from '@svkit/protocol';
import type { ServiceRef } from './service-names.js';
import { readCheckedExtra } from './extra-check.js';

/** The console socket of a service that runs procserv (README "Consoles"). */
export const CONSOLE_SOCKET = 'console';

/** One service's state, as served by GET /api/services. Times are unix seconds. */
export interface ServiceView {
  name: string;
  /** down, starting, up, stopping, finishing; 'unknown' when supervise is not running or unreadable. */
  state: State | 'unknown';
  up: boolean;
  pid: number;
  paused: boolean;
  want: 'up' | 'down' | 'once';
  normallyUp: boolean;
  /** When the pid last changed (start or exit). */
  since: number;
  ready: boolean | null;
  /** The current run was given a notification-fd: `ready` says when it is ready. */
  notifies: boolean;
  readySince: number | null;
  restarts: number | null;
  /** Quick deaths in a row (a crash loop when 2 or more). */
  quickDeaths: number | null;
  lastExit: { code: number | null; signal: string | null; at: number } | null;
  gaveUp: boolean;
  backoff: boolean;
  nextStart: number | null;
  /** A console socket is present. */
  console: boolean;
  /** svstat's error text when the state is unknown ("supervise not running"...). */
  error?: string;
}

/** Reads the view of one service; never throws (an unreadable service is 'unknown' with an error). */
export function viewService(ref: ServiceRef): ServiceView {
  let hasConsole = false;
  try {
    hasConsole = lstatSync(join(ref.dir, CONSOLE_SOCKET)).isSocket();
  } catch { /* none */ }
  try {
    const s = serviceStatus(ref.dir);
    // svkit's extras, checked (the file may be forged): a bad one makes the service unknown
    const x = readCheckedExtra(ref.dir, s.pid);
    const want = s.want === 'u' ? 'up' : s.want === 'd' ? 'down' : 'once';
    const state: State = x?.state ?? (s.pid ? 'up' : 'down');
    return {
      name: ref.name,
      state,
      up: s.pid !== 0,
      pid: s.pid,
      paused: s.paused,
      want: x?.want ?? want,
      normallyUp: !s.normallyDown,
      since: s.when.sec + s.when.nsec / 1e9,
      ready: x ? (x.notifies ? (x.ready ?? false) : s.pid !== 0) : null,
      notifies: x?.notifies ?? false,
      readySince: x?.readySince != null ? x.readySince / 1000 : null,
      restarts: x?.restarts ?? null,
      quickDeaths: x?.quickDeaths ?? null,
      lastExit: x?.lastExit ? { ...x.lastExit, at: x.lastExit.at / 1000 } : null,
      gaveUp: x?.gaveUp ?? false,
      backoff: x?.backoff ?? false,
      nextStart: x?.nextStart != null ? x.nextStart / 1000 : null,
      console: hasConsole,
    };
  } catch (e) {
    return {
      name: ref.name, state: 'unknown', up: false, pid: 0, paused: false, want: 'down', normallyUp: false, since: 0,
      ready: null, notifies: false, readySince: null, restarts: null, quickDeaths: null, lastExit: null, gaveUp: false, backoff: false, nextStart: null,
      console: hasConsole, error: e instanceof StatusError ? e.text : String((e as Error).message),
    };
  }
}
