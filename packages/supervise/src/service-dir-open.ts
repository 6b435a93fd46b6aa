/**
 * Sets up DIR/supervise as daemontools 0.76 does: the directory (0700), the lock (flock, 0600),
 * the control and ok FIFOs (0600, held open for reading, control also for writing so it never
 * sees EOF). A non-FIFO left in a FIFO's place is replaced.
 *
 * The service directory may belong to an untrusted user, so it and supervise/ are held open by
 * descriptor, and supervise/ is used only when it is ours: owned by the supervisor's user, not
 * writable by group or others, and (in a directory someone else owns) not a symbolic link.
 * Everything the supervisor writes later goes through that descriptor (see DirHandle).
 */
import { constants, fstatSync, mkdirSync, openSync, realpathSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { errnoError, errnoText } from '@svkit/diag';
import { DirHandle } from '@svkit/protocol/dir-handle';
import { DOWN, LOG, MODE_FIFO, MODE_LOCK, MODE_SUPERVISE_DIR, NAME, SUPERVISE_DIR } from '@svkit/protocol/layout';
import { closeQuiet, flock, LOCK_EX, LOCK_NB, mkfifo } from '@svkit/sys';

/** A failure to set up a service directory: `what` is the daemontools-style "unable to ..." text. */
export class SuperviseError extends Error {
  constructor(readonly what: string, readonly reason: unknown) {
    super(`${what}: ${errnoText(reason)}`);
  }
}

/** The descriptors a supervisor holds for its life. */
export interface ServiceFds {
  lock: number;
  controlRead: number;
  controlWrite: number;
  ok: number;
}

/** What opening a service directory found. */
export interface OpenedDir {
  /** Real absolute path (symlinks resolved: removing a symlink later changes nothing). */
  abs: string;
  /** DIR/down exists: start with want down. */
  wantDown: boolean;
  fds: ServiceFds;
  /** The service directory, held open. */
  service: DirHandle;
  /** Its supervise/ directory, checked to be ours, held open: every write goes through it. */
  sup: DirHandle;
  /** The service directory belongs to us or to root: links in it may be followed. */
  trusted: boolean;
  /** Device and inode of the service directory ("dev:ino"), as adoption records name it. */
  key: string;
}

/** True when a directory owned by `uid` is trusted by a supervisor running as `euid`. */
export function trustedOwner(uid: number, euid = process.geteuid!()): boolean {
  return uid === euid || uid === 0;
}

/**
 * Opens service dir `dir` (as named, for messages) at path `path`; throws SuperviseError. For a
 * logger, `logOf` names the service directory it belongs to: when someone else owns that one, its
 * `log` must be a real subdirectory, not a link to another service directory (which would then
 * run, as its owner, fed by this service's output).
 */
export function openServiceDir(dir: string, path: string, warn: (msg: string) => void, logOf?: string): OpenedDir {
  const chdirFail = (e: unknown): SuperviseError => new SuperviseError(`unable to chdir to ${dir}`, e);
  let abs: string;
  let service: DirHandle;
  try {
    if (!statSync(path).isDirectory()) throw chdirFail(errnoError('ENOTDIR', dir));
    abs = realpathSync(path);
    if (logOf !== undefined) {
      const parent = realpathSync(logOf);
      if (abs !== join(parent, LOG) && !trustedOwner(statSync(parent).uid)) {
        throw new SuperviseError(`unable to use ${dir}`, reasonText('a symbolic link, in a directory we do not own'));
      }
    }
    service = DirHandle.open(abs); // no link in the last component: one swapped in since realpath fails here
  } catch (e) {
    throw e instanceof SuperviseError ? e : chdirFail(e);
  }
  const held: number[] = [];
  let sup: DirHandle | undefined;
  try {
    const st = service.stat();
    const euid = process.geteuid!();
    const trusted = trustedOwner(st.uid, euid);
    if (!trusted && euid !== 0) throw new SuperviseError(`unable to run ${dir}/run as its owner`, reasonText(`owned by uid ${st.uid} and we are not root`));
    const wantDown = statSync(service.path(DOWN), { throwIfNoEntry: false }) !== undefined;
    try {
      mkdirSync(service.path(SUPERVISE_DIR), { mode: MODE_SUPERVISE_DIR });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new SuperviseError(`unable to mkdir ${dir}/${SUPERVISE_DIR}`, e);
    }
    sup = openSuperviseDir(service, trusted, dir);
    let lock: number;
    try {
      lock = openSync(sup.path(NAME.lock), constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, MODE_LOCK);
      held.push(lock);
      flock(lock, LOCK_EX | LOCK_NB);
    } catch (e) {
      throw new SuperviseError(`unable to acquire ${dir}/${SUPERVISE_DIR}/${NAME.lock}`, e);
    }
    const controlRead = openFifo(dir, sup, NAME.control, constants.O_RDONLY | constants.O_NONBLOCK, warn);
    held.push(controlRead);
    const controlWrite = openSync(sup.path(NAME.control), constants.O_WRONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
    held.push(controlWrite);
    const ok = openFifo(dir, sup, NAME.ok, constants.O_RDONLY | constants.O_NONBLOCK, warn);
    held.push(ok);
    return { abs, wantDown, fds: { lock, controlRead, controlWrite, ok }, service, sup, trusted, key: `${st.dev}:${st.ino}` };
  } catch (e) {
    for (const fd of held) closeQuiet(fd);
    sup?.close();
    service.close();
    throw e;
  }
}

/**
 * Opens DIR/supervise and checks that it is ours: owned by our user, not writable by group or
 * others, and no link unless the service directory is trusted. Throws SuperviseError.
 */
export function openSuperviseDir(service: DirHandle, trusted: boolean, dir: string): DirHandle {
  const what = `unable to use ${dir}/${SUPERVISE_DIR}`;
  let sup: DirHandle;
  try {
    sup = DirHandle.open(service.path(SUPERVISE_DIR), trusted);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new SuperviseError(what, code === 'ELOOP' ? reasonText('a symbolic link, in a directory we do not own') : e);
  }
  const st = sup.stat();
  const euid = process.geteuid!();
  let why: string | undefined;
  if (st.uid !== euid) why = `owned by uid ${st.uid}, not by uid ${euid}`;
  else if (st.mode & 0o022) why = `writable by group or others (mode ${(st.mode & 0o7777).toString(8)})`;
  if (why) {
    sup.close();
    throw new SuperviseError(what, reasonText(why));
  }
  return sup;
}

/** An error whose text is `text` (for SuperviseError reasons that are not an errno). */
function reasonText(text: string): Error {
  return new Error(text);
}

/** Creates (if needed) and opens a FIFO in supervise/; replaces a non-FIFO left there. */
function openFifo(dir: string, sup: DirHandle, name: string, flags: number, warn: (msg: string) => void): number {
  const rel = `${SUPERVISE_DIR}/${name}`;
  const path = sup.path(name);
  flags |= constants.O_NOFOLLOW;
  try {
    mkfifo(path, MODE_FIFO);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new SuperviseError(`unable to mkfifo ${dir}/${rel}`, e);
  }
  let fd: number | undefined;
  try {
    fd = openSync(path, flags);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ELOOP') throw new SuperviseError(`unable to open ${dir}/${rel}`, e);
  }
  if (fd !== undefined && fstatSync(fd).isFIFO()) return fd;
  if (fd !== undefined) closeQuiet(fd);
  warn(`${dir}/${rel} is not a FIFO: replacing it`);
  try {
    unlinkSync(path);
    mkfifo(path, MODE_FIFO);
    return openSync(path, flags);
  } catch (e) {
    throw new SuperviseError(`unable to mkfifo ${dir}/${rel}`, e);
  }
}

/** Releases what openServiceDir took (except controlRead, owned by the socket reading it): lock, FIFO ends, directories. */
export function closeServiceFds(fds: ServiceFds): void {
  for (const fd of [fds.controlWrite, fds.ok, fds.lock]) closeQuiet(fd);
}
