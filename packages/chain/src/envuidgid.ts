/** envuidgid ACCOUNT CHILD: runs CHILD with $UID and $GID set to ACCOUNT's uid and gid. */
import { processIo, runMain, type Io } from '@svkit/diag';
import { getpwnam } from '@svkit/sys';
import { execChild } from './child-exec.js';

/** Runs envuidgid; returns only on failure. */
export function main(argv: string[], io: Io = processIo): Promise<number> {
  return runMain('envuidgid', io, (e) => {
    if (argv.length < 2) return e.dieUsage('envuidgid account child');
    const pw = getpwnam(argv[0]!);
    if (!pw) return e.die(111, `unknown account ${argv[0]}`);
    return execChild(e, argv.slice(1), { ...io.env, UID: String(pw.uid), GID: String(pw.gid) });
  });
}
