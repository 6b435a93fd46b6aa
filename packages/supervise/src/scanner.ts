/**
 * svscan's core: supervises every non-dot subdirectory of the scan directory (one Supervisor each,
 * no process per service), notices new services at once (inotify through fs.watch) with a 5 s
 * rescan as a safety net, and leaves services of removed directories running.
 *
 * Who supervises what: a directory owned by us (or root) is supervised in this process (service-set.ts).
 * When we are root, a directory owned by another user is handed, as an O_PATH descriptor, to one
 * supervisor per owner that runs as that user (owner-link.ts), and root never opens anything inside
 * it; a root-owned directory that another user could change (path-trust.ts) is not supervised; the
 * log/ of a root service that another user owns is handed to that user's supervisor with the
 * read end of the pipe, which root keeps.
 */
import { constants, fstatSync, openSync, readdirSync, statSync, watch, type FSWatcher } from 'node:fs';
import { errnoText, type Io } from '@svkit/diag';
import { closeQuiet, O_CLOEXEC, openDirPath } from '@svkit/sys';
import { ServiceSet, LOGGER_KILL_MS, RESCAN_MS, type Entry } from './service-set.js';
import { OwnerLink } from './owner-link.js';
import { trustedOwner } from './service-dir-open.js';
import { untrustedPath, untrustedRoute } from './path-trust.js';

export { LOGGER_KILL_MS, LOGGER_TERM_MS, RESCAN_MS } from './service-set.js';

/** Every this many checks, a full scan re-stats every entry (catches replaced directories a lost event hid). */
export const FULL_SCAN_EVERY = 12;
/** Scans that directory events ask for come at least this far apart. */
export const SCAN_GAP_MS = 200;
/** At shutdown, services that ignore their down signal get SIGKILL after this. */
export const SHUTDOWN_KILL_MS = 8000;

/** Identifies the state of the current directory's entry list: one stat instead of a readdir of 1000 names. */
function dirStamp(): string {
  const st = statSync('.');
  return `${st.ino}:${st.mtimeMs}:${st.ctimeMs}`;
}

/** Options of a scanner. */
export interface ScannerOptions {
  io: Io;
  /** Called when the last supervisor is gone after shutdown(). */
  onIdle?: () => void;
}

/** A directory handed to another user's supervisor. */
interface Foreign {
  uid: number;
}

/** Supervises the services of the current directory (svscan chdirs into the scan dir first). */
export class Scanner {
  private readonly set: ServiceSet;
  /** Directories of other users, by key: their owner's supervisor has them. */
  private readonly foreign = new Map<string, Foreign>();
  private readonly owners = new Map<number, OwnerLink>();
  private readonly root = process.geteuid!() === 0;
  private watcher: FSWatcher | undefined;
  private interval: NodeJS.Timeout | undefined;
  private scanQueued = false;
  private shuttingDown = false;
  /** The scan directory's inode and mtime when it was last read (an entry added, removed or renamed changes it). */
  private lastStamp = '';
  private ticks = 0;
  private lastScan = 0;

  constructor(private readonly opts: ScannerOptions) {
    this.set = new ServiceSet({
      io: opts.io,
      prog: 'svscan',
      refuse: this.root ? untrustedPath : undefined,
      foreignLog: this.root ? (ent, logFd, uid) => this.handLog(ent, logFd, uid) : undefined,
      onIdle: () => this.checkIdle(),
    });
  }

  /** First scan, then watch the directory and rescan every 5 s. */
  start(): void {
    this.scan();
    try {
      // entries made, removed or renamed; not the attribute changes of a directory in it, which its owner
      // can cause as often as they like (a chmod loop would keep root rescanning)
      this.watcher = watch('.', { persistent: true }, (ev) => {
        if (ev === 'rename') this.queueScan();
      });
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
      if (++this.ticks % FULL_SCAN_EVERY === 0 || this.set.collectLogEvents() || dirStamp() !== this.lastStamp || this.set.missing()) this.scan();
    } catch {
      this.scan(); // the full scan reports each problem per service
    }
  }

  /**
   * Scans soon: once per burst of directory events, and at most once per SCAN_GAP_MS (entries made
   * and removed in a loop cost one scan each interval, not one per event).
   */
  queueScan(): void {
    if (this.scanQueued || this.shuttingDown) return;
    this.scanQueued = true;
    const run = (): void => {
      this.scanQueued = false;
      this.scan();
    };
    const wait = this.lastScan + SCAN_GAP_MS - Date.now();
    if (wait <= 0) setImmediate(run);
    else setTimeout(run, wait);
  }

