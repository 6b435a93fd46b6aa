/** Tells whether a supervise is running for a directory, through DIR/supervise/ok. */
import { closeSync } from 'node:fs';
import { join } from 'node:path';
import { OK } from './layout.js';
import { openFifoWriter } from './fifo-open.js';

/** True when a supervisor holds DIR/supervise/ok open; false when none; throws on other errors. */
export function superviseRunning(dir: string): boolean {
  try {
    closeSync(openFifoWriter(join(dir, OK)));
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENXIO') return false;
    throw e;
  }
}
