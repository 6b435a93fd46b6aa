/**
 * svscan's core: supervises every non-dot subdirectory of the scan directory in this one
 * process (one Supervisor each, no process per service), pairs NAME with NAME/log through a
 * pipe that outlives restarts of either side, notices new services at once (inotify through
 * fs.watch) with a 5 s rescan as a safety net, finds a log/ directory added to a running service
 * within 5 s (one inotify read per check), and leaves services of removed directories running.
 */
import { constants, openSync, readdirSync, readlinkSync, statSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { errnoText, type Io } from '@svkit/diag';
import { closeQuiet, O_CLOEXEC, pipe2 } from '@svkit/sys';
import { LOG } from '@svkit/protocol/layout';
import { adoptablePidAt } from './adopt-record.js';
import { Supervisor } from './supervisor.js';
import { SuperviseError } from './service-dir-open.js';
import { SubdirWatch } from './subdir-watch.js';

/** Check interval: the safety net under the directory watch (daemontools scans every 5 s). */
export const RESCAN_MS = 5000;
/** At shutdown, a logger still running this long after its input closed gets TERM... */
export const LOGGER_TERM_MS = 3000;
/** ...and this long after, SIGKILL (our multilog gives up on a full disk within 5 s and hands its lines to stderr). */
export const LOGGER_KILL_MS = 10000;
/** Every this many checks, a full scan re-stats every entry (catches replaced directories a lost event hid). */
export const FULL_SCAN_EVERY = 12;

/** One service directory of the scan dir and its optional logger. */
interface Entry {
  name: string;
  key: string; // dev:ino of the directory, as daemontools tells services apart
  main?: Supervisor;
  log?: Supervisor;
  /** Pipe from main's stdout to log's stdin: [read, write] (or one O_RDWR fd twice after adoption). */
  pipe?: [number, number];
  /** The directory was removed or replaced: keep supervising, never restart its supervisors. */
  gone: boolean;
  /** While the directory has no log/: its watch descriptor in the scanner's SubdirWatch. */
  logWd?: number;
}

/** Identifies the state of the current directory's entry list: one stat instead of a readdir of 1000 names. */
function dirStamp(): string {
  const st = statSync('.');
  return `${st.ino}:${st.mtimeMs}:${st.ctimeMs}`;
}

/** Directories (watch descriptors) where a log/ appeared; overflow: the kernel lost events, look everywhere. */
interface LogEvents {
  wds: Set<number>;
  overflow: boolean;
}

/** Options of a scanner. */
export interface ScannerOptions {
  io: Io;
  /** Called when the last supervisor is gone after shutdown(). */
  onIdle?: () => void;
}

/** Supervises the services of the current directory (svscan chdirs into the scan dir first). */
export class Scanner {
  private readonly entries = new Map<string, Entry>(); // by key
  private watcher: FSWatcher | undefined;
  private interval: NodeJS.Timeout | undefined;
  private scanQueued = false;
  private shuttingDown = false;
  /** The scan directory's inode and mtime when it was last read (an entry added, removed or renamed changes it). */
  private lastStamp = '';
  private ticks = 0;
  private logWatch: SubdirWatch | undefined;
  /** log/ events read from the watch and not yet handled by a scan. */
  private logEvents: LogEvents = { wds: new Set(), overflow: false };

  constructor(private readonly opts: ScannerOptions) {}

  /** First scan, then watch the directory and rescan every 5 s. */
  start(): void {
    try {
      this.logWatch = new SubdirWatch(LOG);
    } catch (e) {
      this.warn(`unable to watch service directories for log/, checking every minute: ${errnoText(e)}`);
    }
    this.scan();
    try {
      this.watcher = watch('.', { persistent: true }, () => this.queueScan());
      this.watcher.on('error', (e) => this.warn(`unable to watch the scan directory: ${errnoText(e)}`));
    } catch (e) {
      this.warn(`unable to watch the scan directory, rescanning every 5 seconds only: ${errnoText(e)}`);
    }
    this.interval = setInterval(() => this.tick(), RESCAN_MS);
  }

  /**
   * The periodic safety net, kept cheap for 1000 services at idle: a full scan when the directory
   * changed (its mtime), when a log/ appeared, when a supervisor is missing (exited or failed to
   * start), or every FULL_SCAN_EVERY ticks; otherwise one stat and one read of the log/ watch.
   */
  private tick(): void {
    try {
      if (++this.ticks % FULL_SCAN_EVERY === 0 || this.needsScan()) this.scan();
    } catch {
      this.scan(); // the full scan reports each problem per service
    }
  }

  /** True when the cheap check sees something a full scan must handle. */
  private needsScan(): boolean {
    if (this.collectLogEvents()) return true;
    if (dirStamp() !== this.lastStamp) return true;
    for (const ent of this.entries.values()) {
      if (ent.gone) continue;
      if (!ent.main || (ent.pipe && !ent.log)) return true; // a supervisor to (re)start
    }
    return false;
  }

  /** Reads the log/ watch into logEvents; true when something awaits a scan. */
  private collectLogEvents(): boolean {
    const got = this.logWatch?.drain();
    if (got) {
      for (const wd of got.wds) this.logEvents.wds.add(wd);
      this.logEvents.overflow ||= got.overflow;
    }
    return this.logEvents.overflow || this.logEvents.wds.size > 0;
  }

  /** Scans soon (once per burst of directory events). */
  queueScan(): void {
    if (this.scanQueued || this.shuttingDown) return;
    this.scanQueued = true;
    setImmediate(() => {
      this.scanQueued = false;
      this.scan();
    });
  }

  /** Reads the scan directory and starts what is not supervised yet. */
  scan(): void {
    if (this.shuttingDown) return;
    let names: string[];
    try {
      this.lastStamp = dirStamp(); // before reading: a change during the read shows at the next check
      names = readdirSync('.');
    } catch (e) {
      this.warn(`unable to read the scan directory: ${errnoText(e)}`);
      return;
    }
    this.collectLogEvents();
    const logEvents = this.logEvents;
    this.logEvents = { wds: new Set(), overflow: false };
    const seen = new Set<string>();
    for (const name of names) {
      if (name.startsWith('.')) continue;
      try {
        this.scanOne(name, seen, logEvents);
      } catch (e) {
        this.warn(`unable to start supervise ${name}: ${errnoText(e)}`);
      }
    }
    for (const [key, ent] of this.entries) {
      if (!seen.has(key)) {
        ent.gone = true;
        this.watchForLog(ent, false);
      }
      if (ent.gone && !ent.main && !ent.log) this.dropEntry(key, ent);
    }
  }

  private scanOne(name: string, seen: Set<string>, logEvents: LogEvents): void {
    const st = statSync(name, { throwIfNoEntry: false });
    if (!st?.isDirectory()) return; // not a directory, a dangling symlink, or vanished meanwhile
    const key = `${st.dev}:${st.ino}`;
    seen.add(key);
    let ent = this.entries.get(key);
    if (!ent) {
      ent = { name, key, gone: false };
      this.entries.set(key, ent);
    }
    ent.gone = false;
    ent.name = name;
    let hasLog: boolean;
    if (ent.log) hasLog = true; // its logger runs: nothing to look for
    else if (ent.logWd !== undefined && !logEvents.overflow && !logEvents.wds.has(ent.logWd)) hasLog = false; // watched, nothing appeared
    else {
      this.watchForLog(ent, true); // watch before looking, so a log/ made in between is not missed
      hasLog = statSync(join(name, LOG), { throwIfNoEntry: false })?.isDirectory() ?? false;
    }
    this.watchForLog(ent, !hasLog);
    if (hasLog && !ent.pipe) {
      ent.pipe = this.makePipe(name);
      // a log/ added to a running service: its next start writes into the pipe
      ent.main?.setStdio(['inherit', ent.pipe[1], 'inherit']);
    }
    if (hasLog && !ent.log) ent.log = this.startSupervisor(ent, `${name}/${LOG}`, [ent.pipe![0], 'inherit', 'inherit'], 'log');
    if (!ent.main) ent.main = this.startSupervisor(ent, name, ['inherit', ent.pipe ? ent.pipe[1] : 'inherit', 'inherit'], 'main');
  }

  /**
   * The pipe between NAME and NAME/log. If either side is still running from an earlier svscan
   * (adoption), reopen its existing pipe through /proc so no line is lost; else a new pipe.
   */
  private makePipe(name: string): [number, number] {
    for (const [dir, fd] of [[name, 1], [join(name, LOG), 0]] as const) {
      const pid = adoptablePidAt(join(process.cwd(), dir));
      if (pid === undefined) continue;
      const path = `/proc/${pid}/fd/${fd}`;
      try {
        if (!readlinkSync(path).startsWith('pipe:')) continue;
        const rw = openSync(path, constants.O_RDWR | O_CLOEXEC);
        return [rw, rw];
      } catch { /* not ours to open: new pipe */ }
    }
    return pipe2(O_CLOEXEC);
  }

  private startSupervisor(ent: Entry, dir: string, stdio: [number | 'inherit', number | 'inherit', number | 'inherit'], side: 'main' | 'log'): Supervisor | undefined {
    const sv: Supervisor = new Supervisor({
      dir,
      logOf: side === 'log' ? ent.name : undefined,
      io: this.opts.io,
      stdio,
      onClose: () => {
        if (ent[side] === sv) ent[side] = undefined;
        if (!ent.main && !ent.log && (ent.gone || this.shuttingDown)) this.dropEntry(ent.key, ent);
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
    if (want && ent.logWd === undefined) ent.logWd = this.logWatch?.add(ent.name);
    else if (!want && ent.logWd !== undefined) {
      this.logWatch?.remove(ent.logWd);
      ent.logWd = undefined;
    }
  }

  private dropEntry(key: string, ent: Entry): void {
    this.watchForLog(ent, false);
    this.entries.delete(key);
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
   * LOGGER_KILL_MS after it, so shutdown ends within killAfterMs + LOGGER_KILL_MS.
   */
  shutdown(killAfterMs = 8000): void {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    this.watcher?.close();
    this.logWatch?.close();
    this.logWatch = undefined;
    if (this.interval) clearInterval(this.interval);
    const mains = [...this.entries.values()].filter((e) => e.main);
    for (const e of this.entries.values()) {
      e.log?.dispatch('retire');
      if (e.main) {
        e.main.dispatch('d');
        e.main.dispatch('retire');
      } else {
        this.stopLogger(e);
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
        this.stopLogger(e);
      }, 20);
    }
    this.checkIdle();
  }

  /** Closes our ends of the pipe so the logger sees EOF; TERM and then SIGKILL if it does not leave. */
  private stopLogger(e: Entry): void {
    if (e.pipe) {
      closeQuiet(e.pipe[0]);
      if (e.pipe[1] !== e.pipe[0]) closeQuiet(e.pipe[1]);
      e.pipe = undefined;
    }
    const log = e.log;
    if (!log) return;
    log.dispatch('retire');
    setTimeout(() => log.dispatch('d'), LOGGER_TERM_MS).unref();
    setTimeout(() => log.dispatch('signal', 'SIGKILL'), LOGGER_KILL_MS).unref();
  }

  private checkIdle(): void {
    if (this.shuttingDown && this.supervisors().length === 0) this.opts.onIdle?.();
  }

  private warn(msg: string): void {
    this.opts.io.err(`svscan: warning: ${msg}\n`);
  }
}
