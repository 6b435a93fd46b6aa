/** Identifies a process beyond its pid (pid + kernel start time), so a pid reused later is not mistaken for it. */
import { readFileSync } from 'node:fs';

/** The start time (clock ticks since boot, field 22 of /proc/PID/stat) of `pid`, or undefined if gone or a zombie. */
export function procStartTime(pid: number): string | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
  return fields[19]; // field 22 overall: starttime
}
