/** Sends control letters to a running supervise through DIR/supervise/control. */
import { closeSync, writeSync } from 'node:fs';
import type { DirHandle } from './dir-handle.js';
import { NAME } from './layout.js';
import { openFifoWriter } from './fifo-open.js';
import { withSupervise } from './supervise-access.js';

/**
 * Writes `letters` to DIR/supervise/control in one write (none for ''), supervise/ being reached
 * through openSupervise; throws ENXIO when supervise is not running, ENOENT, EACCES... when the
 * FIFO cannot be opened, EUNTRUSTED when supervise/ is refused.
 */
export function writeControl(dir: string, letters: string): void {
  withSupervise(dir, (sup) => writeControlAt(sup, letters));
}

/** Writes `letters` to the control FIFO of the supervise/ directory held by `sup` (see writeControl). */
export function writeControlAt(sup: DirHandle, letters: string): void {
  const fd = openFifoWriter(sup.path(NAME.control));
  try {
    if (letters) writeSync(fd, Buffer.from(letters, 'latin1'));
  } finally {
    closeSync(fd);
  }
}
