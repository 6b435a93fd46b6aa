/**
 * Reading files of a service directory that may belong to an untrusted user: never blocks (a FIFO
 * or device is opened O_NONBLOCK and refused), never follows a planted symbolic link in the last
 * component (unless asked), accepts only regular files, and reads at most `cap` bytes.
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { errnoError } from '@svkit/diag';

/** Error code of a file that exists but is not a regular file (FIFO, device, directory, socket). */
export const ENOTREG = 'ENOTREG';

/** Error code of a symbolic link that was not followed. */
export const ESYMLINK = 'ESYMLINK';

/** How to open: `follow` a symbolic link in the last component (trusted directories only). */
export interface SafeReadOptions {
  follow?: boolean;
}

/** What was read: at most `cap` bytes, and the file's stat (owner, mode) taken on the open descriptor. */
export interface SafeRead {
  data: Buffer;
  stat: Stats;
  /** The file holds more than `cap` bytes. */
  truncated: boolean;
}

/**
 * Reads up to `cap` bytes of the regular file `path`. Throws the open's errno (ENOENT, EACCES...),
 * ESYMLINK for a link when not following, or ENOTREG.
 */
export function readBounded(path: string, cap: number, opts: SafeReadOptions = {}): SafeRead {
  const flags = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY | (opts.follow ? 0 : constants.O_NOFOLLOW);
  let fd: number;
  try {
    fd = openSync(path, flags);
  } catch (e) {
    if (!opts.follow && (e as NodeJS.ErrnoException).code === 'ELOOP') throw errnoError(ESYMLINK, `${path} is a symbolic link`);
    throw e;
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw errnoError(ENOTREG, `${path} is not a regular file`);
    const buf = Buffer.alloc(cap + 1);
    let n = 0;
    for (;;) {
      const r = readSync(fd, buf, n, buf.length - n, null);
      if (r === 0) break;
      n += r;
      if (n === buf.length) break;
    }
    return { data: buf.subarray(0, Math.min(n, cap)), stat, truncated: n > cap };
  } finally {
    closeSync(fd);
  }
}

/** The first line of a small text file (trailing blanks removed), or undefined when it does not exist. */
export function readFirstLine(path: string, opts: SafeReadOptions = {}): string | undefined {
  try {
    return readBounded(path, FIRST_LINE_CAP, opts).data.toString('latin1').split('\n', 1)[0]!.trim();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** How much of a one-line settings file is read (daemontools' settings are a number or a word). */
export const FIRST_LINE_CAP = 4096;
