/**
 * Notices an entry of one name (svscan's `log`) appearing in many directories at once, through
 * one inotify instance that is read only when asked (svscan's 5 s tick): one syscall per check
 * however many services there are, instead of a stat per service, and no handle or thread each.
 */
import { readSync } from 'node:fs';
import { closeQuiet, IN, inotifyAddWatch, inotifyInit, inotifyRmWatch } from '@svkit/sys';

/** Size of struct inotify_event before its name. */
const EVENT_HEAD = 16;

/** Watches directories for a child entry called `name` being created or moved in. */
export class SubdirWatch {
  private fd: number | undefined;
  private readonly buf = Buffer.alloc(64 * 1024);

  /** Throws (with the errno code) when the kernel gives no inotify instance. */
  constructor(private readonly name: string) {
    this.fd = inotifyInit();
  }

  /** Starts watching `dir`; returns the watch descriptor, or undefined when it cannot be watched (limits). */
  add(dir: string): number | undefined {
    if (this.fd === undefined) return undefined;
    try {
      return inotifyAddWatch(this.fd, dir, IN.CREATE | IN.MOVED_TO | IN.ONLYDIR);
    } catch {
      return undefined;
    }
  }

  /** Stops watching a directory. */
  remove(wd: number): void {
    if (this.fd !== undefined) inotifyRmWatch(this.fd, wd);
  }

  /**
   * Reads what happened since the last call: the watch descriptors of directories where the entry
   * appeared, and whether the kernel's queue overflowed (then the caller must look everywhere).
   */
  drain(): { wds: Set<number>; overflow: boolean } {
    const wds = new Set<number>();
    let overflow = false;
    if (this.fd === undefined) return { wds, overflow };
    for (;;) {
      let n: number;
      try {
        n = readSync(this.fd, this.buf, 0, this.buf.length, null);
      } catch {
        break; // EAGAIN: nothing more queued
      }
      if (n <= 0) break;
      for (let off = 0; off + EVENT_HEAD <= n;) {
        const wd = this.buf.readInt32LE(off);
        const mask = this.buf.readUInt32LE(off + 4);
        const len = this.buf.readUInt32LE(off + 12);
        const end = this.buf.indexOf(0, off + EVENT_HEAD);
        const name = this.buf.toString('utf8', off + EVENT_HEAD, end < 0 || end > off + EVENT_HEAD + len ? off + EVENT_HEAD + len : end);
        if (mask & IN.Q_OVERFLOW) overflow = true;
        else if (name === this.name) wds.add(wd);
        off += EVENT_HEAD + len;
      }
    }
    return { wds, overflow };
  }

  /** Releases the inotify instance (and with it every watch). */
  close(): void {
    if (this.fd !== undefined) closeQuiet(this.fd);
    this.fd = undefined;
  }
}
