/**
 * svok DIR: exit 0 if a supervise is running for DIR, 100 if not (no reader on supervise/ok,
 * or no such file), 111 if DIR cannot be entered. Prints nothing on success (daemontools 0.76).
 */
import { statSync } from 'node:fs';
import { errnoError, processIo, runMain, type Io } from '@svkit/diag';
import { superviseRunning } from './ok-probe.js';

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
    } catch {
      return 100;
    }
  });
}
