/** setlock [-nNxX] FILE CHILD: runs CHILD holding an exclusive flock on FILE (passed on as an open fd). */
import { constants, openSync } from 'node:fs';
import { processIo, runMain, type Io, helpWanted, printHelp } from '@svkit/diag';
import { flock, LOCK_EX, LOCK_NB, passOnExec } from '@svkit/sys';
import { getopt } from './getopt.js';
import { execChild } from './child-exec.js';

/** `setlock --help`: this paragraph (man page DESCRIPTION). */
const ABOUT =
  'Opens FILE (created if needed), takes an exclusive lock on it (flock) and runs PROGRAM with the open, locked file, replacing itself with PROGRAM (same pid): the lock is held until PROGRAM and every process that inherited it exit. -n: fail at once if the lock is held (default -N: wait). -x: exit 0 when FILE cannot be opened or locked (default -X: exit 111). Interoperates with daemontools\' setlock. Exit 100 on a usage error, 111 on errors.';

const USAGE = 'setlock [ -nNxX ] file program [ arg ... ]';

/** Runs setlock; returns only on failure (or 0 with -x when the file cannot be opened or locked). */
export function main(argv: string[], io: Io = processIo): Promise<number> {
  return runMain('setlock', io, (e) => {
    if (helpWanted(argv)) return printHelp(e, USAGE, ABOUT);
    const parsed = getopt(argv, 'nNxX');
    if (!parsed.ok) {
      io.err(`setlock: ${parsed.message}\n`);
      return e.dieUsage(USAGE);
    }
    let wait = true;
    let quietFail = false;
    for (const { opt } of parsed.opts) {
      if (opt === 'n') wait = false;
      else if (opt === 'N') wait = true;
      else if (opt === 'x') quietFail = true;
      else if (opt === 'X') quietFail = false;
    }
    const [file, ...child] = parsed.rest;
    if (file === undefined || child.length === 0) return e.dieUsage(USAGE);
    let fd: number;
    try {
      // as 0.76: write-only, append, create 0600, non-blocking open (a FIFO without reader fails)
      fd = openSync(file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NONBLOCK, 0o600);
    } catch (err) {
      if (quietFail) return 0;
      return e.dieSys(`unable to open ${file}`, err);
    }
    try {
      flock(fd, wait ? LOCK_EX : LOCK_EX | LOCK_NB);
    } catch (err) {
      if (quietFail) return 0;
      return e.dieSys(`unable to lock ${file}`, err);
    }
    passOnExec(fd); // Node opens everything close-on-exec: the child must inherit the lock
    return execChild(e, child, io.env);
  });
}
