/**
 * A directory held open by descriptor: every file operation is made relative to the directory
 * that was opened and checked, even when its path is later renamed away or replaced by a planted
 * directory or link. Paths go through /proc/self/fd/N (the kernel resolves them to the open
 * directory), so Node's own fs calls serve as openat/renameat/unlinkat.
 */
import { closeSync, constants, fchmodSync, fstatSync, openSync, renameSync, unlinkSync, writeSync, type Stats } from 'node:fs';

/** An open directory. */
export class DirHandle {
  private constructor(readonly fd: number) {}

  /** Opens directory `path` (without following a link in its last component unless `follow`). */
  static open(path: string, follow = false): DirHandle {
    return new DirHandle(openSync(path, constants.O_RDONLY | constants.O_DIRECTORY | (follow ? 0 : constants.O_NOFOLLOW)));
  }

  /** A path naming `name` inside this very directory. */
  path(name: string): string {
    return `/proc/self/fd/${this.fd}/${name}`;
  }

  /** The directory's stat, from the descriptor. */
  stat(): Stats {
    return fstatSync(this.fd);
  }

  /**
   * Replaces `name` whole: writes `data` to a new file `tmp` (created exclusively, never through a
   * link: a leftover or planted `tmp` is removed first), sets `mode` on the descriptor, renames.
   */
  writeAtomic(tmp: string, name: string, data: Uint8Array, mode: number): void {
    const tmpPath = this.path(tmp);
    const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
    let fd: number;
    try {
      fd = openSync(tmpPath, flags, mode);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      unlinkSync(tmpPath); // removes a link itself, never its target
      fd = openSync(tmpPath, flags, mode);
    }
    try {
      try {
        writeSync(fd, data);
        fchmodSync(fd, mode);
      } finally {
        closeSync(fd);
      }
      renameSync(tmpPath, this.path(name));
    } catch (e) {
      try { unlinkSync(tmpPath); } catch { /* gone */ }
      throw e;
    }
  }

  /** Removes `name` (a link itself, never its target); quiet when absent. */
  remove(name: string): void {
    try {
      unlinkSync(this.path(name));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }

  close(): void {
    try { closeSync(this.fd); } catch { /* closed */ }
  }
}
