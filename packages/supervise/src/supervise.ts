/**
 * supervise DIR: runs DIR/run and keeps it running, controlled through DIR/supervise/control
 * (daemontools 0.76 compatible). Exits 0 after `svc -x` once the service is down; 111 when DIR
 * cannot be set up (e.g. locked by another supervise); 100 on usage errors. SIGTERM kills
 * supervise only (exit 143), not the service; a later supervise adopts the running service.
 */
import { processIo, runMain, type Io } from '@svkit/diag';
import { Supervisor } from './supervisor.js';
import { SuperviseError } from './service-dir-open.js';

/** Entry point of `supervise`. */
export function main(argv: string[], io: Io = processIo): Promise<number> {
  return runMain('supervise', io, (e) => {
    const dir = argv[0];
    if (!dir || argv.length !== 1) e.dieUsage('supervise dir');
    return new Promise<number>((resolve) => {
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
