/** Opens the write side of a supervise FIFO without blocking: how clients talk to supervise. */
import { closeSync, constants, fstatSync, openSync } from 'node:fs';
import { errnoError } from '@svkit/diag';

/**
 * Opens `path` O_WRONLY|O_NONBLOCK, never through a link in its last component (a planted link to
 * a device must not be opened). Throws ENXIO when no reader (supervise not running), ENOENT,
 * EACCES, ELOOP etc. as the system says, and code ENOTFIFO when the file is not a FIFO.
 */
export function openFifoWriter(path: string): number {
  const fd = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW | constants.O_NOCTTY);
  try {
    if (!fstatSync(fd).isFIFO()) throw errnoError('ENOTFIFO', `${path} is not a FIFO`);
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  return fd;
}
