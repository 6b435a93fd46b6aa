/**
 * fghack CHILD: an anti-backgrounding tool. Runs CHILD with 31 descriptors (fds 3-33) writing to a pipe,
 * reads and discards the pipe until every holder (CHILD and anything it forked) has closed it,
 * then exits with CHILD's exit code (111 "child crashed" when it died from a signal).
 */
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { processIo, runMain, type Io } from '@svkit/diag';
import { closeQuiet, pipe2, resolveOnPath } from '@svkit/sys';
import { isOurLoader, ownLoader, pendingLimits } from './pending-limits.js';

const EXTRA_FDS = 31; // as 0.76: the pipe and 30 duplicates

/** Runs fghack: resolves with the exit code once the child has exited and the pipe is closed. */
export function main(argv: string[], io: Io = processIo): Promise<number> {
  return runMain('fghack', io, async (e) => {
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
    // ours takes them from the environment; any other is started through our softlimit, which
    // applies them just before it execs the program
    let cmd = path;
    let args = argv.slice(1);
    const via = pendingLimits(io.env).size > 0 && !isOurLoader(path) ? ownLoader('softlimit') : undefined;
    if (via) {
      cmd = via;
      args = ['--', path, ...args];
    }
    const child = spawn(cmd, args, {
      argv0: via ? 'softlimit' : argv[0],
      env: io.env,
      stdio: ['inherit', 'inherit', 'inherit', ...new Array<number>(EXTRA_FDS).fill(w)],
    });
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
