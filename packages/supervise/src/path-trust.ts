/**
 * Whether root may supervise a directory of its own: only when no other user can change it or
 * what its path leads to. A root-owned directory below /home/alice (alice may rename it away and
 * put hers in its place), or one that group or others may write to (they may replace ./run), is
 * as good as that user's, and root does not run it as root.
 */
import { lstatSync, readlinkSync } from 'node:fs';
import { trustedOwner } from './service-dir-open.js';

const S_ISVTX = 0o1000;

/**
 * Why root must not supervise the directory held by `fd` (undefined when it may): a directory on its
 * real path, or the directory itself, that is owned by another user or writable by group or others
 * (a sticky directory such as /tmp is safe above it: others cannot rename what they do not own).
 */
export function untrustedPath(fd: number): string | undefined {
  let real: string;
  try {
    real = readlinkSync(`/proc/self/fd/${fd}`);
  } catch (e) {
    return `unable to find its path: ${(e as Error).message}`;
  }
  if (!real.startsWith('/') || real.endsWith(' (deleted)')) return 'it was removed';
  const parts = real.split('/').filter((p) => p !== '');
  let path = '';
  for (let i = 0; i <= parts.length; i++) {
    path = i === 0 ? '/' : `${path === '/' ? '' : path}/${parts[i - 1]}`;
    let st;
    try {
      st = lstatSync(path);
    } catch (e) {
      return `unable to check ${path}: ${(e as Error).message}`;
    }
    if (!trustedOwner(st.uid)) return `${path} is owned by uid ${st.uid}, who could replace what root runs`;
    const last = i === parts.length;
    if (st.mode & 0o022 && (last || !(st.mode & S_ISVTX))) {
      return `${path} is writable by group or others (mode ${(st.mode & 0o7777).toString(8)}), who could replace what root runs`;
    }
  }
  return undefined;
}
