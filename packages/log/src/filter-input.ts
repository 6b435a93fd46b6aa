/** Runs a stdin-to-stdout filter over the streaming input reader; resolves when input ends. */
import { errnoText, EXIT_TEMP, type Strerr } from '@svkit/diag';
import { readInput, type Input } from './input.js';

/**
 * Feeds every chunk of fd 0 to `chunk`, then calls `end`; resolves to the exit code: 0, or 111 after
 * `prog: fatal: unable to read input/write output: reason`. A reader that went away (EPIPE: Node
 * ignores SIGPIPE, where the C tools die of it without a word) is such a write error too.
 */
export function filterInput(err: Strerr, chunk: (buf: Buffer) => void, end: () => void): Promise<number> {
  return new Promise((resolve) => {
    let input: Input | undefined;
    let done = false;
    const finish = (code: number, what?: string, e?: unknown): void => {
      if (done) return;
      done = true;
      input?.close();
      if (what) err.io.err(`${err.prog}: fatal: unable to ${what}: ${errnoText(e)}\n`);
      resolve(code);
    };
    const output = (f: () => void): boolean => {
      try {
        f();
        return true;
      } catch (e) {
        finish(EXIT_TEMP, 'write output', e);
        return false;
      }
    };
    try {
      input = readInput(0, {
        data: (buf) => void output(() => chunk(buf)),
        end() {
          if (output(end)) finish(0);
        },
        error(e) {
          if (output(end)) finish(EXIT_TEMP, 'read input', e);
        },
      });
    } catch (e) {
      if (output(end)) finish(EXIT_TEMP, 'read input', e);
    }
  });
}
