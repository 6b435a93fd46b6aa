/** Decides whether a service directory's recorded child is still the live process we started. */
import { readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { ADOPT } from './layout.js';
import { procStartTime } from './proc-identity.js';
import { readStatus } from './status-file.js';

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
  try { unlinkSync(join(abs, ADOPT)); } catch { /* none */ }
  return undefined;
}
