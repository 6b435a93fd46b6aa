/** multilog: reads lines from stdin and appends selected lines to rotated logs (daemontools 0.76). */
import { type Io, errnoText, processIo, runMain, EXIT_TEMP } from '@svkit/diag';
import { setNonBlocking } from '@svkit/sys';
import { readInput, type Input } from './input.js';
import { DirError, LogDir } from './log-dir.js';
import { LineRouter, openStatusFile, type Step } from './line-router.js';
import { parseScript } from './multilog-script.js';

/** Runs multilog with the script `argv`; resolves to the exit code. */
export function main(argv: string[], io: Io = processIo): Promise<number> {
  return runMain('multilog', io, async (err) => {
    const script = parseScript(argv);
    process.umask(0o022);
    // catch ALRM and TERM from the start (their default action would kill us during start-up)
    let early: { term: boolean; alrm: boolean } | undefined = { term: false, alrm: false };
    const earlyTerm = (): void => void (early && (early.term = true));
    const earlyAlrm = (): void => void (early && (early.alrm = true));
    process.on('SIGTERM', earlyTerm);
    process.on('SIGALRM', earlyAlrm);
    const dirs: LogDir[] = [];
    const steps: Step[] = [];
    for (const a of script.actions) {
      if (a.kind === 'dir') {
        const d = new LogDir(a.dir, a.settings, err);
        try {
          d.lock();
        } catch (e) {
          if (e instanceof DirError) err.dieSys(`unable to ${e.what}`, e.cause);
          throw e;
        }
        dirs.push(d);
        steps.push({ kind: 'dir', dir: d });
      } else if (a.kind === 'status') {
        try {
          steps.push({ kind: 'status', fd: openStatusFile(a.file), name: a.file });
        } catch (e) {
          err.dieSys(`unable to open ${a.file}`, e);
        }
      } else steps.push(a);
    }
    for (const d of dirs) {
      try {
        await d.recover();
      } catch (e) {
        if (e instanceof DirError) err.dieSys(`unable to ${e.what}`, e.cause);
        throw e;
      }
    }
    const router = new LineRouter(script.timestamp, steps, io, (m, e) => err.warnSys(m, e));
    return await new Promise<number>((resolve) => {
      let input: Input | undefined;
      let draining = false;
      let terminating = false;
      let ended = false;
      let exitCode = 0;

      /** Writes everything queued; pauses input while the disk (or a processor) makes us wait. */
      const drain = (): void => {
        if (draining) return;
        let wait: Promise<unknown> | undefined;
        for (const d of dirs) {
          const r = d.drain();
          if (r !== true) {
            wait = r;
            break;
          }
        }
        if (wait) {
          draining = true;
          input?.pause();
          void wait.then(() => {
            draining = false;
            drain();
          });
          return;
        }
        if (ended || (terminating && !router.inLine)) void finish();
        else input?.resume();
      };

      let finishing = false;
      const finish = async (): Promise<void> => {
        if (finishing) return;
        finishing = true;
        input?.close();
        for (const d of dirs) {
          for (;;) {
            const r = d.finish();
            if (r === true) break;
            await r;
          }
        }
        process.removeListener('SIGTERM', onTerm);
        process.removeListener('SIGALRM', onAlrm);
        if (input?.nonBlocking) {
          try { setNonBlocking(0, false); } catch { /* fd 0 gone */ }
        }
        resolve(exitCode);
      };

      const onTerm = (): void => {
        terminating = true;
        if (!draining && !router.inLine) void finish();
      };
      const onAlrm = (): void => {
        for (const d of dirs) d.rotateSoon();
        drain();
      };
      process.on('SIGTERM', onTerm);
      process.on('SIGALRM', onAlrm);
      process.removeListener('SIGTERM', earlyTerm);
      process.removeListener('SIGALRM', earlyAlrm);

      try {
        input = readInput(0, {
          data(chunk) {
            try {
              router.feed(chunk);
            } catch (e) {
              // not expected: say so, keep what was queued, and stop like at EOF
              io.err(`multilog: fatal: internal error: ${errnoText(e)}\n`);
              exitCode = EXIT_TEMP;
              ended = true;
            }
            drain();
          },
          end() {
            ended = true;
            router.endOfInput();
            drain();
          },
          error(e) {
            io.err(`multilog: fatal: unable to read input: ${errnoText(e)}\n`); // after logging what was read
            exitCode = EXIT_TEMP;
            ended = true;
            router.endOfInput();
            drain();
          },
        });
      } catch (e) {
        io.err(`multilog: fatal: unable to read input: ${errnoText(e)}\n`); // after logging what was read
        exitCode = EXIT_TEMP;
        ended = true;
        drain();
      }
      const pending = early!;
      early = undefined;
      if (pending.alrm) onAlrm();
      if (pending.term) onTerm();
    });
  });
}
