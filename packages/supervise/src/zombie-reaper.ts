/**
 * Reaps orphans that are reparented to this process (when it is PID 1 in a container, or a
 * child subreaper), leaving our own spawned children to libuv so their exit codes still arrive.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { waitpidNoHang } from '@svkit/sys';
import { isSpawned } from './spawned-pids.js';
import { procIsZombie } from './proc-identity.js';

/** Lists our direct children from /proc/self/task/<tid>/children. */
function children(): number[] {
  const out: number[] = [];
  try {
    for (const tid of readdirSync('/proc/self/task')) {
      try {
        for (const p of readFileSync(`/proc/self/task/${tid}/children`, 'latin1').split(' ')) if (p) out.push(Number(p));
      } catch { /* thread gone */ }
    }
  } catch { /* no /proc */ }
  return out;
}

/** True when /proc belongs to our pid namespace (a container that did not mount its own /proc has the host's). */
function procIsOurs(): boolean {
  try {
    return Number(readFileSync('/proc/self/stat', 'latin1').split(' ', 1)[0]) === process.pid;
  } catch {
    return false;
  }
}

/** Reaps every zombie child that is not ours (`onReap` is told each pid); returns how many. */
export function reapOrphans(onReap?: (pid: number) => void): number {
  if (!procIsOurs()) return 0; // pids in /proc would not be our pids: reaping could steal our own children
  let n = 0;
  for (const pid of children()) {
    if (isSpawned(pid) || !procIsZombie(pid)) continue;
    try {
      if (waitpidNoHang(pid)) {
        n++;
        onReap?.(pid);
      }
    } catch { /* already reaped */ }
  }
  return n;
}

/** Reaps orphans on every SIGCHLD and every few seconds (`onReap` is told each pid); returns a stop function. */
export function startReaper(intervalMs = 5000, onReap?: (pid: number) => void): () => void {
  const reap = (): void => void reapOrphans(onReap);
  const onChld = (): void => void setImmediate(reap);
  process.on('SIGCHLD', onChld);
  const t = setInterval(reap, intervalMs);
  return () => {
    process.off('SIGCHLD', onChld);
    clearInterval(t);
  };
}
