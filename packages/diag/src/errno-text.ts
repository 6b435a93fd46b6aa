/** Short human texts for errno codes, in the wording daemontools' programs print. */

const TEXT: Record<string, string> = {
  EACCES: 'access denied',
  EPERM: 'permission denied',
  ENOENT: 'file does not exist',
  EEXIST: 'file already exists',
  ENOTDIR: 'not a directory',
  EISDIR: 'is a directory',
  EAGAIN: 'temporary failure',
  EWOULDBLOCK: 'temporary failure',
  EINTR: 'interrupted system call',
  EIO: 'input/output error',
  ENOSPC: 'out of disk space',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  ENOMEM: 'out of memory',
  EBADF: 'file descriptor not open',
  ENXIO: 'device not configured',
  EINVAL: 'invalid argument',
  ELOOP: 'symbolic link loop',
  ENAMETOOLONG: 'file name too long',
  EPIPE: 'broken pipe',
  ESRCH: 'no such process',
  ENOEXEC: 'exec format error',
  ETXTBSY: 'text busy',
  EMFILE: 'out of file descriptors',
  ENFILE: 'file table overflow',
  ESPIPE: 'unseekable descriptor',
  EBUSY: 'device busy',
  EFBIG: 'file too big',
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ETIMEDOUT: 'timed out',
  EADDRINUSE: 'address already used',
  ENOTEMPTY: 'directory not empty',
  EXDEV: 'cross-device link',
  ECHILD: 'no child processes',
  E2BIG: 'argument list too long',
  // svkit's own codes for files of the wrong type
  ENOTFIFO: 'not a FIFO',
  ENOTREG: 'not a regular file',
  ESYMLINK: 'a symbolic link (not followed)',
};

/** The daemontools-style text for an error: its errno text, else its message. */
export function errnoText(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code && TEXT[code]) return TEXT[code];
  if (e instanceof Error) return e.message;
  return String(e);
}

/** Builds an Error that carries an errno `code` (like Node's own fs errors). */
export function errnoError(code: string, message: string, errno?: number): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`${code}: ${message}`);
  err.code = code;
  if (errno !== undefined) err.errno = errno;
  return err;
}
