/**
 * Reading a service's log, DIR/log/main/current (multilog's current file): bounded reads of a byte
 * range, opened non-blocking, never through a link in log/, main/ or current, regular files only.
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { ENOTREG, openBelow } from '@svkit/protocol';
import { errnoError } from '@svkit/diag';

/** Where multilog's current file of a service is (`log/run` = `multilog t ./main`). */
export const LOG_CURRENT = join('log', 'main', 'current');
/** Most bytes one read returns. */
export const LOG_READ_CAP = 1024 * 1024;

/** Bytes read from a log, with the file's size and identity at the time. */
export interface LogChunk {
  data: Buffer;
  /** File offset of data[0]. */
  offset: number;
  size: number;
  ino: number;
  dev: number;
}

/** The log at `path`: below the service directory, no link followed in log/, main/ or current (openBelow). */
function openLog(path: string): { fd: number; stat: Stats } {
  const flags = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY;
  const fd = path.endsWith(`/${LOG_CURRENT}`) ? openBelow(path.slice(0, -LOG_CURRENT.length - 1) || '/', LOG_CURRENT, flags) : openSync(path, flags | constants.O_NOFOLLOW);
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw errnoError(ENOTREG, `${path} is not a regular file`);
    return { fd, stat };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/**
 * Reads `length` bytes at `offset` of the log at `path` (capped at LOG_READ_CAP); a negative offset
 * counts from the end (the last -offset bytes). Throws ENOENT, ELOOP, ENOTREG...
 */
export function readLogRange(path: string, offset: number, length: number): LogChunk {
  const { fd, stat } = openLog(path);
  try {
    const size = stat.size;
    let start = offset < 0 ? Math.max(0, size + offset) : Math.min(offset, size);
    let want = offset < 0 ? size - start : length > 0 ? Math.min(length, size - start) : size - start;
    if (want > LOG_READ_CAP) {
      if (offset < 0) start += want - LOG_READ_CAP;
      want = LOG_READ_CAP;
    }
    const buf = Buffer.alloc(want);
    let n = 0;
    while (n < want) {
      const r = readSync(fd, buf, n, want - n, start + n);
      if (r === 0) break;
      n += r;
    }
    return { data: buf.subarray(0, n), offset: start, size, ino: stat.ino, dev: stat.dev };
  } finally {
    closeSync(fd);
  }
}

/** The size and identity of the log at `path` (a regular file, no link followed); throws as readLogRange. */
export function statLog(path: string): { size: number; ino: number; dev: number } {
  const { fd, stat } = openLog(path);
  closeSync(fd);
  return { size: stat.size, ino: stat.ino, dev: stat.dev };
}

/** The log file of the service directory `dir`. */
export const logPath = (dir: string): string => join(dir, LOG_CURRENT);

/** The last `lines` complete lines of the log of `dir` (at most `maxBytes` read). */
export function tailLines(dir: string, lines: number, maxBytes = 256 * 1024): { text: string; size: number } {
  const c = readLogRange(logPath(dir), -maxBytes, 0);
  let text = c.data.toString('utf8');
  if (c.offset > 0) text = text.slice(text.indexOf('\n') + 1); // drop the partial first line
  const all = text.split('\n');
  if (all[all.length - 1] === '') all.pop();
  return { text: all.slice(-lines).map((l) => l + '\n').join(''), size: c.size };
}
