/**
 * Watches processes that are not our children (adopted after a supervisor restart) for exit,
 * through pidfds polled together by one shared timer: no thread and no timer per service.
 */
import { closeQuiet, pidfdOpen, pollReadable } from '@svkit/sys';

const POLL_MS = 200;
const watched = new Map<number, () => void>(); // pidfd -> callback
let timer: NodeJS.Timeout | undefined;

function tick(): void {
  const fds = [...watched.keys()];
  let ready: number[];
  try {
    ready = pollReadable(fds);
  } catch {
    return;
  }
  for (const fd of ready) {
    const cb = watched.get(fd);
    watched.delete(fd);
    closeQuiet(fd);
    try { cb?.(); } catch { /* a callback's failure is its service's own */ }
  }
  if (watched.size === 0 && timer) {
    clearInterval(timer);
    timer = undefined;
  }
}

/** A handle on an adopted process. */
export interface Adopted {
  pidfd: number;
  /** Stops watching (the callback will not run). */
  cancel(): void;
}

/** Calls `onExit` once process `pid` has exited; throws (ESRCH) when it is already gone. */
export function watchExit(pid: number, onExit: () => void): Adopted {
  const pidfd = pidfdOpen(pid);
  watched.set(pidfd, onExit);
  timer ??= setInterval(tick, POLL_MS);
  return {
    pidfd,
    cancel() {
      if (watched.delete(pidfd)) closeQuiet(pidfd);
    },
  };
}
