/**
 * Optional per-service files beyond daemontools (s6's names where s6 has one), read at each start:
 * down-signal, timeout-kill, finish, timeout-finish, notification-fd, setsid, and the restart policy.
 */
import { accessSync, constants, opendirSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import type { DirHandle } from '@svkit/protocol/dir-handle';
import { readFirstLine } from '@svkit/protocol/safe-read';

/** Everything a supervisor reads from a service directory before a start. */
export interface ServiceConfig {
  /** Signal sent by `svc -d` (file down-signal, default SIGTERM). */
  downSignal: NodeJS.Signals;
  /** ms after the down signal before SIGKILL, 0 = never (file timeout-kill). */
  timeoutKill: number;
  /** True when an executable ./finish exists. */
  hasFinish: boolean;
  /** ms before ./finish is killed (file timeout-finish, default 5000; 0 = never). */
  timeoutFinish: number;
  /** fd on which the service writes a newline when ready (file notification-fd), or undefined. */
  notificationFd: number | undefined;
  /** Run the service in a new session and process group (file setsid); group signals need it. */
  setsid: boolean;
  /** First restart delay after a quick death, ms (file restart-delay, default 1000 as daemontools). */
  restartDelay: number;
  /** Multiplier for each further quick death in a row (file restart-factor, default 1). */
  restartFactor: number;
  /** Largest restart delay, ms (file restart-max-delay, default 60000). */
  restartMaxDelay: number;
  /** A run shorter than this (ms) is a quick death (file quick-death, default = restart-delay). */
  quickDeath: number;
  /** Give up after this many quick deaths in a row, 0 = never (file max-quick-deaths). */
  maxQuickDeaths: number;
}

/** Longest time a setting may give, ms: what a Node timer takes (about 24.8 days). */
export const MAX_TIMER_MS = 2 ** 31 - 1;
/** Shortest restart-delay of a service in a directory we do not own: daemontools' 1 s. */
export const UNTRUSTED_MIN_RESTART_DELAY_MS = 1000;
/** Highest notification-fd accepted (the child gets an fd table this large). */
export const MAX_NOTIFICATION_FD = 1023;

/** Where the settings are read from, and whom to tell about a file that cannot be read. */
export interface ConfigSource {
  /** The service directory, held open. */
  service: DirHandle;
  /** The directory belongs to us or root: a setting may be a link (else links are not followed). */
  trusted: boolean;
  /** Called for a setting that exists but cannot be used (not a regular file, a link, unreadable). */
  warn: (name: string, e: unknown) => void;
  /** The names in the service directory (set by readServiceConfig: a setting not among them is not looked up). */
  names?: Set<string>;
}

/**
 * Reads the first line of setting `name`, or undefined when the file does not exist or cannot be
 * read: it must be a regular file (a FIFO or device is never waited on), at most a few KiB are read.
 */
function firstLine(src: ConfigSource, name: string): string | undefined {
  if (src.names && !src.names.has(name)) return undefined;
  try {
    return readFirstLine(src.service.path(name), { follow: src.trusted });
  } catch (e) {
    src.warn(name, e);
    return undefined;
  }
}

/** Reads a non-negative number (at most `max`) from setting `name`, or `dflt` when absent or malformed. */
function numberFile(src: ConfigSource, name: string, dflt: number, max = MAX_TIMER_MS): number {
  const s = firstLine(src, name);
  if (s === undefined || s === '') return dflt;
  const n = Number(s);
  return Number.isFinite(n) && n >= 0 ? Math.min(n, max) : dflt;
}

/** True when `name` exists in the service directory and is executable (it runs as the directory's owner, see run-as.ts). */
function executable(src: ConfigSource, name: string): boolean {
  if (src.names && !src.names.has(name)) return false;
  try {
    accessSync(src.service.path(name), constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Parses a signal given as `TERM`, `SIGTERM` or a number; undefined when unknown. */
export function parseSignal(s: string): NodeJS.Signals | undefined {
  const sigs = osConstants.signals as Record<string, number>;
  const up = s.trim().toUpperCase();
  if (/^\d+$/.test(up)) {
    const n = Number(up);
    return Object.keys(sigs).find((k) => sigs[k] === n) as NodeJS.Signals | undefined;
  }
  const name = up.startsWith('SIG') ? up : `SIG${up}`;
  return name in sigs ? (name as NodeJS.Signals) : undefined;
}

/** Most names listed; a directory with more (its owner may make millions) gets each setting looked up instead. */
const MAX_LISTED = 256;

/** The names in the service directory, or undefined when it cannot be listed or has more than MAX_LISTED. */
function listNames(service: DirHandle): Set<string> | undefined {
  let dir;
  try {
    dir = opendirSync(service.path('.'), { bufferSize: 64 });
  } catch {
    return undefined;
  }
  try {
    const names = new Set<string>();
    for (let e = dir.readSync(); e; e = dir.readSync()) {
      if (names.size === MAX_LISTED) return undefined;
      names.add(e.name);
    }
    return names;
  } catch {
    return undefined;
  } finally {
    dir.closeSync();
  }
}

/**
 * Reads the service's settings; never blocks, and a setting that cannot be used gives its default.
 * The directory is listed first (one getdents), so only the settings that exist are opened: a
 * crash-looping service re-reads them at each restart, and most directories have none.
 */
export function readServiceConfig(from: ConfigSource): ServiceConfig {
  const src: ConfigSource = { ...from, names: listNames(from.service) };
  const ds = firstLine(src, 'down-signal');
  const nfd = firstLine(src, 'notification-fd');
  const nfdNum = nfd !== undefined && /^\d+$/.test(nfd) && Number(nfd) >= 3 && Number(nfd) <= MAX_NOTIFICATION_FD ? Number(nfd) : undefined;
  // a directory we do not own cannot make svscan restart its service faster than 0.76 would
  const restartDelay = Math.max(numberFile(src, 'restart-delay', 1000), src.trusted ? 0 : UNTRUSTED_MIN_RESTART_DELAY_MS);
  let setsid = false;
  try {
    if (!src.names || src.names.has('setsid')) {
      accessSync(src.service.path('setsid'));
      setsid = true;
    }
  } catch { /* default: same process group as the supervisor, as daemontools */ }
  return {
    downSignal: (ds && parseSignal(ds)) || 'SIGTERM',
    timeoutKill: numberFile(src, 'timeout-kill', 0),
    hasFinish: executable(src, 'finish'),
    timeoutFinish: numberFile(src, 'timeout-finish', 5000),
    notificationFd: nfdNum,
    setsid,
    restartDelay,
    restartFactor: Math.max(1, numberFile(src, 'restart-factor', 1, Number.MAX_SAFE_INTEGER)),
    restartMaxDelay: numberFile(src, 'restart-max-delay', 60000),
    quickDeath: numberFile(src, 'quick-death', restartDelay),
    maxQuickDeaths: numberFile(src, 'max-quick-deaths', 0, Number.MAX_SAFE_INTEGER),
  };
}
