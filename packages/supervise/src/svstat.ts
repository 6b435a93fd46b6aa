/**
 * svstat DIR...: one line per directory, `DIR: up (pid P) N seconds[, ...]` or `DIR: down N seconds[, ...]`,
 * word for word as daemontools 0.76 (errors after `DIR: ` too); always exits 0.
 * `svstat --json DIR...` prints one JSON array with svkit's full state of every directory.
 * A reader that goes away (`svstat ... | head -1`) ends it as it ends 0.76's: killed by SIGPIPE,
 * no message.
 */
import { defaultSigpipe, isBrokenPipe, processIo, runMain, type Io, type Strerr, helpWanted, printHelp } from '@svkit/diag';
import { serviceStatus, StatusError } from '@svkit/protocol/service-status';
import { formatStatusLine } from './svstat-format.js';

/** The usage line of `--help`. */
const USAGE = 'svstat [--json] dir ...';
/** `svstat --help`: this paragraph (man page DESCRIPTION). */
const ABOUT =
  'Prints the status of each service directory DIR, one line each, as daemontools 0.76 does: \'DIR: up (pid P) N seconds\' or \'DIR: down N seconds\', with \', normally down\', \', want up\', \', paused\' and svkit\'s readiness and give-up notes; a DIR that cannot be read gets its error on its line. With --json (first argument), one JSON array with the full state of every DIR. Every other argument is a directory, as in 0.76 (only a lone --help prints this text: use ./--help for a directory of that name). Reads the same files as daemontools\' svstat, so either reads either\'s supervise. A DIR whose supervise/ is not what its supervisor would own (a link in a directory owned by someone other than root or us, owned by anyone but the directory\'s owner, writable by group or others) is not read: its line says why. Always exits 0.';

/** Exit status a shell shows for a process killed by SIGPIPE (128 + 13). */
const EXIT_SIGPIPE = 141;

/** Entry point of `svstat`. */
export function main(argv: string[], io: Io = processIo): Promise<number> {
  if (io === processIo) defaultSigpipe(); // not in tests that call main() in their own process
  return runMain('svstat', io, async (e) => {
    try {
      return await body(e, argv, io);
    } catch (err) {
      // only where SIGPIPE could not be restored: the same status, still no message
      if (isBrokenPipe(err)) return EXIT_SIGPIPE;
      throw err;
    }
  });
}

/** svstat's work: the lines (or the JSON) of every directory. */
async function body(e: Strerr, argv: string[], io: Io): Promise<number> {
  if (helpWanted(argv)) return printHelp(e, USAGE, ABOUT);
  let dirs = argv;
  let json = false;
  // 0.76 takes every argument as a directory (`svstat -x` says `-x: unable to chdir: ...`);
  // only a first argument `--json` is svkit's.
  if (dirs[0] === '--json') {
    json = true;
    dirs = dirs.slice(1);
  }
  const nowSec = Date.now() / 1000;
  if (json) {
    const { statusJson } = await import('./svstat-json.js'); // only for --json
    io.out(JSON.stringify(dirs.map((d) => statusJson(d, nowSec)), null, 2) + '\n');
    return 0;
  }
  for (const dir of dirs) {
    let line: string;
    try {
      line = formatStatusLine(serviceStatus(dir), nowSec);
    } catch (err) {
      if (!(err instanceof StatusError)) throw err;
      line = err.text;
    }
    io.out(`${dir}: ${line}\n`);
  }
  return 0;
}
