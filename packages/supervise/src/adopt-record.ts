/**
 * supervise/adopt: the pid and kernel start time of the child a supervisor started, so that a
 * restarted supervisor can tell whether the process the status names is still that child.
 */
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ADOPT } from './layout.js';
import { procStartTime } from './proc-identity.js';
import { readStatus } from './status-file.js';

/** Records `pid` (with its start time) as the child of absolute dir `abs`; best effort. */
export function recordChild(abs: string, pid: number): void {
  const st = procStartTime(pid);
  if (st === undefined) return;
  try {
    writeFileSync(join(abs, ADOPT), `${pid} ${st}\n`, { mode: 0o600 });
  } catch { /* adoption is a bonus */ }
}

/** Forgets the recorded child (it exited). */
export function forgetChild(abs: string): void {
  try { unlinkSync(join(abs, ADOPT)); } catch { /* none */ }
}

/**
 * The pid to adopt in absolute dir `abs`: the status names it, supervise/adopt recorded it with
 * the same kernel start time, and it is alive. Otherwise undefined (and a stale record is removed).
 */
export function adoptablePid(abs: string): number | undefined {
  let pid: number;
  let recorded: string[];
  try {
    pid = readStatus(abs).pid;
    recorded = readFileSync(join(abs, ADOPT), 'latin1').trim().split(' ');
  } catch {
    return undefined;
  }
  if (pid && recorded[0] === String(pid) && procStartTime(pid) === recorded[1]) return pid;
  forgetChild(abs);
  return undefined;
}
