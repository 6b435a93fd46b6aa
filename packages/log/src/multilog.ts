/** multilog: reads lines from stdin and appends selected lines to rotated logs (daemontools 0.76). */
import { type Io, errnoText, processIo, runMain, EXIT_TEMP, type Strerr, helpWanted, printHelp } from '@svkit/diag';
import { setNonBlocking } from '@svkit/sys';
import { readInput, type Input } from './input.js';
import { DirError, LogDir } from './log-dir.js';
import { LineRouter, openStatusFile, type Step } from './line-router.js';
import { parseScript } from './multilog-script.js';

/** The usage line of `--help`. */
const USAGE = 'multilog script';
/** `multilog --help`: this paragraph (man page DESCRIPTION). */
const ABOUT =
  'Reads lines on standard input and carries out the script for each, as daemontools 0.76: t puts a TAI64N timestamp in front, -pattern and +pattern deselect and select lines, e copies them to standard error, =file keeps the last selected line in file, sSIZE nNUM and !processor set the rotation of the next log directory, and ./dir or /dir appends selected lines to dir/current, rotated into @timestamp.s files (at most NUM kept). Never drops a line: on disk errors it waits and retries. ALRM rotates, TERM and INT finish the current line and exit. Exit 0 at end of input, 111 on errors, 100 on a usage error.';

/**
 * After TERM, INT or the end of input, how long multilog keeps retrying a log directory whose disk
 * fails before it gives up: it then writes what it could not store to stderr and exits 111 (ms).
 */
export const SHUTDOWN_GRACE_MS = 5000;
/**
 * Input multilog reads ahead while a directory waits (bytes queued for it): enough to see the end of
 * a pipe whose writers are gone (a full pipe holds 64 KiB by default, 1 MiB at most).
 */
export const READ_AHEAD = 1024 * 1024;

/**
 * Gives up on `d`: a warning with its last failure counts the bytes it could not store, which then
 * go to stderr (to svscan's readproctitle, the journal...: nothing is dropped silently).
 */
function abandon(d: LogDir, err: Strerr): void {
  // no failure: a directory that was fine but is busy with its processor when another one gives up
  const f = d.failure ?? { what: `unable to rotate ${d.name}/current`, error: new Error('processor still running') };
  const rest = d.abandon();
  const tail = rest.length > 0 ? `: writing the ${rest.length} bytes not logged to stderr` : '';
  err.warn(`${f.what}: ${errnoText(f.error)}, exiting${tail}`);
  if (rest.length > 0) err.io.err(rest);
}

/** Runs multilog with the script `argv`; resolves to the exit code. */
export function main(argv: string[], io: Io = processIo): Promise<number> {
  return runMain('multilog', io, async (err) => {
    if (helpWanted(argv)) return printHelp(err, USAGE, ABOUT);
    const script = parseScript(argv);
    process.umask(0o022);
    // catch ALRM, TERM and INT from the start (their default action would kill us during start-up);
    // INT is TERM: a Ctrl-C meant for svscan reaches its loggers too (same process group)
    let early: { term: boolean; alrm: boolean } | undefined = { term: false, alrm: false };
    const earlyTerm = (): void => void (early && (early.term = true));
    const earlyAlrm = (): void => void (early && (early.alrm = true));
    process.on('SIGTERM', earlyTerm);
    process.on('SIGINT', earlyTerm);
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
      let finishing = false;
      /** When multilog stops retrying a failing directory (set at the first failure after TERM or EOF). */
      let giveUpAt: number | undefined;
      /** True once multilog must exit and the grace period for a failing disk is over. */
      const graceOver = (): boolean => {
        giveUpAt ??= Date.now() + SHUTDOWN_GRACE_MS;
        return Date.now() >= giveUpAt;
      };

      /**
       * Writes everything queued. While the disk (or a processor) makes us wait, input is still read
       * up to READ_AHEAD, so that the end of input or the end of the line TERM waits for is seen.
       */
      const drain = (): void => {
        if (draining || finishing) return;
        let wait: Promise<unknown> | undefined;
        for (const d of dirs) {
          const r = d.drain();
          if (r !== true) {
            wait = r;
            break;
          }
        }
        if (wait) {
          if ((ended || terminating) && dirs.some((d) => d.failure) && graceOver()) {
            void giveUp();
            return;
          }
          draining = true;
          flow();
          void wait.then(() => {
            draining = false;
            drain();
          });
          return;
        }
        if (ended || (terminating && !router.inLine)) void finish();
        else input?.resume();
      };

      /** While drain() waits: reads on until TERM's line is complete or the read-ahead is full. */
      const flow = (): void => {
        if (!draining) return;
        if ((terminating && !router.inLine) || dirs.some((d) => d.pending >= READ_AHEAD)) input?.pause();
        else input?.resume();
      };

      /** Exiting and the disk still fails: what could not be stored goes to stderr; exit 111. */
      const giveUp = async (): Promise<void> => {
        input?.close();
        router.endOfInput(); // a line cut by TERM ends with a newline, as at EOF
        exitCode = EXIT_TEMP;
        for (const d of dirs) if (d.failure || d.drain() !== true) abandon(d, err);
        await finish();
      };

      const finish = async (): Promise<void> => {
        if (finishing) return;
        finishing = true;
        input?.close();
        for (const d of dirs) {
          for (;;) {
            const r = d.finish();
            if (r === true) break;
            if (graceOver()) {
              abandon(d, err);
              exitCode = EXIT_TEMP;
              break;
            }
            await r;
          }
        }
        process.removeListener('SIGTERM', onTerm);
        process.removeListener('SIGINT', onTerm);
        process.removeListener('SIGALRM', onAlrm);
        if (input?.nonBlocking) {
          try { setNonBlocking(0, false); } catch { /* fd 0 gone */ }
        }
        resolve(exitCode);
      };

      const onTerm = (): void => {
        terminating = true;
        if (!draining && !router.inLine) void finish();
        else flow();
      };
      const onAlrm = (): void => {
        for (const d of dirs) d.rotateSoon();
        drain();
      };
      process.on('SIGTERM', onTerm);
      process.on('SIGINT', onTerm);
      process.on('SIGALRM', onAlrm);
      process.removeListener('SIGTERM', earlyTerm);
      process.removeListener('SIGINT', earlyTerm);
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
            flow();
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
