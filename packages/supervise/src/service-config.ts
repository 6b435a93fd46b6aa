/**
 * Optional per-service files beyond daemontools (s6's names where s6 has one), read at each start:
 * down-signal, timeout-kill, finish, timeout-finish, notification-fd, setsid, and the restart policy.
 */
import { accessSync, constants, readFileSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { join } from 'node:path';

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

/** Reads the first line of DIR/name, or undefined when the file does not exist. */
function firstLine(dir: string, name: string): string | undefined {
  try {
    return readFileSync(join(dir, name), 'latin1').split('\n', 1)[0]!.trim();
  } catch {
    return undefined;
  }
}

/** Reads a non-negative number from DIR/name, or `dflt` when absent or malformed. */
function numberFile(dir: string, name: string, dflt: number): number {
  const s = firstLine(dir, name);
  if (s === undefined || s === '') return dflt;
  const n = Number(s);
  return Number.isFinite(n) && n >= 0 ? n : dflt;
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

/** Reads the service's configuration files from absolute directory `dir`. */
export function readServiceConfig(dir: string): ServiceConfig {
  const ds = firstLine(dir, 'down-signal');
  let hasFinish = false;
  try {
    accessSync(join(dir, 'finish'), constants.X_OK);
    hasFinish = true;
  } catch { /* no finish */ }
  const nfd = firstLine(dir, 'notification-fd');
  const nfdNum = nfd !== undefined && /^\d+$/.test(nfd) && Number(nfd) >= 3 ? Number(nfd) : undefined;
  const restartDelay = numberFile(dir, 'restart-delay', 1000);
  let setsid = false;
  try {
    accessSync(join(dir, 'setsid'));
    setsid = true;
  } catch { /* default: same process group as the supervisor, as daemontools */ }
  return {
    downSignal: (ds && parseSignal(ds)) || 'SIGTERM',
    timeoutKill: numberFile(dir, 'timeout-kill', 0),
    hasFinish,
    timeoutFinish: numberFile(dir, 'timeout-finish', 5000),
    notificationFd: nfdNum,
    setsid,
    restartDelay,
    restartFactor: Math.max(1, numberFile(dir, 'restart-factor', 1)),
    restartMaxDelay: numberFile(dir, 'restart-max-delay', 60000),
    quickDeath: numberFile(dir, 'quick-death', restartDelay),
    maxQuickDeaths: numberFile(dir, 'max-quick-deaths', 0),
  };
}
