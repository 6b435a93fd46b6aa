/**
 * svok DIR: exit 0 if a supervise is running for DIR, 100 if not (no reader on supervise/ok,
 * or no such file), 111 if DIR cannot be entered or supervise/ok cannot be opened for another
 * reason (access denied...). Prints nothing on success (daemontools 0.76).
 */
import { statSync } from 'node:fs';
import { errnoError, processIo, runMain, type Io } from '@svkit/diag';
import { superviseRunning } from '@svkit/protocol/ok-probe';

/** Entry point of `svok`. */
export function main(argv: string[], io: Io = processIo): Promise<number> {
  return runMain('svok', io, (e) => {
    const dir = argv[0];
    if (dir === undefined) e.dieUsage('svok dir');
    try {
      if (!statSync(dir).isDirectory()) throw errnoError('ENOTDIR', dir);
    } catch (err) {
      e.dieSys(`unable to chdir to ${dir}`, err);
    }
    try {
      return superviseRunning(dir) ? 0 : 100;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 100;
      return e.dieSys(`unable to open ${dir}/supervise/ok`, err);
    }
  });
}
