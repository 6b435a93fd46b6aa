/** setuidgid ACCOUNT CHILD: runs CHILD as ACCOUNT (its uid, primary gid and its groups only). */
import { processIo, runMain, type Io, helpWanted, printHelp } from '@svkit/diag';
import { getgrouplist, getpwnam, setgid, setgroups, setuid } from '@svkit/sys';
import { execChild } from './child-exec.js';

/** The usage line of `--help`. */
const USAGE = 'setuidgid account child';
/** `setuidgid --help`: this paragraph (man page DESCRIPTION). */
const ABOUT =
  'Runs CHILD as ACCOUNT: with its uid, primary gid and supplementary groups (from the group database), replacing itself with CHILD (same pid). Must be started as root. Exit 100 on a usage error, 111 for an unknown account, a failed privilege change or when CHILD cannot be run.';

/** Runs setuidgid; returns only on failure. */
export function main(argv: string[], io: Io = processIo): Promise<number> {
  return runMain('setuidgid', io, (e) => {
    if (helpWanted(argv)) return printHelp(e, USAGE, ABOUT);
    if (argv.length < 2) return e.dieUsage('setuidgid account child');
    const pw = getpwnam(argv[0]!);
    if (!pw) return e.die(111, `unknown account ${argv[0]}`);
    try {
      setgroups(getgrouplist(pw.name, pw.gid));
      setgid(pw.gid);
    } catch (err) {
      return e.dieSys('unable to setgid', err);
    }
    try {
      setuid(pw.uid);
    } catch (err) {
      return e.dieSys('unable to setuid', err);
    }
    return execChild(e, argv.slice(1), io.env);
  });
}
