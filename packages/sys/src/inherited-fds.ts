/**
 * Remembers which descriptors this process inherited, so that an exec passes them on.
 *
 * Node marks fds 0-16 close-on-exec at start-up, inherited or not, and opens its own
 * event-loop fds (epoll, eventfd, internal pipe pairs) in that range. Snapshotted when this
 * module loads (before a program opens anything): a low fd that is not one of Node's own kinds
 * was inherited, and `restoreInheritedFds` clears its close-on-exec flag again before execve.
 */
import { fstatSync, readdirSync, readlinkSync } from 'node:fs';

interface FdId { fd: number; dev: number; ino: number }

/** The low descriptors this process had from its parent (besides 0-2). */
export const inheritedLowFds: readonly FdId[] = snapshot();

function snapshot(): FdId[] {
  const links = new Map<number, string>();
  try {
    for (const name of readdirSync('/proc/self/fd')) {
      const fd = Number(name);
      if (fd < 3) continue;
      try { links.set(fd, readlinkSync(`/proc/self/fd/${name}`)); } catch { /* the readdir fd itself */ }
    }
  } catch {
    return [];
  }
  const pipeCount = new Map<string, number>();
  for (const l of links.values()) if (l.startsWith('pipe:')) pipeCount.set(l, (pipeCount.get(l) ?? 0) + 1);
  const out: FdId[] = [];
  for (const [fd, l] of links) {
    if (fd > 16) continue; // Node leaves higher fds as it found them
    if (l.startsWith('anon_inode:')) continue; // epoll, eventfd, signalfd, io_uring: Node's own
    if (l.startsWith('pipe:') && (pipeCount.get(l) ?? 0) > 1) continue; // both ends here: an internal pipe
    try {
      const st = fstatSync(fd);
      out.push({ fd, dev: st.dev, ino: st.ino });
    } catch { /* closed meanwhile */ }
  }
  return out;
}

/** Clears close-on-exec on fds 0-2 and the inherited low fds that are still the same files. */
export function restoreInheritedFds(setCloseOnExec: (fd: number, on: boolean) => void): void {
  for (const fd of [0, 1, 2]) {
    try { setCloseOnExec(fd, false); } catch { /* not open */ }
  }
  for (const { fd, dev, ino } of inheritedLowFds) {
    try {
      const st = fstatSync(fd);
      if (st.dev === dev && st.ino === ino) setCloseOnExec(fd, false);
    } catch { /* closed by the program: fine */ }
  }
}
