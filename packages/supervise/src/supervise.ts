/**
 * supervise DIR: runs DIR/run and keeps it running, controlled through DIR/supervise/control
 * (daemontools 0.76 compatible). Exits 0 after `svc -x` once the service is down; 111 when DIR
 * cannot be set up (e.g. locked by another supervise); 100 on usage errors. SIGTERM kills
 * supervise only (exit 143), not the service; a later supervise adopts the running service.
 */
import { statSync } from 'node:fs';
import { processIo, runMain, type Io, helpWanted, printHelp } from '@svkit/diag';
import { Supervisor } from './supervisor.js';
import { SuperviseError, trustedOwner } from './service-dir-open.js';
import { superviseAsOwner } from './supervise-as-owner.js';

/** The usage line of `--help`. */
const USAGE = 'supervise dir';
/** `supervise --help`: this paragraph (man page DESCRIPTION). */
const ABOUT =
  'Runs DIR/run and keeps it running: restarts it when it exits (with a backoff for crash loops), runs DIR/finish after it, starts it down when DIR/down exists, and obeys the letters svc writes to DIR/supervise/control. Writes DIR/supervise/status in daemontools 0.76\'s format (read by svstat, ours or daemontools\') and svkit\'s DIR/supervise/state.json. Adopts a service left running by an earlier supervise instead of starting it twice. As root, for a DIR that another user owns, the work is done by a supervise running as that user (uid, the account\'s gid and groups, through setpriv, in a session of its own), whose output this one copies and to which it passes on TERM, INT and HUP. SIGTERM ends supervise only (exit 143), not the service. Exit 0 after svc -x once the service is down, 111 when DIR cannot be set up (e.g. another supervise holds its lock), 100 on a usage error.';

/** Entry point of `supervise`. */
export function main(argv: string[], io: Io = processIo): Promise<number> {
  return runMain('supervise', io, (e) => {
    if (helpWanted(argv)) return printHelp(e, USAGE, ABOUT);
    const dir = argv[0];
    if (!dir || argv.length !== 1) e.dieUsage('supervise dir');
    return new Promise<number>((resolve) => {
      // root never works inside a directory another user owns: a supervise running as its owner does
      const st = process.geteuid!() === 0 ? statSync(dir, { throwIfNoEntry: false }) : undefined;
      if (st?.isDirectory() && !trustedOwner(st.uid)) {
        superviseAsOwner(dir, st.uid, st.gid).then(resolve, (err) => resolve(e.dieSys(`unable to run supervise as uid ${st.uid}, the owner of ${dir}`, err)));
        return;
      }
      const sv = new Supervisor({ dir, io, onClose: () => resolve(0) });
      try {
        sv.open();
      } catch (err) {
        if (err instanceof SuperviseError) e.dieSys(err.what, err.reason);
        throw err;
      }
    });
  });
}

