/** Whole-file replacement: write a temporary file beside the target, then rename it over the target. */
import { chmodSync, closeSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';

/** Writes `data` to `tmp` (mode `mode`) then renames it to `dest`: readers see the old or the new file, never half. */
export function writeAtomic(tmp: string, dest: string, data: Uint8Array, mode: number): void {
  try {
    const fd = openSync(tmp, 'w', mode);
    try {
      writeSync(fd, data);
    } finally {
      closeSync(fd);
    }
    chmodSync(tmp, mode);
    renameSync(tmp, dest);
  } catch (e) {
    try { unlinkSync(tmp); } catch { /* never made */ }
    throw e;
  }
}
