/** Reads and atomically replaces supervise/status (write status.new, then rename). */
import { closeSync, openSync, readSync } from 'node:fs';
import { writeAtomic } from '@svkit/sys/write-atomic';
import { join } from 'node:path';
import { MODE_STATUS, STATUS, STATUS_LEN, STATUS_NEW } from './layout.js';
import { packStatus, unpackStatus, type Status } from './status-pack.js';

/** Error code for a status file shorter than 18 bytes. */
export const EBADFORMAT = 'EBADFORMAT';

/** Reads DIR/supervise/status; throws ENOENT etc., or code EBADFORMAT when too short. */
export function readStatus(dir: string): Status {
  const fd = openSync(join(dir, STATUS), 'r');
  try {
    const b = Buffer.alloc(64);
    let n = 0;
    for (;;) {
      const r = readSync(fd, b, n, b.length - n, null);
      if (r === 0 || n + r >= b.length) { n += r; break; }
      n += r;
    }
    const s = unpackStatus(b.subarray(0, n));
    if (!s) throw Object.assign(new Error('bad format'), { code: EBADFORMAT });
    return s;
  } finally {
    closeSync(fd);
  }
}

/** Writes DIR/supervise/status.new (mode 0644) and renames it over DIR/supervise/status. */
export function writeStatus(dir: string, s: Status): void {
  writeAtomic(join(dir, STATUS_NEW), join(dir, STATUS), packStatus(s), MODE_STATUS);
}

export { STATUS_LEN };
