/**
 * A supervisor's records on disk: supervise/status and supervise/state.json, written once per
 * event (batched in a microtask), the adoption record of a child just started (written before the
 * status names its pid), and, after a restart of the supervisor, taking over the process its
 * predecessor recorded.
 */
import { fstatSync } from 'node:fs';
import { errnoText } from '@svkit/diag';
import type { Instant } from '@svkit/tai64';
import { NAME, STATE_JSON } from '@svkit/protocol/layout';
import type { Status } from '@svkit/protocol/status-pack';
import { readStatusAt, writeStatus } from '@svkit/protocol/status-file';
import { readExtraStateAt, writeExtraState, type ExtraState } from '@svkit/protocol/extra-state';
import { adoptablePid, recordChild } from './adopt-record.js';
import { watchExit, type Adopted } from './adopt-watch.js';
import type { ChildStdio } from './child-fds.js';
import type { OpenedDir } from './service-dir-open.js';

/** What a flush reads from its supervisor, as it is when the flush happens. */
export interface RecordSource {
  /** The service directory as the user named it (for messages). */
  readonly dir: string;
  /** The directory held; undefined before open and once closed (nothing is written then). */
  held(): OpenedDir | undefined;
  /** The status record's fields. */
  status(): Status;
  /** The extra state, its state, pid and want brought up to date. */
  extra(): ExtraState;
  /** The fds ./run gets (its log pipe is among them). */
  stdio(): ChildStdio | undefined;
  warn(msg: string): void;
}

/** The status files of one supervisor, and the adoption record of the child it just started. */
export class StatusRecord {
  private statusDirty = false;
  private extraDirty = false;
  private flushQueued = false;
  /** A child just started: its adoption record is still to be written (see flush). */
  private recordPid = 0;
  private lateFlush = false;

  constructor(private readonly src: RecordSource) {}

  /**
   * Writes the extra state, then supervise/status (18 bytes): a reader that sees the new status
   * finds the matching extra state already there. The writes of one event are made once, when its
   * actions are done (a microtask: before any I/O callback, so no reader can tell): an exit that
   * plans a restart writes each file once, not two or three times.
   */
  writeStatus(): void {
    this.statusDirty = true;
    this.writeExtra();
  }

  /** Writes the extra state alone (batched as writeStatus). */
  writeExtra(): void {
    this.extraDirty = true;
    if (this.flushQueued) return;
    this.flushQueued = true;
    queueMicrotask(() => this.flush());
  }

  /** Child `pid` just started: its adoption record goes before the status names the pid (see flush). */
  childStarted(pid: number): void {
    this.recordPid = pid;
    this.writeStatus();
  }

  /** Writes what changed since the last flush (state.json first, then status); `now`: without waiting for an adoption record. */
  flush(now = false): void {
    this.flushQueued = false;
    if (this.recordPid && !now) {
      // A child just started. Its adoption record (its start time, from /proc) goes first, so that a
      // supervisor killed in between can still adopt it; reading /proc/PID/stat waits until the
      // child's exec is done, so it is read in the next turn of the event loop, after the other
      // starts due now (1000 services starting: ~1 ms saved each). The status follows it.
      if (!this.lateFlush) {
        this.lateFlush = true;
        setImmediate(() => {
          this.lateFlush = false;
          this.flush(true);
        });
      }
      return;
    }
    const held = this.src.held();
    if (this.recordPid) {
      if (held && this.src.status().pid === this.recordPid) recordChild(held.sup, held.key, this.recordPid, logPipe(this.src.stdio()));
      this.recordPid = 0;
    }
    const status = this.statusDirty;
    const extra = this.extraDirty;
    this.statusDirty = this.extraDirty = false;
    if (!held) return;
    if (extra) {
      try {
        writeExtraState(held.sup, this.src.extra());
      } catch (e) {
        this.src.warn(`unable to write ${this.src.dir}/${STATE_JSON}: ${errnoText(e)}`);
      }
    }
    if (status) {
      try {
        writeStatus(held.sup, this.src.status());
      } catch (e) {
        this.src.warn(`unable to write ${this.src.dir}/supervise/status: ${errnoText(e)}`);
      }
    }
  }
}

/** The inode of the log pipe ./run gets (its stdout, or a logger's stdin), for the adoption record. */
function logPipe(stdio: ChildStdio | undefined): number | undefined {
  for (const fd of (stdio ?? []).slice(0, 2)) {
    if (typeof fd !== 'number') continue;
    try {
      const st = fstatSync(fd);
      if (st.isFIFO()) return st.ino;
    } catch { /* closed */ }
  }
  return undefined;
}

/** A live process a previous supervisor started, taken over by this one (see adoptPrevious). */
export interface Adoption {
  adopted: Adopted;
  pid: number;
  /** When it started, as the status says (undefined: unreadable). */
  when: Instant | undefined;
}

/**
 * After a restart of the supervisor: if the status names a live process that we started
 * (same pid and kernel start time as recorded in supervise/adopt), watches it (`onExit` once it
 * has exited) and keeps in `extra` what the previous supervisor recorded about it.
 */
export function adoptPrevious(dirs: OpenedDir, extra: ExtraState, onExit: () => void): Adoption | undefined {
  const pid = adoptablePid(dirs.sup, dirs.key);
  if (pid === undefined) return undefined;
  let adopted: Adopted;
  try {
    adopted = watchExit(pid, onExit);
  } catch {
    return undefined;
  }
  let when: Instant | undefined;
  try {
    when = readStatusAt(dirs.sup.path(NAME.status)).when;
  } catch { /* unknown */ }
  carryOverExtra(dirs, extra, pid);
  return { adopted, pid, when };
}

/** Keeps what the previous supervisor recorded about the adopted process (readiness, counters). */
function carryOverExtra(dirs: OpenedDir, extra: ExtraState, pid: number): void {
  const old = readExtraStateAt(dirs.sup.path(NAME.stateJson));
  if (!old || old.pid !== pid) return;
  extra.ready = old.ready === true;
  extra.readySince = typeof old.readySince === 'number' ? old.readySince : null;
  extra.notifies = old.notifies === true;
  extra.restarts = typeof old.restarts === 'number' ? old.restarts : 0;
  extra.lastExit = old.lastExit ?? null;
  if (typeof old.since === 'number') extra.since = old.since;
}
