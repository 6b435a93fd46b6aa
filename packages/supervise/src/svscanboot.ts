/**
 * svscanboot [DIR]: svscan DIR (default /etc/service) with its stdout and stderr sent to
 * `readproctitle service errors: ...`, so supervision errors show in `ps` (daemontools 0.76).
 * readproctitle is the one beside this program's bin directory, else the one on PATH.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { errnoText, processIo, runMain, type Io, helpWanted, printHelp } from '@svkit/diag';
import { closeQuiet, dup2, O_CLOEXEC, onChildExit, pipe2, spawnProcess } from '@svkit/sys';
import { main as svscan } from './svscan.js';

/** The usage line of `--help`. */
const USAGE = 'svscanboot [dir]';
/** `svscanboot --help`: this paragraph (man page DESCRIPTION). */
const ABOUT =
  'Starts svscan on DIR (default /etc/service) with its standard error and that of the services going to readproctitle, so that the last error messages can be seen in ps output, as daemontools 0.76\'s svscanboot does (for init or a systemd unit). Exit 100 on a usage error, 111 when it cannot start.';

/** Entry point of `svscanboot`. */
export function main(argv: string[], io: Io = processIo): Promise<number> {
  return runMain('svscanboot', io, (e) => {
    if (helpWanted(argv)) return printHelp(e, USAGE, ABOUT);
    // checked here, before stderr goes to readproctitle, so a usage error is seen
    if (argv.length > 1 || argv[0]?.startsWith('-')) e.dieUsage('svscanboot [dir]');
    const dir = argv[0] ?? '/etc/service';
    const sibling = join(dirname(process.argv[1] ?? ''), 'readproctitle');
    const rpt = existsSync(sibling) ? sibling : 'readproctitle';
    let fds: [number, number];
    try {
      fds = pipe2(O_CLOEXEC);
    } catch (err) {
      return e.dieSys('unable to create pipe', err);
    }
    const [r, w] = fds;
    try {
      // through spawnProcess, as svscan's own children: svscan's reaper reaps every child of this process
      const pid = spawnProcess({ file: rpt, argv: [rpt, 'service', 'errors:', '.'.repeat(400)], env: process.env, fds: new Map<number, number | 'null'>([[0, r], [1, 'null'], [2, 'null']]), search: true });
      onChildExit(pid, () => {});
    } catch (err) {
      e.warn(`unable to run readproctitle: ${errnoText(err)}`);
    }
    closeQuiet(r);
    dup2(w, 1);
    dup2(w, 2);
    closeQuiet(w);
    return svscan([dir], io);
  });
}
