/** Reads supervise/status (any reader, bounded and non-blocking) and replaces it atomically (the supervisor). */
import type { DirHandle } from './dir-handle.js';
import { MODE_STATUS, NAME, STATUS_LEN } from './layout.js';
import { readBounded, ENOTREG } from './safe-read.js';
import { withSupervise } from './supervise-access.js';
import { packStatus, unpackStatus, type Status } from './status-pack.js';

/** Error code for a status file shorter than 18 bytes (or not a regular file: 0.76 reads nothing from a FIFO). */
export const EBADFORMAT = 'EBADFORMAT';

/**
 * Reads the status record at `path`; throws ENOENT etc., or code EBADFORMAT when it is short or
 * not a regular file. A link in the last component is not followed (ELOOP).
 */
export function readStatusAt(path: string): Status {
  let data: Buffer;
  try {
    data = readBounded(path, 64).data;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === ENOTREG) throw badFormat();
    throw e;
  }
  const s = unpackStatus(data);
  if (!s) throw badFormat();
  return s;
}

/** Reads DIR/supervise/status (see readStatusAt), supervise/ reached through openSupervise. */
export function readStatus(dir: string): Status {
  return withSupervise(dir, (sup) => readStatusAt(sup.path(NAME.status)));
}

function badFormat(): Error {
  return Object.assign(new Error('bad format'), { code: EBADFORMAT });
}

/** Writes status.new (mode 0644) in the supervise directory held by `sup` and renames it over status. */
export function writeStatus(sup: DirHandle, s: Status): void {
  sup.writeAtomic(NAME.statusNew, NAME.status, packStatus(s), MODE_STATUS);
}

export { STATUS_LEN };
