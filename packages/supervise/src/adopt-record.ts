/**
 * supervise/adopt: proof that the process the status names is a child a supervisor started for
 * this very directory, so that a restarted supervisor can take it over. The record is
 * "PID STARTTIME BOOTID DEV:INO [PIPE]": the kernel start time tells a reused pid apart, the boot id
 * a record from before a reboot, and the service directory's device and inode a supervise/ moved in
 * from another service. PIPE, the inode of the log pipe the child was given (its stdout, or a
 * logger's stdin), lets a new svscan reconnect that very pipe and nothing else. Only a supervise/ that is ours (checked when it is opened: owner, mode, no
 * link) can hold it, so the owner of the service directory cannot forge it.
 */
import { readFileSync, statSync } from 'node:fs';
import { DirHandle } from '@svkit/protocol/dir-handle';
import { MODE_ADOPT, NAME } from '@svkit/protocol/layout';
import { readBounded } from '@svkit/protocol/safe-read';
import { readStatusAt } from '@svkit/protocol/status-file';
import { procStartTime } from './proc-identity.js';
import { openSuperviseDir, trustedOwner } from './service-dir-open.js';

let bootIdCache: string | undefined;

/** This boot's id (/proc/sys/kernel/random/boot_id), or '-' where the kernel has none. */
function bootId(): string {
  if (bootIdCache === undefined) {
    try {
      bootIdCache = readFileSync('/proc/sys/kernel/random/boot_id', 'latin1').trim() || '-';
    } catch {
      bootIdCache = '-';
    }
  }
  return bootIdCache;
}

/**
 * Records `pid` (with its start time) as the child started for the service directory `key`; best
 * effort. Written in place: only a later supervisor reads it, once this one is gone (it holds the
 * lock), and a record left half-written by a crash matches no process. It stays after the child
 * exits: a record of a dead process never matches the status (pid 0) nor a live start time.
 */
export function recordChild(sup: DirHandle, key: string, pid: number, pipe?: number): void {
  const st = procStartTime(pid);
  if (st === undefined) return;
  try {
    sup.writeInPlace(NAME.adopt, Buffer.from(`${pid} ${st} ${bootId()} ${key}${pipe === undefined ? '' : ` ${pipe}`}\n`), MODE_ADOPT);
  } catch { /* adoption is a bonus */ }
}

/** Forgets the recorded child. */
export function forgetChild(sup: DirHandle): void {
  try { sup.remove(NAME.adopt); } catch { /* none */ }
}

/**
 * The pid to adopt: the status names it, the adoption record names it with the same kernel start
 * time, this boot and directory `key`, and it is alive. Otherwise undefined (and a stale record is removed).
 */
export function adoptablePid(sup: DirHandle, key: string): number | undefined {
  return adoptable(sup, key)?.pid;
}

/** What adoption found: the pid, and the inode of its log pipe when the record names one. */
export interface Adoptable {
  pid: number;
  pipe?: number;
}

/** adoptablePid, with the log pipe's inode of a 5-field record. */
export function adoptable(sup: DirHandle, key: string): Adoptable | undefined {
  let pid: number;
  let recorded: string[];
  try {
    pid = readStatusAt(sup.path(NAME.status)).pid;
    const r = readBounded(sup.path(NAME.adopt), 256);
    if (r.stat.uid !== process.geteuid!() || r.stat.nlink !== 1) return undefined;
    recorded = r.data.toString('latin1').trim().split(' ');
  } catch {
    return undefined;
  }
  // a 2-field record ("PID STARTTIME") was written by an svkit before boot id and directory were
  // recorded: accepted from a checked supervise/ so that an upgrade does not start services twice
  const fresh = (recorded.length === 4 || recorded.length === 5) && recorded[2] === bootId() && recorded[3] === key;
  if (pid && (fresh || recorded.length === 2) && recorded[0] === String(pid) && procStartTime(pid) === recorded[1] && ownProcess(pid)) {
    return { pid, pipe: recorded.length === 5 && /^\d+$/.test(recorded[4]!) ? Number(recorded[4]) : undefined };
  }
  forgetChild(sup);
  return undefined;
}

/**
 * A process we may take over: root's supervisor may adopt any, another user's only its own (a
 * supervisor running as the owner of a directory never claims a process of root or of another user).
 */
function ownProcess(pid: number): boolean {
  const euid = process.geteuid!();
  if (euid === 0) return true;
  try {
    return statSync(`/proc/${pid}`).uid === euid;
  } catch {
    return false;
  }
}

/**
 * adoptable() for a service directory no supervisor has opened yet (svscan pairing an adopted
 * service with its logger's pipe), at `path` (a link followed: /proc/self/fd/N of a directory held
 * open): undefined unless the directory is ours or root's and its supervise/ passes the same checks.
 */
export function adoptableAt(path: string): Adoptable | undefined {
  let service: DirHandle;
  try {
    service = DirHandle.open(path, true);
  } catch {
    return undefined;
  }
  try {
    const st = service.stat();
    if (!trustedOwner(st.uid)) return undefined; // another user's: never looked into
    const sup = openSuperviseDir(service, true, path);
    try {
      return adoptable(sup, `${st.dev}:${st.ino}`);
    } finally {
      sup.close();
    }
  } catch {
    return undefined;
  } finally {
    service.close();
  }
}
