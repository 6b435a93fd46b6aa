/** Reads what svstat shows for one directory: the status record, whether supervise runs, and svkit's extras. */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { errnoError, errnoText } from '@svkit/diag';
import { DOWN } from './layout.js';
import { superviseRunning } from './ok-probe.js';
import { readStatus } from './status-file.js';
import type { Status } from './status-pack.js';
import { readExtraState, type ExtraState } from './extra-state.js';

/** Everything known about one service directory. */
export interface ServiceStatus extends Status {
  /** DIR/down exists. */
  normallyDown: boolean;
  /** svkit's extra state, when present and about the same process as the status record. */
  extra?: ExtraState;
}

/** A failure with the daemontools svstat wording after `DIR: `. */
export class StatusError extends Error {
  constructor(readonly text: string, readonly code?: string) {
    super(text);
  }
}

/** Reads the status of `dir`; throws StatusError with svstat's text ("supervise not running", ...). */
export function serviceStatus(dir: string): ServiceStatus {
  try {
    if (!statSync(dir).isDirectory()) throw errnoError('ENOTDIR', dir);
  } catch (e) {
    throw new StatusError(`unable to chdir: ${errnoText(e)}`, (e as NodeJS.ErrnoException).code);
  }
  let running: boolean;
  try {
    running = superviseRunning(dir);
  } catch (e) {
    throw new StatusError(`unable to open supervise/ok: ${errnoText(e)}`, (e as NodeJS.ErrnoException).code);
  }
  if (!running) throw new StatusError('supervise not running', 'ENXIO');
  let st: Status;
  try {
    st = readStatus(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EBADFORMAT') throw new StatusError('unable to read supervise/status: bad format', code);
    throw new StatusError(`unable to open supervise/status: ${errnoText(e)}`, code);
  }
  let normallyDown = false;
  try {
    statSync(join(dir, DOWN));
    normallyDown = true;
  } catch { /* normally up */ }
  // only when about the same process: a daemontools supervise may have taken over since
  const x = readExtraState(dir);
  const extra = x && x.pid === st.pid ? (x as ExtraState) : undefined;
  return { ...st, normallyDown, extra };
}
