/**
 * Sets up DIR/supervise as daemontools 0.76 does: the directory (0700), the lock (flock, 0600),
 * the control and ok FIFOs (0600, held open for reading, control also for writing so it never
 * sees EOF). A non-FIFO left in a FIFO's place is replaced.
 */
import { closeSync, constants, fstatSync, mkdirSync, openSync, realpathSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { errnoError, errnoText } from '@svkit/diag';
import { closeQuiet, flock, LOCK_EX, LOCK_NB, mkfifo } from '@svkit/sys';
import { CONTROL, DOWN, LOCK, MODE_FIFO, MODE_LOCK, MODE_SUPERVISE_DIR, OK, SUPERVISE_DIR } from './layout.js';

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
}

/** Opens service dir `dir` (as named, for messages) at path `path`; throws SuperviseError. */
export function openServiceDir(dir: string, path: string, warn: (msg: string) => void): OpenedDir {
  const chdirFail = (e: unknown): SuperviseError => new SuperviseError(`unable to chdir to ${dir}`, e);
  let abs: string;
  try {
    if (!statSync(path).isDirectory()) throw chdirFail(errnoError('ENOTDIR', dir));
    abs = realpathSync(path);
  } catch (e) {
    throw e instanceof SuperviseError ? e : chdirFail(e);
  }
  const wantDown = statSync(join(abs, DOWN), { throwIfNoEntry: false }) !== undefined;
  try {
    mkdirSync(join(abs, SUPERVISE_DIR), { mode: MODE_SUPERVISE_DIR });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new SuperviseError(`unable to mkdir ${dir}/${SUPERVISE_DIR}`, e);
  }
  const held: number[] = [];
  try {
    let lock: number;
    try {
      lock = openSync(join(abs, LOCK), constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT, MODE_LOCK);
      held.push(lock);
      flock(lock, LOCK_EX | LOCK_NB);
    } catch (e) {
      throw new SuperviseError(`unable to acquire ${dir}/${LOCK}`, e);
    }
    const controlRead = openFifo(dir, abs, CONTROL, constants.O_RDONLY | constants.O_NONBLOCK, warn);
    held.push(controlRead);
    const controlWrite = openSync(join(abs, CONTROL), constants.O_WRONLY | constants.O_NONBLOCK);
    held.push(controlWrite);
    const ok = openFifo(dir, abs, OK, constants.O_RDONLY | constants.O_NONBLOCK, warn);
    held.push(ok);
    return { abs, wantDown, fds: { lock, controlRead, controlWrite, ok } };
  } catch (e) {
    for (const fd of held) closeQuiet(fd);
    throw e;
  }
}

/** Creates (if needed) and opens a FIFO under DIR; replaces a non-FIFO left there. */
function openFifo(dir: string, abs: string, rel: string, flags: number, warn: (msg: string) => void): number {
  const path = join(abs, rel);
  try {
    mkfifo(path, MODE_FIFO);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new SuperviseError(`unable to mkfifo ${dir}/${rel}`, e);
  }
  let fd: number;
  try {
    fd = openSync(path, flags);
  } catch (e) {
    throw new SuperviseError(`unable to open ${dir}/${rel}`, e);
  }
  if (fstatSync(fd).isFIFO()) return fd;
  closeSync(fd);
  warn(`${dir}/${rel} is not a FIFO: replacing it`);
  try {
    unlinkSync(path);
    mkfifo(path, MODE_FIFO);
    return openSync(path, flags);
  } catch (e) {
    throw new SuperviseError(`unable to mkfifo ${dir}/${rel}`, e);
  }
}

/** Releases what openServiceDir took (except controlRead, owned by the socket reading it): lock, FIFO ends. */
export function closeServiceFds(fds: ServiceFds): void {
  for (const fd of [fds.controlWrite, fds.ok, fds.lock]) closeQuiet(fd);
}
