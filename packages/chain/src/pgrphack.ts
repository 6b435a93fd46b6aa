/** pgrphack CHILD: runs CHILD in a new session and process group (setsid; ignored when already a leader). */
import { processIo, runMain, type Io } from '@svkit/diag';
import { setsid } from '@svkit/sys';
import { execChild } from './child-exec.js';

/** Runs pgrphack; returns only on failure. */
export function main(argv: string[], io: Io = processIo): Promise<number> {
  return runMain('pgrphack', io, (e) => {
    if (argv.length < 1) return e.dieUsage('pgrphack child');
    try {
      setsid();
    } catch {
      // already a process group leader: daemontools 0.76 goes on too
    }
    return execChild(e, argv, io.env);
  });
}
