/** Runs a stdin-to-stdout filter over the streaming input reader; resolves when input ends. */
import { type Strerr } from '@svkit/diag';
import { readInput } from './input.js';

/** Feeds every chunk of fd 0 to `chunk`, then calls `end`; resolves to the exit code (111 on a read error). */
export function filterInput(err: Strerr, chunk: (buf: Buffer) => void, end: () => void): Promise<number> {
  return new Promise((resolve) => {
    const fail = (e: unknown): void => {
      end();
      err.warnSys('unable to read input', e);
      resolve(111);
    };
    try {
      readInput(0, {
        data: chunk,
        end() {
          end();
          resolve(0);
        },
        error: fail,
      });
    } catch (e) {
      fail(e);
    }
  });
}
