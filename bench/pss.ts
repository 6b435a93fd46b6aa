/** Proportional set size: memory of a process with shared pages divided among their sharers. */
import { readFileSync } from 'node:fs';

/** Pss of `pid` in kB from /proc/PID/smaps_rollup; 0 when the process is gone. */
export function pssKb(pid: number): number {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'latin1'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Sum of Pss over `pids`, in kB. */
export function totalPssKb(pids: number[]): number {
  let kb = 0;
  for (const p of pids) kb += pssKb(p);
  return kb;
}
