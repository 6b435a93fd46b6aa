/** pgrphack CHILD: runs CHILD in a new session and process group (setsid; ignored when already a leader). */
import { processIo, runMain, type Io, helpWanted, printHelp } from '@svkit/diag';
import { setsid } from '@svkit/sys';
import { execChild } from './child-exec.js';

/** The usage line of `--help`. */
const USAGE = 'pgrphack child';
/** `pgrphack --help`: this paragraph (man page DESCRIPTION). */
const ABOUT =
  'Runs CHILD in a new session and process group (setsid), replacing itself with CHILD (same pid), so that signals to the group do not reach its parent. Exit 100 on a usage error, 111 when CHILD cannot be run.';

/** Runs pgrphack; returns only on failure. */
export function main(argv: string[], io: Io = processIo): Promise<number> {
  return runMain('pgrphack', io, (e) => {
    if (helpWanted(argv)) return printHelp(e, USAGE, ABOUT);
    if (argv.length < 1) return e.dieUsage('pgrphack child');
    try {
      setsid();
    } catch {
      // already a process group leader: daemontools 0.76 goes on too
    }
    return execChild(e, argv, io.env);
  });
}
