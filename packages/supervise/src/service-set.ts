/**
 * The services one supervising process runs (root svscan's own, or a per-owner supervisor's): each
 * service directory is held open (O_PATH) by its entry from the moment it is found, so a rename or
 * a directory planted at its old path never changes what is supervised or where ./run starts. A
 * service with a log/ is paired with its logger through a pipe that outlives restarts of either
 * side. A log/ added to a running service is noticed through one shared inotify instance.
 */
import { constants, fstatSync, openSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { errnoText, type Io } from '@svkit/diag';
import { closeQuiet, O_CLOEXEC, openDirPath, pipe2 } from '@svkit/sys';
import { LOG } from '@svkit/protocol/layout';
import { adoptableAt } from './adopt-record.js';
import { Supervisor } from './supervisor.js';
import { SuperviseError, trustedOwner } from './service-dir-open.js';
import { SubdirWatch } from './subdir-watch.js';

/** Check interval: the safety net under the directory watch (daemontools scans every 5 s). */
export const RESCAN_MS = 5000;
/** At shutdown, a logger still running this long after its input closed gets TERM... */
export const LOGGER_TERM_MS = 3000;
/** ...and this long after, SIGKILL (our multilog gives up on a full disk within 5 s and hands its lines to stderr). */
export const LOGGER_KILL_MS = 10000;

/** One service directory and its optional logger. */
export interface Entry {
  /** As named in the scan directory (messages). */
  name: string;
  /** dev:ino of the directory, as daemontools tells services apart. */
  key: string;
  /** The directory, held open (O_PATH) while the entry lives. */
  fd: number;
  main?: Supervisor;
  log?: Supervisor;
  /** Pipe from main's stdout to log's stdin: [read, write] (or one O_RDWR fd twice after adoption). */
  pipe?: [number, number];
  /** The directory was removed or replaced: keep supervising, never restart its supervisors. */
  gone: boolean;
  /** While the directory has no log/: its watch descriptor in the set's SubdirWatch. */
  logWd?: number;
  /** log/, held open (O_PATH) once found. */
  logFd?: number;
  /** The logger runs elsewhere: in the supervisor of this uid (root svscan: log/ is another user's). */
  logElsewhere?: number;
  /** Only the logger is ours: the service itself is supervised elsewhere (root), which gave us the pipe's read end. */
  logOnly?: boolean;
}

/** Directories (watch descriptors) where a log/ appeared; overflow: the kernel lost events, look everywhere. */
export interface LogEvents {
  wds: Set<number>;
  overflow: boolean;
}

/** Options of a service set. */
export interface ServiceSetOptions {
  io: Io;
  /** Program name for warnings. */
  prog: string;
  /**
   * A log/ owned by a user other than us and root (root svscan): hand its logger to that user's
   * supervisor with the pipe's read end. Takes `logFd` (O_PATH) when it returns true.
   */
  foreignLog?: (ent: Entry, logFd: number, uid: number) => boolean;
  /** Why root must not use a directory of its own (a directory above it another user can change), see path-trust.ts. */
  refuse?: (fd: number) => string | undefined;
  /**
   * Supervise only directories of our own user (a per-owner supervisor): a log/ that root or another
   * user owns is refused. Its supervise/ would have to be ours inside their directory, which neither
   * we may make nor root's clients accept.
   */
  ownOnly?: boolean;
  /** Passed to every Supervisor (see SupervisorOptions.restartFloorMs). */
  restartFloorMs?: number;
  /** Called when the last supervisor is gone after shutdown(). */
  onIdle?: () => void;
}

/** The supervised directories of this process, by key. */
export class ServiceSet {
  readonly entries = new Map<string, Entry>();
  private logWatch: SubdirWatch | undefined;
  private logEvents: LogEvents = { wds: new Set(), overflow: false };
  private shuttingDown = false;

  constructor(private readonly opts: ServiceSetOptions) {
    try {
      this.logWatch = new SubdirWatch(LOG);
    } catch (e) {
      this.warn(`unable to watch service directories for log/, checking every minute: ${errnoText(e)}`);
    }
  }

  /** A new entry for the directory held by `fd` (the set owns it from now on). */
  add(name: string, key: string, fd: number, logOnly = false): Entry {
    const ent: Entry = { name, key, fd, gone: false, logOnly };
    this.entries.set(key, ent);
    return ent;
  }

  /** Reads the log/ watch into the pending events; true when something awaits a look. */
  collectLogEvents(): boolean {
    const got = this.logWatch?.drain();
    if (got) {
      for (const wd of got.wds) this.logEvents.wds.add(wd);
      this.logEvents.overflow ||= got.overflow;
    }
    return this.logEvents.overflow || this.logEvents.wds.size > 0;
  }

  /** The pending log/ events, handed to one pass of ensure() calls. */
  takeLogEvents(): LogEvents {
    this.collectLogEvents();
    const ev = this.logEvents;
    this.logEvents = { wds: new Set(), overflow: false };
    return ev;
  }

  /** True when an entry misses a supervisor it should have (exited, or failed to start). */
  missing(): boolean {
    for (const ent of this.entries.values()) {
      if (ent.gone) continue;
      if (ent.logOnly ? !ent.log : !ent.main || (ent.pipe && !ent.log && ent.logElsewhere === undefined)) return true;
    }
    return false;
  }

  /** Starts what the entry lacks: its logger (when it has a log/) and its service. */
  ensure(ent: Entry, ev: LogEvents): void {
    if (this.shuttingDown) return;
    ent.gone = false;
    if (ent.logOnly) {
      if (!ent.log) ent.log = this.startSupervisor(ent, ent.name, ent.fd, [ent.pipe![0], 'inherit', 'inherit'], 'log');
      return;
    }
    const logPath = `/proc/self/fd/${ent.fd}/${LOG}`;
    let hasLog: boolean;
    if (ent.log || ent.logElsewhere !== undefined) hasLog = true; // its logger runs: nothing to look for
    else if (ent.logWd !== undefined && !ev.overflow && !ev.wds.has(ent.logWd)) hasLog = false; // watched, nothing appeared
    else {
      this.watchForLog(ent, true); // watch before looking, so a log/ made in between is not missed
      hasLog = statSync(logPath, { throwIfNoEntry: false })?.isDirectory() ?? false;
    }
    this.watchForLog(ent, !hasLog);
    if (hasLog && !ent.pipe) {
      ent.pipe = this.makePipe(ent);
      // a log/ added to a running service: its next start writes into the pipe
      ent.main?.setStdio(['inherit', ent.pipe[1], 'inherit']);
    }
    if (hasLog && !ent.log && ent.logElsewhere === undefined) this.startLogger(ent, logPath);
    if (!ent.main) ent.main = this.startSupervisor(ent, ent.name, ent.fd, ['inherit', ent.pipe ? ent.pipe[1] : 'inherit', 'inherit'], 'main');
  }

  /**
   * Starts the logger of `ent` from its log/ (opened once, O_PATH, and used only through that
   * descriptor). A log/ of another user goes to that user's supervisor when the owner of the set
   * can hand it over (root svscan); otherwise its Supervisor refuses it with a warning.
   */
  private startLogger(ent: Entry, logPath: string): void {
    if (ent.logFd === undefined) {
      try {
        ent.logFd = openDirPath(logPath);
      } catch (e) {
        this.warn(`unable to supervise ${ent.name}/${LOG}: unable to open ${ent.name}/${LOG}: ${errnoText(e)}`);
        return;
      }
    }
    const uid = fstatSync(ent.logFd).uid;
    if (!trustedOwner(uid) && this.opts.foreignLog) {
      if (this.opts.foreignLog(ent, ent.logFd, uid)) {
        ent.logElsewhere = uid;
        return;
      }
    }
    const euid = process.geteuid!();
    const why = this.opts.ownOnly && uid !== euid ? `owned by uid ${uid}, not by uid ${euid}, the owner of ${ent.name}`
      : trustedOwner(uid) ? this.opts.refuse?.(ent.logFd) : undefined;
    if (why) {
      this.warn(`unable to supervise ${ent.name}/${LOG}: ${why}`);
      return;
    }
    ent.log = this.startSupervisor(ent, `${ent.name}/${LOG}`, ent.logFd, [ent.pipe![0], 'inherit', 'inherit'], 'log');
  }

  /**
   * The pipe between a service and its logger. If the service or its logger still runs from an
   * earlier supervisor (adoption), the very pipe it holds is reopened through /proc/PID/fd so no
   * line is lost: only the pipe its adoption record names (by inode), checked again on what was
   * opened; with an older record (no pipe named), only for a process that runs as we do. The logger
   * is looked at only in a log/ of our own or root's. Otherwise a new pipe.
   */
  private makePipe(ent: Entry): [number, number] {
    for (const [path, fd] of [[`/proc/self/fd/${ent.fd}`, 1], [`/proc/self/fd/${ent.fd}/${LOG}`, 0]] as const) {
      const found = adoptableAt(path);
      if (!found) continue;
      const rw = reopenPipe(found.pid, fd, found.pipe);
      if (rw !== undefined) return [rw, rw];
    }
    return pipe2(O_CLOEXEC);
  }

  private startSupervisor(ent: Entry, dir: string, fd: number, stdio: [number | 'inherit', number | 'inherit', number | 'inherit'], side: 'main' | 'log'): Supervisor | undefined {
    if (side === 'main') {
      const why = this.opts.refuse?.(fd);
      if (why) {
        this.warn(`unable to supervise ${dir}: ${why}`);
        return undefined;
      }
    }
    const sv: Supervisor = new Supervisor({
      dir,
      path: `/proc/self/fd/${fd}`,
      io: this.opts.io,
      stdio,
      restartFloorMs: this.opts.restartFloorMs,
      onClose: () => {
        if (ent[side] === sv) ent[side] = undefined;
        if (!ent.main && !ent.log && (ent.gone || this.shuttingDown)) this.drop(ent);
        this.checkIdle();
      },
    });
    try {
      sv.open();
    } catch (e) {
      const why = e instanceof SuperviseError ? e.message : errnoText(e);
      this.warn(`unable to supervise ${dir}: ${why}`);
      return undefined;
    }
    return sv;
  }

  /** Keeps a watch on a service directory exactly while it has no log/ (watch limits only cost the 5 s check). */
  private watchForLog(ent: Entry, want: boolean): void {
    if (want && ent.logWd === undefined) ent.logWd = this.logWatch?.add(`/proc/self/fd/${ent.fd}`);
    else if (!want && ent.logWd !== undefined) {
      this.logWatch?.remove(ent.logWd);
      ent.logWd = undefined;
    }
  }

  /** The directory is no longer in the scan directory: its supervisors go on, and are not restarted. */
  markGone(ent: Entry): void {
    ent.gone = true;
    this.watchForLog(ent, false);
    if (!ent.main && !ent.log) this.drop(ent);
  }

  /** Forgets an entry (its supervisors are gone) and releases what it holds. */
  drop(ent: Entry): void {
    this.watchForLog(ent, false);
    if (this.entries.get(ent.key) === ent) this.entries.delete(ent.key);
    this.closePipe(ent);
    closeQuiet(ent.fd);
    if (ent.logFd !== undefined) closeQuiet(ent.logFd);
    ent.logFd = undefined;
  }

  private closePipe(ent: Entry): void {
    if (ent.pipe) {
      closeQuiet(ent.pipe[0]);
      if (ent.pipe[1] !== ent.pipe[0]) closeQuiet(ent.pipe[1]);
      ent.pipe = undefined;
    }
  }

  /** All supervisors, for tests and status. */
  supervisors(): Supervisor[] {
    const out: Supervisor[] = [];
    for (const e of this.entries.values()) {
      if (e.main) out.push(e.main);
      if (e.log) out.push(e.log);
    }
    return out;
  }

  /**
   * Brings every service down, then its logger (after closing the pipe so the logger reads to
   * EOF), and calls onIdle when all supervisors are gone. Nothing is started or restarted from
   * here on (a logger killed by a terminal's ^C stays down). Services that ignore the down signal
   * get SIGKILL after `killAfterMs`; a logger gets TERM LOGGER_TERM_MS after its EOF and SIGKILL
   * LOGGER_KILL_MS after it, so shutdown ends within killAfterMs + LOGGER_KILL_MS. A logger whose
   * service runs elsewhere (logOnly) sees EOF when that side closes too: it gets TERM and SIGKILL
   * only after killAfterMs more.
   */
  shutdown(killAfterMs = 8000): void {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    this.logWatch?.close();
    this.logWatch = undefined;
    const mains = [...this.entries.values()].filter((e) => e.main);
    for (const e of this.entries.values()) {
      e.log?.dispatch('retire');
      if (e.main) {
        e.main.dispatch('d');
        e.main.dispatch('retire');
      } else {
        this.stopLogger(e, e.logOnly ? killAfterMs : 0);
      }
    }
    const killer = setTimeout(() => {
      for (const e of this.entries.values()) e.main?.dispatch('signal', 'SIGKILL');
    }, killAfterMs);
    killer.unref();
    for (const e of mains) {
      const check = setInterval(() => {
        if (e.main) return;
        clearInterval(check);
        this.stopLogger(e, 0);
      }, 20);
    }
    for (const e of [...this.entries.values()]) if (!e.main && !e.log) this.drop(e);
    this.checkIdle();
  }

  /** Closes our ends of the pipe so the logger sees EOF; TERM and then SIGKILL if it does not leave. */
  private stopLogger(e: Entry, graceMs: number): void {
    this.closePipe(e);
    const log = e.log;
    if (!log) return;
    log.dispatch('retire');
    setTimeout(() => log.dispatch('d'), graceMs + LOGGER_TERM_MS).unref();
    setTimeout(() => log.dispatch('signal', 'SIGKILL'), graceMs + LOGGER_KILL_MS).unref();
  }

  /** True once shutdown began. */
  get stopping(): boolean {
    return this.shuttingDown;
  }

  /** True when shutdown began and every supervisor is gone. */
  get idle(): boolean {
    return this.shuttingDown && this.supervisors().length === 0;
  }

  private checkIdle(): void {
    if (this.idle) this.opts.onIdle?.();
  }

  private warn(msg: string): void {
    this.opts.io.err(`${this.opts.prog}: warning: ${msg}\n`);
  }
}

/** Every uid of process `pid` (real, effective, saved, filesystem) is ours. */
function runsAsUs(pid: number): boolean {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'latin1').split('\n').find((l) => l.startsWith('Uid:'));
    const euid = String(process.geteuid!());
    return line !== undefined && line.slice(4).trim().split(/\s+/).every((u) => u === euid);
  } catch {
    return false;
  }
}

/**
 * Reopens descriptor `fd` of process `pid` read-write (a second end of the same pipe), when it is
 * the pipe of inode `pipe` (or, without one, any pipe of a process that runs as we do); blocking,
 * as the pipe's ends are. Undefined when it is not that pipe, or cannot be opened.
 */
function reopenPipe(pid: number, fd: number, pipe: number | undefined): number | undefined {
  const at = `/proc/${pid}/fd/${fd}`;
  let rw: number | undefined;
  try {
    const link = readlinkSync(at);
    if (pipe === undefined ? !runsAsUs(pid) || !link.startsWith('pipe:') : link !== `pipe:[${pipe}]`) return undefined;
    rw = openSync(at, constants.O_RDWR | constants.O_NOCTTY | O_CLOEXEC);
    const st = fstatSync(rw);
    if (st.isFIFO() && (pipe === undefined || st.ino === pipe)) return rw; // what opened is what was checked
  } catch { /* not ours to open: new pipe */ }
  if (rw !== undefined) closeQuiet(rw);
  return undefined;
}
