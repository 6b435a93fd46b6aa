/** Diagnostics with the program name, in daemontools' `prog: fatal: unable to X: reason` style. */
import type { Io } from './io.js';
import { errnoText } from './errno-text.js';

/** Exit code for a usage error. */
export const EXIT_USAGE = 100;
/** Exit code for a temporary or system failure. */
export const EXIT_TEMP = 111;

/** Thrown by the die functions; `runMain` turns it into the program's exit code. */
export class Exit extends Error {
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
  }
}

/** The diagnostics of one program. */
export interface Strerr {
  readonly prog: string;
  readonly io: Io;
  /** `prog: warning: ...` on stderr. */
  warn(...parts: string[]): void;
  /** `prog: warning: MSG: reason` on stderr. */
  warnSys(msg: string, e: unknown): void;
  /** `prog: usage: ...` (or the given full text), exit 100. */
  dieUsage(usage: string, full?: boolean): never;
  /** `prog: fatal: MSG: reason`, exit 111 (or `code`). */
  dieSys(msg: string, e: unknown, code?: number): never;
  /** `prog: fatal: ...`, exit with `code`. */
  die(code: number, ...parts: string[]): never;
}

/** Creates the diagnostics for program `prog` writing to `io`. */
export function strerr(prog: string, io: Io): Strerr {
  return {
    prog,
    io,
    warn: (...parts) => io.err(`${prog}: warning: ${parts.join('')}\n`),
    warnSys: (msg, e) => io.err(`${prog}: warning: ${msg}: ${errnoText(e)}\n`),
    dieUsage(usage, full = false) {
      io.err(full ? `${usage}\n` : `${prog}: usage: ${usage}\n`);
      throw new Exit(EXIT_USAGE);
    },
    dieSys(msg, e, code = EXIT_TEMP) {
      io.err(`${prog}: fatal: ${msg}: ${errnoText(e)}\n`);
      throw new Exit(code);
    },
    die(code, ...parts) {
      io.err(`${prog}: fatal: ${parts.join('')}\n`);
      throw new Exit(code);
    },
  };
}

/**
 * Runs a program body and maps the outcome to an exit code: the body's number, an `Exit`'s code,
 * or 111 with `prog: fatal: internal error: ...` for anything unexpected (never a stack trace).
 */
export async function runMain(
  prog: string,
  io: Io,
  body: (e: Strerr) => number | Promise<number>,
): Promise<number> {
  const e = strerr(prog, io);
  try {
    return await body(e);
  } catch (err) {
    if (err instanceof Exit) return err.exitCode;
    io.err(`${prog}: fatal: internal error: ${errnoText(err)}\n`);
    if (io.env.SVKIT_DEBUG) io.err(`${(err as Error)?.stack ?? ''}\n`);
    return EXIT_TEMP;
  }
}
