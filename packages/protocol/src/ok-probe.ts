/** Tells whether a supervise is running for a directory, through DIR/supervise/ok. */
import { closeSync } from 'node:fs';
import type { DirHandle } from './dir-handle.js';
import { NAME } from './layout.js';
import { openFifoWriter } from './fifo-open.js';
import { withSupervise } from './supervise-access.js';

/**
 * True when a supervisor holds DIR/supervise/ok open; false when none; throws on other errors
 * (ENOENT, EACCES..., EUNTRUSTED when supervise/ is refused: see openSupervise).
 */
export function superviseRunning(dir: string): boolean {
  return withSupervise(dir, superviseRunningAt);
}

/** superviseRunning for the supervise/ directory held by `sup`. */
export function superviseRunningAt(sup: DirHandle): boolean {
  try {
    closeSync(openFifoWriter(sup.path(NAME.ok)));
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENXIO') return false;
    throw e;
  }
}
