/**
 * Running as another user: uid, the account's primary gid and supplementary groups (a uid without
 * an account: the directory's gid, no groups), set by util-linux's setpriv. Root svscan starts each
 * owner's supervisor this way (owner-link.ts), root `supervise` becomes the owner of the directory
 * it is given (supervise-as-owner.ts), and pmtr starts jobs with a `user`.
 */
import { existsSync } from 'node:fs';
import { errnoError } from '@svkit/diag';
import { getgrouplist, getpwuid, spawnProcess, type SpawnSpec } from '@svkit/sys';
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

/** Variables of root's environment that a user's supervisor and services get: locale, time zone, PATH. */
const PASSED_ON = /^(PATH|LANG|LANGUAGE|TZ|LC_[A-Z_]+)$/;

/**
 * The environment of `uid`'s supervisor (and so of its services): the account's HOME, USER,
 * LOGNAME and SHELL, with root's PATH, locale and time zone; nothing else of root's (its HOME,
 * working directory, secrets, systemd's NOTIFY_SOCKET).
 */
export function ownerEnv(uid: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (PASSED_ON.test(k) && v !== undefined) env[k] = v;
  env.PATH ??= '/usr/local/bin:/usr/bin:/bin';
  const pw = getpwuid(uid);
  env.HOME = pw?.dir || '/';
  if (pw) {
    env.USER = env.LOGNAME = pw.name;
    if (pw.shell) env.SHELL = pw.shell;
  }
  return env;
}
