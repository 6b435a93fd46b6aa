/**
 * How every client reaches a service's supervise/ directory: svc (letters and -w), svstat (text and
 * --json), svok, svinstance, svweb and svca all go through openSupervise, which applies the
 * supervisor's own ownership rule, so that the owner of a service directory cannot point another
 * user's clients (root's) at the supervise/ of a service they do not own.
 *
 * With o the owner of the service directory DIR (DIR as named may be a link: the caller chose it)
 * and e our effective uid:
 * - DIR/supervise may be a symbolic link only when o is 0 or e (the read-only-root recipe
 *   `supervise -> /run/...`); in a directory someone else owns it is refused, as the supervisor
 *   refuses it;
 * - supervise/ must be owned by o when o != 0 (the supervisor of a user's directory runs as that
 *   user), and by root or by e when o == 0 (root's svscan, or our own svscan on a root-owned directory);
 * - supervise/ must be a directory not writable by group or others.
 * The checks are made on descriptors (O_PATH, so only search permission is needed, as 0.76's chdir),
 * and the files inside are then opened through the checked descriptor, never by path again.
 */
import { lstatSync } from 'node:fs';
import { DirHandle } from './dir-handle.js';
import { SUPERVISE_DIR } from './layout.js';

/** Error code of a supervise/ that the rule above refuses (its message says why). */
export const EUNTRUSTED = 'EUNTRUSTED';

/**
 * Opens DIR/supervise for a client and checks it (see above). Throws the system's error (ENOENT,
 * ENOTDIR, EACCES... as daemontools 0.76 would meet it opening supervise/ok or supervise/control),
 * or code EUNTRUSTED with a message such as `supervise/ is owned by uid 0, not by uid 65534, the
 * owner of DIR`. The caller closes the handle.
 */
export function openSupervise(dir: string): DirHandle {
  const service = DirHandle.openPath(dir, true);
  try {
    const o = service.stat().uid;
    const e = process.geteuid!();
    const sup = openSub(service, o === 0 || o === e);
    try {
      checkSupervise(sup, dir, o, e);
    } catch (err) {
      sup.close();
      throw err;
    }
    return sup;
  } finally {
    service.close();
  }
}

/** DIR/supervise as a directory, reached through a link only when `linkOk`. */
function openSub(service: DirHandle, linkOk: boolean): DirHandle {
  const path = service.path(SUPERVISE_DIR);
  try {
    return DirHandle.openPath(path);
  } catch (err) {
    // O_DIRECTORY|O_NOFOLLOW says ENOTDIR for a link as for a file: tell them apart
    if ((err as NodeJS.ErrnoException).code !== 'ENOTDIR' || !lstatSync(path, { throwIfNoEntry: false })?.isSymbolicLink()) throw err;
  }
  if (!linkOk) throw untrusted('supervise is a symbolic link, in a directory we do not own');
  return DirHandle.openPath(path, true); // the owner of DIR is root or us: nobody else can change the link
}

/** Throws EUNTRUSTED when supervise/ (held by `sup`) is not what the supervisor of DIR would own. */
function checkSupervise(sup: DirHandle, dir: string, o: number, e: number): void {
  const st = sup.stat();
  if (o !== 0 && st.uid !== o) throw untrusted(`supervise/ is owned by uid ${st.uid}, not by uid ${o}, the owner of ${dir}`);
  if (o === 0 && st.uid !== 0 && st.uid !== e) throw untrusted(`supervise/ is owned by uid ${st.uid}, not by uid 0, the owner of ${dir}${e !== 0 ? `, or by uid ${e} (us)` : ''}`);
  if (st.mode & 0o022) throw untrusted(`supervise/ is writable by group or others (mode ${(st.mode & 0o7777).toString(8)})`);
}

function untrusted(text: string): NodeJS.ErrnoException {
  return Object.assign(new Error(text), { code: EUNTRUSTED });
}

/** Runs `fn` with DIR's checked supervise/ (see openSupervise), closing it after. */
export function withSupervise<T>(dir: string, fn: (sup: DirHandle) => T): T {
  const sup = openSupervise(dir);
  try {
    return fn(sup);
  } finally {
    sup.close();
  }
}
