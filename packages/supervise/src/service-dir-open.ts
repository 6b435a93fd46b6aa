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
import { constants, fstatSync, lstatSync, mkdirSync, openSync, readlinkSync, statSync, unlinkSync } from 'node:fs';
import { errnoText } from '@svkit/diag';
import { DirHandle } from '@svkit/protocol/dir-handle';
import { DOWN, MODE_FIFO, MODE_LOCK, MODE_SUPERVISE_DIR, NAME, SUPERVISE_DIR } from '@svkit/protocol/layout';
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
  /** Where the directory is now (for messages; every use goes through `service`). */
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

/** How openServiceDir reaches the directory. */
export interface OpenHow {
  /** Refuse a symbolic link at `path` (a `log` in a directory we do not own). */
  noLink?: boolean;
}

/**
 * Opens service dir `dir` (as named, for messages) at path `path` (a link there is followed unless
 * `how.noLink`: the path is the operator's, or /proc/self/fd/N of a directory already held open);
 * throws SuperviseError. Everything later goes through the descriptor: a rename or a directory
 * planted at the old path changes nothing.
 */
export function openServiceDir(dir: string, path: string, warn: (msg: string) => void, how: OpenHow = {}): OpenedDir {
  const chdirFail = (e: unknown): SuperviseError => new SuperviseError(`unable to chdir to ${dir}`, e);
  let abs: string;
  let service: DirHandle;
  try {
    service = DirHandle.open(path, !how.noLink); // O_DIRECTORY: a FIFO or device there is never opened
  } catch (e) {
    if (how.noLink && (e as NodeJS.ErrnoException).code === 'ELOOP') throw new SuperviseError(`unable to use ${dir}`, reasonText('a symbolic link, in a directory we do not own'));
    throw chdirFail(e);
  }
  try {
    abs = readlinkSync(`/proc/self/fd/${service.fd}`); // where it is now, for messages and programs given a path
  } catch {
    abs = path;
  }
  const held: number[] = [];
  let sup: DirHandle | undefined;
  try {
    const st = service.stat();
    const euid = process.geteuid!();
    const trusted = trustedOwner(st.uid, euid);
    // root never works inside a directory another user owns: svscan hands it to a supervisor running
    // as that user (owner-link.ts), supervise becomes that user (supervise.ts)
    if (!trusted && euid !== 0) throw new SuperviseError(`unable to run ${dir}/run as its owner`, reasonText(`owned by uid ${st.uid} and we are not root`));
    if (!trusted) throw new SuperviseError(`unable to supervise ${dir} as root`, reasonText(`owned by uid ${st.uid}: only a supervisor running as uid ${st.uid} may`));
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
    if (code === 'ELOOP') throw new SuperviseError(what, reasonText('a symbolic link, in a directory we do not own'));
    const other = code === 'EACCES' ? lstatSync(service.path(SUPERVISE_DIR), { throwIfNoEntry: false })?.uid : undefined;
    const euid = process.geteuid!();
    // another user's supervise/ we may not even open (root's, left by an svkit that supervised other users' directories as root)
    if (other !== undefined && other !== euid) throw new SuperviseError(what, reasonText(`owned by uid ${other}, not by uid ${euid}`));
    throw new SuperviseError(what, e);
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
