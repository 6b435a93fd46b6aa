/**
 * Running as another user: uid, the account's primary gid and supplementary groups (a uid without
 * an account: the directory's gid, no groups), set by util-linux's setpriv. Root svscan starts each
 * owner's supervisor this way (owner-link.ts), root `supervise` becomes the owner of the directory
 * it is given, and pmtr starts jobs with a `user`.
 */
import { constants, existsSync, openSync, readdirSync } from 'node:fs';
import { errnoError } from '@svkit/diag';
import { closeQuiet, dropControllingTerminal, dup2, execve, getgrouplist, getpwuid, isatty, setCloseOnExec, spawnProcess, type SpawnSpec } from '@svkit/sys';
import { trustedOwner } from './service-dir-open.js';

/** The identity a program is started with. */
export interface Credentials {
  uid: number;
  gid: number;
  /** Supplementary groups (empty for a uid without an account). */
  groups: number[];
}

/** util-linux's setpriv: sets uid, gid and supplementary groups, then execs (no Node start-up). */
export const SETPRIV = '/usr/bin/setpriv';

/** The group of a uid without an account whose directory's group is root's: nogroup, never gid 0. */
export const NO_GROUP = 65534;

/**
 * The credentials for programs of a directory owned by `uid` (group `gid`): undefined when they
 * run as the supervisor does (the directory is ours or root's). A uid without an account gets the
 * directory's group and no others, never root's group (a directory chowned to uid:root).
 */
export function ownerCredentials(uid: number, gid: number): Credentials | undefined {
  if (trustedOwner(uid)) return undefined;
  const pw = getpwuid(uid);
  if (!pw) return { uid, gid: gid === 0 ? NO_GROUP : gid, groups: [] };
  return { uid, gid: pw.gid, groups: getgrouplist(pw.name, pw.gid) };
}

/**
 * Starts `spec` (see spawnProcess; returns the pid) as `creds`: through setpriv, so the groups
 * are exactly the account's and nothing of Node runs in between. Without setpriv a program that
 * must change identity does not start (ENOENT naming setpriv).
 */
export function spawnAs(spec: SpawnSpec, creds: Credentials | undefined): number {
  if (!creds) return spawnProcess(spec);
  if (!existsSync(SETPRIV)) throw errnoError('ENOENT', `${SETPRIV} (util-linux), needed to run it as uid ${creds.uid}`);
  return spawnProcess({ ...spec, file: SETPRIV, argv: ['setpriv', ...setprivArgs(creds), spec.file, ...spec.argv.slice(1)], search: false });
}

/** setpriv's options (ending with `--`) that switch to `creds`: uid, gid, exactly the given groups. */
export function setprivArgs(creds: Credentials): string[] {
  return [`--reuid=${creds.uid}`, `--regid=${creds.gid}`, creds.groups.length ? `--groups=${creds.groups.join(',')}` : '--clear-groups', '--'];
}

/**
 * Becomes `creds`: replaces this process with the same command (Node, its flags, the script and
 * its arguments) run through setpriv, keeping nothing of root's that the user could abuse: no
 * controlling terminal (no input injected into root's shell), a terminal on fd 0 replaced by
 * /dev/null (no keystrokes read), one on fd 1 or 2 reopened write-only, and no descriptor above 2.
 * Returns only by throwing.
 */
export function execAs(creds: Credentials): never {
  if (!existsSync(SETPRIV)) throw errnoError('ENOENT', `${SETPRIV} (util-linux), needed to run as uid ${creds.uid}`);
  return execve(SETPRIV, ['setpriv', ...setprivArgs(creds), process.execPath, ...process.execArgv, ...process.argv.slice(1)], process.env, () => {
    dropControllingTerminal();
    for (const fd of [0, 1, 2]) {
      if (!isatty(fd)) continue;
      const to = fd === 0 ? openSync('/dev/null', constants.O_RDONLY) : openSync(`/proc/self/fd/${fd}`, constants.O_WRONLY | constants.O_NOCTTY);
      dup2(to, fd);
      closeQuiet(to);
    }
    for (const name of readdirSync('/proc/self/fd')) {
      const fd = Number(name);
      if (fd > 2) try { setCloseOnExec(fd, true); } catch { /* the listing's own descriptor, closed */ }
    }
  });
}
