/**
 * svscan [DIR]: supervises every non-dot subdirectory of DIR (default .), all in this one process,
 * with NAME/log fed from NAME's stdout through a pipe; picks up new services at once (directory
 * watch) and rescans every 5 s. SIGHUP rescans now. SIGTERM/SIGINT bring every service down,
 * then its logger, and exit 0. As PID 1 (containers) it also reaps orphaned zombies.
 * After a crash or kill -9, a new svscan adopts the services still running (no second instance).
 */
// first: in the bundle (dist/bundle/svscan.js) its handlers are the first code that runs
import { takeEarlySignals, underFront } from './early-signals.js';
import { errnoText, processIo, runMain, type Io, helpWanted, printHelp } from '@svkit/diag';
import { Scanner } from './scanner.js';
import { setChildSubreaper, startReaping } from '@svkit/sys';

/** The usage line of `--help`. */
const USAGE = 'svscan [dir]';
/** `svscan --help`: this paragraph (man page DESCRIPTION). */
const ABOUT =
  'Supervises every subdirectory of DIR (default the current directory) whose name does not start with a dot, all in this one process, as supervise would each; when NAME/log is a service directory too, NAME\'s output goes to it through a pipe. New directories are picked up at once (directory watch, plus a rescan every 5 seconds), removed ones are left alone, and a restarted svscan adopts the services that are still running. As root, it never works inside a directory another user owns: it hands each such directory (as an open descriptor) to one supervisor per owner, `svscan-owner UID`, that it runs as that user and restarts if it dies; a root-owned directory that another user could change (a directory above it is theirs, or it is writable by group or others) is not supervised. As PID 1 (a container) it also reaps orphans. SIGTERM and SIGINT bring every service down, then its logger, then svscan exits. Exit 111 when DIR cannot be used, 100 on a usage error.';

/** Entry point of `svscan`. */
export function main(argv: string[], io: Io = processIo): Promise<number> {
  return runMain('svscan', io, (e) => {
    if (helpWanted(argv)) return printHelp(e, USAGE, ABOUT);
    if (argv.length > 1 || argv[0]?.startsWith('-')) e.dieUsage('svscan [dir]');
    const dir = argv[0] ?? '.';
    try {
      process.chdir(dir);
    } catch (err) {
      e.dieSys(`unable to chdir to ${dir}`, err);
    }
    return new Promise<number>((resolve) => {
      // as PID 1, or as PID 2 behind svscan-front (a container's PID 1, see bin/svscan): the orphans of
      // services come to svscan, as they would to a PID 1 svscan; one reaper takes them and our children
      if (process.pid !== 1 && underFront()) {
        try {
          setChildSubreaper();
        } catch (err) {
          e.warn(`unable to become the subreaper of the services (svscan-front reaps their orphans): ${errnoText(err)}`);
        }
      }
      startReaping();
      const scanner = new Scanner({
        io,
        onIdle: () => {
          resolve(0);
        },
      });
      process.on('uncaughtException', (err) => e.warn(`internal error, going on: ${errnoText(err)}`));
      process.on('SIGHUP', () => scanner.queueScan());
      const down = (): void => scanner.shutdown();
      process.on('SIGTERM', down);
      process.on('SIGINT', down);
      scanner.start();
      // signals that came while we loaded (bin/svscan records them from its first line): act on them now
      for (const sig of takeEarlySignals()) {
        if (sig === 'SIGHUP') scanner.queueScan();
        else down();
      }
    });
  });
}
