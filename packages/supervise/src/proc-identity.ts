/** Facts about a process from /proc/PID/stat: start time (identity beyond the pid), state, process group. */
import { readFileSync } from 'node:fs';
import { getpgrp } from '@svkit/sys';

/** The fields of /proc/PID/stat after the command name (index 0 = state), or undefined if gone. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** The start time (clock ticks since boot, field 22) of `pid`, or undefined if gone or a zombie. */
export function procStartTime(pid: number): string | undefined {
  const f = statFields(pid);
  if (!f || f[0] === 'Z' || f[0] === 'X') return undefined;
  return f[19];
}

/** True when `pid` is a zombie (exited, not yet reaped). */
export function procIsZombie(pid: number): boolean {
  return statFields(pid)?.[0] === 'Z';
}

/** True when `pid` leads its own process group, and that group is not ours. */
export function procLeadsOwnGroup(pid: number): boolean {
  const pgid = Number(statFields(pid)?.[2]);
  return pgid === pid && pgid !== getpgrp();
}
