/** envuidgid ACCOUNT CHILD: runs CHILD with $UID and $GID set to ACCOUNT's uid and gid. */
import { processIo, runMain, type Io, helpWanted, printHelp } from '@svkit/diag';
import { getpwnam } from '@svkit/sys';
import { execChild } from './child-exec.js';

/** The usage line of `--help`. */
const USAGE = 'envuidgid account child';
/** `envuidgid --help`: this paragraph (man page DESCRIPTION). */
const ABOUT =
  'Runs CHILD with the environment variables UID and GID set to the uid and primary gid of ACCOUNT, replacing itself with CHILD (same pid), as daemontools 0.76\'s envuidgid. Exit 100 on a usage error, 111 for an unknown account or when CHILD cannot be run.';

/** Runs envuidgid; returns only on failure. */
export function main(argv: string[], io: Io = processIo): Promise<number> {
  return runMain('envuidgid', io, (e) => {
    if (helpWanted(argv)) return printHelp(e, USAGE, ABOUT);
    if (argv.length < 2) return e.dieUsage('envuidgid account child');
    const pw = getpwnam(argv[0]!);
    if (!pw) return e.die(111, `unknown account ${argv[0]}`);
    return execChild(e, argv.slice(1), { ...io.env, UID: String(pw.uid), GID: String(pw.gid) });
  });
}
