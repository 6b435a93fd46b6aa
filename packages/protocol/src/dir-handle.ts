/**
 * A directory held open by descriptor: every file operation is made relative to the directory
 * that was opened and checked, even when its path is later renamed away or replaced by a planted
 * directory or link. Paths go through /proc/self/fd/N (the kernel resolves them to the open
 * directory), so Node's own fs calls serve as openat/renameat/unlinkat.
 */
import { closeSync, constants, fchmodSync, fstatSync, ftruncateSync, openSync, renameSync, unlinkSync, writeSync, type Stats } from 'node:fs';
import { O_PATH } from './safe-read.js';

/** renameat2(dirfd, a, dirfd, b, RENAME_EXCHANGE): swaps two names of one directory atomically. */
export type RenameExchange = (dirfd: number, a: string, b: string) => void;

let exchange: RenameExchange | undefined;


/**
 * Lets writeAtomic swap instead of create and rename (a writer that has the system call installs
 * it; readers never need it, so they load no libc binding): the temporary file is kept and
 * rewritten in place, then exchanged with the file. Readers still only ever see whole files, and
 * no inode is made or freed per write (on ext4 about a tenth of the cost).
 */
export function useRenameExchange(fn: RenameExchange): void {
  exchange = fn;
}

/** An open directory. */
export class DirHandle {
  private constructor(readonly fd: number) {}

  /** Opens directory `path` (without following a link in its last component unless `follow`). */
  static open(path: string, follow = false): DirHandle {
    return new DirHandle(openSync(path, constants.O_RDONLY | constants.O_DIRECTORY | (follow ? 0 : constants.O_NOFOLLOW)));
  }

  /**
   * Opens directory `path` for lookups only (O_PATH, as chdir: search permission on the way, none
   * on the directory itself), without following a link in its last component unless `follow`.
   * Such a handle serves path(), stat() and close(): files are then opened through path(name).
   */
  static openPath(path: string, follow = false): DirHandle {
    return new DirHandle(openSync(path, O_PATH | constants.O_DIRECTORY | (follow ? 0 : constants.O_NOFOLLOW)));
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
    if (exchange && this.swapIn(exchange, tmp, name, data, mode)) return;
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

  /**
   * writeAtomic by exchange: rewrites the kept temporary `tmp` in place (see writeInPlace) and
   * swaps it with `name`, so `tmp` keeps the previous contents for the next write. False when that
   * cannot be done (then the caller creates and renames as usual).
   */
  private swapIn(swap: RenameExchange, tmp: string, name: string, data: Uint8Array, mode: number): boolean {
    try {
      this.writeInPlace(tmp, data, mode);
    } catch {
      return false;
    }
    try {
      swap(this.fd, tmp, name);
    } catch {
      renameSync(this.path(tmp), this.path(name)); // `name` missing (or no exchange here): it becomes `name`
    }
    return true;
  }

  /**
   * Overwrites `name` in place, created with `mode` when absent. It must be ours: reached without
   * following a link, a regular file with one link, owned by us (else ENOTREG / EPERM). No new
   * inode, so it costs a fraction of a create and rename, but a reader racing the write may see a
   * mix: for records only a later process reads (after this one is gone), and for swapIn.
   */
  writeInPlace(name: string, data: Uint8Array, mode: number): void {
    const fd = openSync(this.path(name), constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK, mode);
    try {
      const st = fstatSync(fd);
      if (!st.isFile()) throw Object.assign(new Error(`${name}: not a regular file`), { code: 'ENOTREG' });
      if (st.nlink !== 1 || st.uid !== process.geteuid!()) throw Object.assign(new Error(`${name}: not ours alone`), { code: 'EPERM' });
      writeSync(fd, data, 0, data.length, 0);
      if (st.size > data.length) ftruncateSync(fd, data.length);
      if ((st.mode & 0o7777) !== mode) fchmodSync(fd, mode);
    } finally {
      closeSync(fd);
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
