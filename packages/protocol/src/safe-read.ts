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
    // sized by the file (plus one byte to see growth), not by the cap: state.json is read by the
    // web server for every service every second, and a zeroed 64 KiB buffer each time dominated its CPU
    let buf = Buffer.allocUnsafe(Math.min(cap + 1, stat.size + 1, MAX_FIRST_ALLOC));
    let n = 0;
    for (;;) {
      const r = readSync(fd, buf, n, buf.length - n, null);
      if (r === 0) break;
      n += r;
      if (n === buf.length) {
        if (buf.length >= cap + 1) break;
        const bigger = Buffer.allocUnsafe(Math.min(cap + 1, buf.length * 2));
        buf.copy(bigger, 0, 0, n);
        buf = bigger;
      }
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

/** Largest first buffer of a read (the file's size may be huge or wrong, as for /proc files). */
const MAX_FIRST_ALLOC = 1024 * 1024;

/** How much of a one-line settings file is read (daemontools' settings are a number or a word). */
export const FIRST_LINE_CAP = 4096;

/**
 * O_PATH (Linux, not in Node's fs.constants): a descriptor that names a file without opening it for
 * reading or writing. @svkit/sys has its own copy: clients that load this module load no koffi.
 */
export const O_PATH = 0o10000000;

/**
 * Opens `rel` (e.g. log/main/current) below directory `base` with `flags`, following no link in any
 * component of `rel`: a link the owner of `base` planted at log/ or log/main never leads the
 * caller out of their directory (`base` itself, the operator's name, is followed). Throws the
 * errno of the component that failed (ELOOP for a link).
 */
export function openBelow(base: string, rel: string, flags: number): number {
  const parts = rel.split('/').filter((c) => c !== '' && c !== '.');
  if (parts.length === 0 || parts.includes('..')) throw errnoError('EINVAL', `${rel}: not a path below a directory`);
  let dir = openSync(base, O_PATH | constants.O_DIRECTORY);
  try {
    for (const c of parts.slice(0, -1)) {
      const next = openSync(`/proc/self/fd/${dir}/${c}`, O_PATH | constants.O_DIRECTORY | constants.O_NOFOLLOW);
      closeSync(dir);
      dir = next;
    }
    return openSync(`/proc/self/fd/${dir}/${parts[parts.length - 1]}`, flags | constants.O_NOFOLLOW);
  } finally {
    closeSync(dir);
  }
}
