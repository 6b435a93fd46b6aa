/**
 * fghack CHILD: an anti-backgrounding tool. Runs CHILD with 31 descriptors (fds 3-33) writing to a pipe,
 * reads and discards the pipe until every holder (CHILD and anything it forked) has closed it,
 * then exits with CHILD's exit code (111 "child crashed" when it died from a signal).
 */
import { spawn } from 'node:child_process';
import { closeSync, createReadStream, openSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { processIo, runMain, type Io, helpWanted, printHelp } from '@svkit/diag';
import { closeQuiet, pipe2, resolveOnPath } from '@svkit/sys';
import { isOurLoader, pendingLimits } from './pending-limits.js';
import { EXTRA_FDS, FIRST_EXTRA_FD } from './fghack-child.js';

/** The usage line of `--help`. */
const USAGE = 'fghack child';
/** `fghack --help`: this paragraph (man page DESCRIPTION). */
const ABOUT =
  'Runs CHILD, a program that puts itself in the background, so that it can be supervised anyway: gives CHILD 30 extra descriptors on a pipe and exits, with CHILD\'s exit code, only when every process holding them (CHILD\'s background children too) has closed them. Exit 100 on a usage error, 111 when CHILD cannot be run or dies from a signal.';

const CHILD_SIDE = fileURLToPath(new URL('./fghack-child.js', import.meta.url));

/**
 * Occupies every free fd up to the last one the child gets, and returns them (close-on-exec).
 * libuv reports a failed exec through a pipe it opens at spawn time on the lowest free fds; if
 * that pipe lies within 3-33, the child's dup2 of our pipe onto 3-33 replaces it, the errno goes
 * into our pipe and the child just exits 127. With these held, libuv's pipe lands above 33.
 */
function holdLowFds(): number[] {
  const held: number[] = [];
  try {
    for (;;) {
      const fd = openSync('/dev/null', 'r');
      held.push(fd);
      if (fd >= FIRST_EXTRA_FD + EXTRA_FDS - 1) break;
    }
  } catch { /* out of fds: spawn will say so */ }
  return held;
}

/** Runs fghack: resolves with the exit code once the child has exited and the pipe is closed. */
export function main(argv: string[], io: Io = processIo): Promise<number> {
  return runMain('fghack', io, async (e) => {
    if (helpWanted(argv)) return printHelp(e, USAGE, ABOUT);
    if (argv.length < 1) return e.dieUsage('fghack child');
    let path: string;
    try {
      path = resolveOnPath(argv[0]!, io.env);
    } catch (err) {
      return e.dieSys(`unable to run ${argv[0]}`, err);
    }
    let r: number;
    let w: number;
    try {
      [r, w] = pipe2();
    } catch (err) {
      return e.dieSys('unable to create pipe', err);
    }
    // limits pending from softlimit (see pending-limits.ts) must reach the child: a program of
    // ours takes them from the environment; any other is started through fghack-child.js, which
    // applies them just before it execs the program
    const via = pendingLimits(io.env).size > 0 && !isOurLoader(path);
    const held = holdLowFds();
    const child = spawn(via ? process.execPath : path, via ? [CHILD_SIDE, ...argv] : argv.slice(1), {
      argv0: via ? 'fghack' : argv[0],
      env: io.env,
      stdio: ['inherit', 'inherit', 'inherit', ...new Array<number>(EXTRA_FDS).fill(w)],
    });
    for (const fd of held) closeSync(fd);
    closeQuiet(w);
    const drained = new Promise<void>((res) => {
      const s = createReadStream('', { fd: r, highWaterMark: 4096 });
      s.on('data', () => { /* discarded */ });
      s.on('close', () => res());
      s.on('error', () => res());
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; err?: Error }>((res) => {
      child.once('error', (err) => res({ code: null, signal: null, err }));
      child.once('exit', (code, signal) => res({ code, signal }));
    });
    const st = await exited;
    if (st.err) return e.dieSys(`unable to run ${argv[0]}`, st.err);
    await drained;
    if (st.code === null) return e.die(111, 'child crashed');
    return st.code;
  });
}