  /** Reads the scan directory and starts what is not supervised yet. */
  scan(): void {
    if (this.shuttingDown) return;
    this.lastScan = Date.now();
    let names: string[];
    try {
      this.lastStamp = dirStamp(); // before reading: a change during the read shows at the next check
      names = readdirSync('.');
    } catch (e) {
      this.warn(`unable to read the scan directory: ${errnoText(e)}`);
      return;
    }
    const ev = this.set.takeLogEvents();
    const seen = new Set<string>();
    for (const name of names) {
      if (name.startsWith('.')) continue;
      try {
        this.scanOne(name, seen, ev);
      } catch (e) {
        this.warn(`unable to start supervise ${name}: ${errnoText(e)}`);
      }
    }
    for (const ent of [...this.set.entries.values()]) if (!seen.has(ent.key) && !ent.gone) this.set.markGone(ent);
    for (const [key, f] of this.foreign) {
      if (seen.has(key)) continue;
      this.foreign.delete(key);
      this.owners.get(f.uid)?.gone(key);
    }
  }

  private scanOne(name: string, seen: Set<string>, ev: ReturnType<ServiceSet['takeLogEvents']>): void {
    const st = statSync(name, { throwIfNoEntry: false });
    if (!st?.isDirectory()) return; // not a directory, a dangling symlink, or vanished meanwhile
    let key = `${st.dev}:${st.ino}`;
    if (this.foreign.has(key)) {
      seen.add(key);
      return;
    }
    let ent = this.set.entries.get(key);
    if (ent && !trustedOwner(fstatSync(ent.fd).uid) && this.root && !ent.main && !ent.log) {
      this.set.drop(ent); // chowned to another user since: it is theirs to supervise now
      ent = undefined;
    }
    if (!ent) {
      // held from here on: what is supervised is this directory, whatever its path becomes
      const fd = openDirPath(name);
      const fst = fstatSync(fd);
      key = `${fst.dev}:${fst.ino}`;
      seen.add(key);
      if (this.set.entries.has(key) || this.foreign.has(key)) {
        closeQuiet(fd); // known under another name (a second link to it)
        ent = this.set.entries.get(key);
        if (!ent) return;
      } else if (this.root && this.refusedRoute(name, fd, fst.uid)) {
        closeQuiet(fd);
        return;
      } else if (this.root && !trustedOwner(fst.uid)) {
        this.foreign.set(key, { uid: fst.uid });
        this.owner(fst.uid, fst.gid).service(name, key, fd);
        return;
      } else {
        ent = this.set.add(name, key, fd);
      }
    }
    seen.add(key);
    ent.name = name;
    this.set.ensure(ent, ev);
  }

  /** Root follows a link only through what root or the directory's owner alone can change: true (and a warning) when it may not. */
  private refusedRoute(name: string, fd: number, owner: number): boolean {
    const why = untrustedRoute(name, fd, owner);
    if (why) this.warn(`unable to supervise ${name}: ${why}`);
    return why !== undefined;
  }

  /** The supervisor of `uid`'s directories (started on first use). */
  private owner(uid: number, gid: number): OwnerLink {
    let o = this.owners.get(uid);
    if (!o) {
      o = new OwnerLink({ uid, gid, io: this.opts.io, stopMs: SHUTDOWN_KILL_MS + LOGGER_KILL_MS + 5000, onStopped: () => this.checkIdle() });
      this.owners.set(uid, o);
    }
    return o;
  }

  /** The log/ of root's service `ent` belongs to `uid`: its logger runs in that user's supervisor, fed from our pipe. */
  private handLog(ent: Entry, logFd: number, uid: number): boolean {
    const st = fstatSync(logFd);
    const [r, w] = ent.pipe!;
    // after an adoption our end is one read-write descriptor: the logger gets a read-only one, or it
    // would hold a writer of its own input and never see the end of file at shutdown
    const read = r === w ? openSync(`/proc/self/fd/${r}`, constants.O_RDONLY | O_CLOEXEC) : r;
    try {
      this.owner(uid, st.gid).log(`${ent.name}/log`, `${st.dev}:${st.ino}`, logFd, read);
    } finally {
      if (read !== r) closeQuiet(read);
    }
    return true;
  }

  /** All supervisors of this process, for tests and status. */
  supervisors(): ReturnType<ServiceSet['supervisors']> {
    return this.set.supervisors();
  }

  /**
   * Brings every service down, then its logger (see ServiceSet.shutdown), and tells each owner's
   * supervisor to do the same; calls onIdle when all are gone.
   */
  shutdown(killAfterMs = SHUTDOWN_KILL_MS): void {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    this.watcher?.close();
    if (this.interval) clearInterval(this.interval);
    for (const o of this.owners.values()) o.dispatch('shutdown');
    this.set.shutdown(killAfterMs);
  }

  private checkIdle(): void {
    if (!this.shuttingDown || !this.set.idle) return;
    for (const o of this.owners.values()) if (o.state !== 'stopped') return;
    this.opts.onIdle?.();
  }

  private warn(msg: string): void {
    this.opts.io.err(`svscan: warning: ${msg}\n`);
  }
}
