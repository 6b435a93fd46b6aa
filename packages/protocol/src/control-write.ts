/** Sends control letters to a running supervise through DIR/supervise/control. */
import { closeSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { CONTROL } from './layout.js';
import { openFifoWriter } from './fifo-open.js';

/**
 * Writes `letters` to DIR/supervise/control in one write (none for ''); throws ENXIO when
 * supervise is not running, ENOENT, EACCES... when the FIFO cannot be opened.
 */
export function writeControl(dir: string, letters: string): void {
  const fd = openFifoWriter(join(dir, CONTROL));
  try {
    if (letters) writeSync(fd, Buffer.from(letters, 'latin1'));
  } finally {
    closeSync(fd);
  }
}
