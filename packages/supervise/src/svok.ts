/**
 * svok DIR: exit 0 if a supervise is running for DIR, 100 if not (no reader on supervise/ok,
 * or no such file), 111 if DIR cannot be entered or supervise/ok cannot be opened for another
 * reason (access denied...). Prints nothing on success (daemontools 0.76).
 */
import { statSync } from 'node:fs';
import { errnoError, processIo, runMain, type Io, helpWanted, printHelp } from '@svkit/diag';
import { superviseRunning } from '@svkit/protocol/ok-probe';

/** The usage line of `--help`. */
const USAGE = 'svok dir';
/** `svok --help`: this paragraph (man page DESCRIPTION). */
const ABOUT =
  'Checks whether a supervise is running for the service directory DIR (a reader is on DIR/supervise/ok). Prints nothing. Exit 0 if one is running, 100 if not, 111 if DIR cannot be entered or supervise/ok cannot be opened for another reason. As daemontools 0.76\'s svok; a supervise/ that its supervisor would not own (a link in a directory owned by someone other than root or us, owned by anyone but the directory\'s owner, writable by group or others) is refused with exit 111.';

/** Entry point of `svok`. */
export function main(argv: string[], io: Io = processIo): Promise<number> {
  return runMain('svok', io, (e) => {
    if (helpWanted(argv)) return printHelp(e, USAGE, ABOUT);
    const dir = argv[0];
    if (dir === undefined) e.dieUsage('svok dir');
    try {
      if (!statSync(dir).isDirectory()) throw errnoError('ENOTDIR', dir);
    } catch (err) {
      e.dieSys(`unable to chdir to ${dir}`, err);
    }
    try {
      return superviseRunning(dir) ? 0 : 100; // through openSupervise (refusal: EUNTRUSTED, exit 111)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 100;
      return e.dieSys(`unable to open ${dir}/supervise/ok`, err);
    }
  });
}
