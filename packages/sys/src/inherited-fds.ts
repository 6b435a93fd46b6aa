/**
 * Which descriptors reach a program we exec: fds 0-2, the ones this process inherited, and the
 * ones a loader hands on on purpose (setlock's lock). Nothing that Node opened for itself.
 *
 * Inherited fds are snapshotted when this module loads, before koffi (and with it Node's crypto)
 * is loaded. Node marks fds 0-16 close-on-exec at start-up, inherited or not, and opens its own
 * event-loop fds (epoll, eventfd, io_uring, internal pipe pairs). Node 22 and later also read
 * NODE_EXTRA_CA_CERTS on a thread of their own, with a plain open (no O_CLOEXEC), at any moment
 * after crypto is loaded: such an fd must never reach the child, so `prepareFdsForExec` takes a
 * private copy of the fd table (unshare CLONE_FILES: later opens by other threads land in the old
 * table) and marks every fd but the wanted ones close-on-exec in it.
 */
import { fstatSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';

interface FdId { fd: number; dev: number; ino: number }

const O_CLOEXEC_FLAG = 0o2000000;

/** The descriptors this process had from its parent (besides 0-2). */
export const inheritedFds: readonly FdId[] = snapshot();
/** Descriptors a loader hands on to its child on purpose (`passOnExec`). */
const passed: FdId[] = [];

/** Files that Node's crypto may open for itself on another thread (CA bundles, OpenSSL config). */
function nodeOwnFiles(): Array<{ dev: number; ino: number }> {
  const out: Array<{ dev: number; ino: number }> = [];
  for (const v of ['NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'OPENSSL_CONF']) {
    const p = process.env[v];
    if (!p) continue;
    try {
      const st = statSync(p);
      out.push({ dev: st.dev, ino: st.ino });
    } catch { /* missing: Node cannot open it either */ }
  }
  return out;
}

/** True when fd's open file description is close-on-exec (/proc/self/fdinfo `flags`, octal). */
function closeOnExec(fd: number): boolean {
  const m = /^flags:\s*([0-7]+)/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'latin1'));
  return m !== null && (parseInt(m[1]!, 8) & O_CLOEXEC_FLAG) !== 0;
}

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
  const own = nodeOwnFiles();
  const out: FdId[] = [];
  for (const [fd, l] of links) {
    if (l.startsWith('anon_inode:')) continue; // epoll, eventfd, signalfd, io_uring: Node's own
    if (l.startsWith('pipe:') && (pipeCount.get(l) ?? 0) > 1) continue; // both ends here: an internal pipe
    try {
      // Node set close-on-exec on every low fd at start-up: one without it was opened later, not inherited
      if (fd <= 16 && !closeOnExec(fd)) continue;
      const st = fstatSync(fd);
      if (own.some((o) => o.dev === st.dev && o.ino === st.ino)) continue;
      out.push({ fd, dev: st.dev, ino: st.ino });
    } catch { /* closed meanwhile */ }
  }
  return out;
}

/**
 * Waits until Node has read NODE_EXTRA_CA_CERTS. Node 22 and later start reading it on a thread of
 * their own once crypto is loaded (koffi loads it), with a plain open: a child spawned (fork + exec,
 * e.g. supervise starting ./run) while that file is open would inherit it. Asking for the extra
 * certificates on the main thread waits for that load to end (or does it here), and the file is
 * closed when it returns. Node 20 reads the file at start-up, before any of our code runs.
 */
export function settleNodeCrypto(require: (id: string) => unknown): void {
  // Node 20: nothing to wait for, and loading tls would cost a long-running process ~1 MB of heap
  if (!process.env.NODE_EXTRA_CA_CERTS || Number(process.versions.node.split('.')[0]) < 22) return;
  const tls = require('node:tls') as { getCACertificates?: (type: string) => unknown };
  try {
    tls.getCACertificates?.('extra');
  } catch { /* an unreadable file: Node only warns about it */ }
}

/** Hands `fd` on to the program this process execs (e.g. setlock's lock). */
export function passOnExec(fd: number): void {
  const st = fstatSync(fd);
  passed.push({ fd, dev: st.dev, ino: st.ino });
}

function stillSame(fd: number, list: readonly FdId[]): boolean {
  const want = list.filter((x) => x.fd === fd);
  if (want.length === 0) return false;
  try {
    const st = fstatSync(fd);
    return want.some((x) => x.dev === st.dev && x.ino === st.ino);
  } catch {
    return false;
  }
}

/**
 * Right before execve: gives the calling thread a private fd table (`unshareFiles`), then clears
 * close-on-exec on fds 0-2, the inherited fds that are still the same files and the fds passed on,
 * and sets it on every other fd. Only for a process that is about to exec or exit: after this,
 * files opened by Node's other threads are not visible to the main thread.
 */
export function prepareFdsForExec(unshareFiles: () => void, setCloseOnExec: (fd: number, on: boolean) => void): void {
  unshareFiles();
  let names: string[];
  try {
    names = readdirSync('/proc/thread-self/fd');
  } catch {
    names = readdirSync('/proc/self/fd');
  }
  for (const name of names) {
    const fd = Number(name);
    const keep = fd <= 2 || stillSame(fd, inheritedFds) || stillSame(fd, passed);
    try { setCloseOnExec(fd, !keep); } catch { /* the readdir fd itself, or closed meanwhile */ }
  }
}
