/**
 * Whether root may use a directory it reached through a path: only when no other user can change
 * what that path leads to. A root-owned directory below /home/alice (alice may rename it away and
 * put hers in its place), one reached through a link alice may swap, or one that group or others
 * may write to (they may replace ./run) is as good as that user's, and root does not run it. The
 * same walk decides that a directory of user U reached through another user's directory or link is
 * not handed to U's supervisor (that other user would choose which of U's directories runs).
 */
import { fstatSync, lstatSync, readlinkSync, type Stats } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { trustedOwner } from './service-dir-open.js';

const S_ISVTX = 0o1000;
/** Links followed at most in one walk (the kernel's own limit). */
const MAX_LINKS = 40;

/** Why a step of the walk makes it untrusted for a directory owned by `owner`, or undefined. */
function badStep(path: string, st: Stats, owner: number, strict: boolean): string | undefined {
  if (!trustedOwner(st.uid) && st.uid !== owner) return `${path} is owned by uid ${st.uid}, who could change what it leads to`;
  return strict && st.isDirectory() && st.mode & 0o022 && !(st.mode & S_ISVTX)
    ? `${path} is writable by group or others (mode ${(st.mode & 0o7777).toString(8)}), who could change what it leads to`
    : undefined;
}

/**
 * Why the directory held by `fd`, owned by `owner`, must not be used as reached through `path`
 * (relative to the current directory): a directory crossed or a link followed on the way belongs
 * to a user other than root, us and `owner`, or (for a directory of root's or ours) may be written
 * by group or others, or the walk no longer ends at that directory. Undefined when it may be used.
 * A sticky directory (/tmp) is fine to cross when what is taken from it belongs to root, us or `owner`.
 */
export function untrustedRoute(path: string, fd: number, owner: number): string | undefined {
  const strict = trustedOwner(owner);
  const pending = (isAbsolute(path) ? path : join(process.cwd(), path)).split('/').filter((c) => c !== '');
  let dir = '/';
  let links = 0;
  let st: Stats;
  try {
    st = lstatSync('/');
    const why = badStep('/', st, owner, strict);
    if (why) return why;
    while (pending.length > 0) {
      const c = pending.shift()!;
      if (c === '.') continue;
      if (c === '..') {
        dir = dir === '/' ? '/' : dir.slice(0, dir.lastIndexOf('/')) || '/';
        continue;
      }
      const p = dir === '/' ? `/${c}` : `${dir}/${c}`;
      const parent = lstatSync(dir);
      st = lstatSync(p);
      // in a sticky directory others may add entries, never replace ours: what we take must be trusted
      if (parent.mode & S_ISVTX && parent.mode & 0o002 && !trustedOwner(st.uid) && st.uid !== owner) return `${p} is owned by uid ${st.uid}, who could change what it leads to`;
      if (st.isSymbolicLink()) {
        if (++links > MAX_LINKS) return `${path}: too many levels of symbolic links`;
        const why = badStep(p, st, owner, false);
        if (why) return why;
        const to = readlinkSync(p);
        if (isAbsolute(to)) dir = '/';
        pending.unshift(...to.split('/').filter((x) => x !== ''));
        continue;
      }
      const why = badStep(p, st, owner, strict);
      if (why) return why;
      if (!st.isDirectory()) return `${p} is not a directory`;
      dir = p;
    }
  } catch (e) {
    return `unable to check the way to it: ${(e as Error).message}`;
  }
  const held = fstatSync(fd);
  if (st.dev !== held.dev || st.ino !== held.ino) return `${path} changed while it was checked`;
  return undefined;
}

/** untrustedRoute for a directory of root's or ours held by `fd`, by its real path now. */
export function untrustedPath(fd: number): string | undefined {
  let real: string;
  try {
    real = readlinkSync(`/proc/self/fd/${fd}`);
  } catch (e) {
    return `unable to find its path: ${(e as Error).message}`;
  }
  if (!real.startsWith('/') || real.endsWith(' (deleted)')) return 'it was removed';
  return untrustedRoute(real, fd, process.geteuid!());
}
