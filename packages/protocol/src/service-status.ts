/** Reads what svstat shows for one directory: the status record, whether supervise runs, and svkit's extras. */
import { lstatSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { errnoError, errnoText } from '@svkit/diag';
import type { DirHandle } from './dir-handle.js';
import { DOWN, NAME } from './layout.js';
import { superviseRunningAt } from './ok-probe.js';
import { readStatusAt } from './status-file.js';
import type { Status } from './status-pack.js';
import { readExtraStateAt, type ExtraState } from './extra-state.js';
import { openSupervise } from './supervise-access.js';

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

/**
 * Reads the status of `dir`; throws StatusError with svstat's text ("supervise not running", ...).
 * supervise/ is reached once, through openSupervise, and ok, status and state.json are read through
 * that one descriptor; a refused supervise/ reads as `unable to open supervise/ok: WHY` (code EUNTRUSTED).
 */
export function serviceStatus(dir: string): ServiceStatus {
  try {
    if (!statSync(dir).isDirectory()) throw errnoError('ENOTDIR', dir);
  } catch (e) {
    throw new StatusError(`unable to chdir: ${errnoText(e)}`, (e as NodeJS.ErrnoException).code);
  }
  const okFailed = (e: unknown): StatusError => new StatusError(`unable to open supervise/ok: ${errnoText(e)}`, (e as NodeJS.ErrnoException).code);
  let sup: DirHandle;
  try {
    sup = openSupervise(dir);
  } catch (e) {
    throw okFailed(e);
  }
  try {
    let running: boolean;
    try {
      running = superviseRunningAt(sup);
    } catch (e) {
      throw okFailed(e);
    }
    if (!running) throw new StatusError('supervise not running', 'ENXIO');
    let st: Status;
    try {
      st = readStatusAt(sup.path(NAME.status));
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
    const x = readExtraStateAt(sup.path(NAME.stateJson));
    const extra = x && x.pid === st.pid ? (x as ExtraState) : undefined;
    return { ...st, normallyDown, extra };
  } finally {
    sup.close();
  }
}

/**
 * The identity (inode, mtime, size) of supervise/status and supervise/state.json, which a
 * supervisor replaces on every change: pollers (svweb, svca) re-read a service with serviceStatus
 * only when it changed. Reached through openSupervise like every read; `!CODE` when supervise/
 * cannot be used (absent, refused), which changes when that changes.
 */
export function statusChangeKey(dir: string): string {
  let sup: DirHandle;
  try {
    sup = openSupervise(dir);
  } catch (e) {
    return `!${(e as NodeJS.ErrnoException).code ?? '?'}`;
  }
  try {
    let k = '';
    for (const f of [NAME.status, NAME.stateJson]) {
      const st = lstatSync(sup.path(f), { bigint: true, throwIfNoEntry: false });
      k += st ? `${st.ino}:${st.mtimeNs}:${st.size};` : '-;';
    }
    return k;
  } finally {
    sup.close();
  }
}
