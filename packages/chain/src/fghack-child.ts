/**
 * fghack's child side when soft limits are pending (see pending-limits.ts): fghack runs
 * `node fghack-child.js CHILD...` with fds 3-33 on its pipe, and this execs CHILD as our loaders
 * do: PATH search, the pending limits applied just before execve, 0.76's messages in fghack's
 * name. Node marks every inherited fd close-on-exec at start-up; fds 3-33 are opened again here.
 */
import { fstatSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { processIo, runMain, type Io } from '@svkit/diag';
import { passOnExec } from '@svkit/sys';
import { execChild } from './child-exec.js';

/** The descriptors fghack gives its child: 3 up to 3 + EXTRA_FDS - 1, all the write end of one pipe. */
export const EXTRA_FDS = 31; // as 0.76: the pipe and 30 duplicates
export const FIRST_EXTRA_FD = 3;

/** Hands on fds 3-33 when they are the same pipe as fd 3 (what fghack passed). */
function keepPipeFds(): void {
  let pipe: { dev: number; ino: number };
  try {
    const st = fstatSync(FIRST_EXTRA_FD);
    if (!st.isFIFO()) return;
    pipe = st;
  } catch {
    return;
  }
  for (let fd = FIRST_EXTRA_FD; fd < FIRST_EXTRA_FD + EXTRA_FDS; fd++) {
    try {
      const st = fstatSync(fd);
      if (st.dev === pipe.dev && st.ino === pipe.ino) passOnExec(fd);
    } catch { /* not open: nothing to pass on */ }
  }
}

/** Runs fghack's child side; returns only on failure (`fghack: fatal: unable to run CHILD: reason`, 111). */
export function main(argv: string[], io: Io = processIo): Promise<number> {
  return runMain('fghack', io, (e) => {
    if (argv.length < 1) return e.dieUsage('fghack child');
    keepPipeFds();
    return execChild(e, argv, io.env);
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exit(await main(process.argv.slice(2)));
}
