/**
 * A closed standard output, seen through Node: at start-up Node opens /dev/null (read-write) on
 * each of fds 0-2 that is closed, so `tai64n >&-` would write into /dev/null and exit 0 where the C
 * tools fail with EBADF. guardStdout() gives such an output back its error.
 */
import { constants, fstatSync, readFileSync, statSync } from 'node:fs';
import { errnoError, processIo, type Io } from '@svkit/diag';

/** The access-mode bits of open flags (Linux; not in fs.constants). */
const O_ACCMODE = 3;

/**
 * True when fd 1 looks like Node's stand-in for a closed descriptor: /dev/null opened O_RDWR.
 * (A shell's `>/dev/null`, systemd's StandardOutput=null and svkit's supervisors open it write-only;
 * an explicit `1<>/dev/null` and Node's child_process 'ignore' cannot be told apart: give those a
 * write-only /dev/null.)
 */
export function stdoutWasClosed(): boolean {
  try {
    const st = fstatSync(1);
    if (!st.isCharacterDevice() || st.rdev !== statSync('/dev/null').rdev) return false;
    const m = /^flags:\s*([0-7]+)$/m.exec(readFileSync('/proc/self/fdinfo/1', 'latin1'));
    return m !== null && (parseInt(m[1]!, 8) & O_ACCMODE) === constants.O_RDWR;
  } catch {
    return false; // no /proc: cannot tell, keep the descriptor as it is
  }
}

/** `io`, except that writing to a standard output that was closed at start-up throws EBADF. */
export function guardStdout(io: Io): Io {
  if (io !== processIo || !stdoutWasClosed()) return io;
  return {
    ...io,
    out() {
      throw errnoError('EBADF', 'standard output was closed');
    },
  };
}
