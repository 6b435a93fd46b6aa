/** tai64n: puts a TAI64N timestamp (`@` + 24 hex digits + space) in front of each input line. */
import { type Io, processIo, runMain, helpWanted, printHelp } from '@svkit/diag';
import { now, writeLabel } from '@svkit/tai64';
import { filterInput } from './filter-input.js';
import { guardStdout } from './closed-stdout.js';
import { OutBuffer } from './out-buffer.js';
import { findNewline } from './line-router.js';

/** The usage line of `--help`. */
const USAGE = 'tai64n < input';
/** `tai64n --help`: this paragraph (man page DESCRIPTION). */
const ABOUT =
  'Copies standard input to standard output with a TAI64N timestamp (@ and 24 hex digits, then a space) in front of each line, as daemontools 0.76\'s tai64n; a partial last line stays partial. Exit 0 at end of input, 111 when output cannot be written (a full disk, a reader that went away), with a message saying why.';

/** Runs tai64n (no arguments); resolves to the exit code. */
export function main(argv: string[], io: Io = processIo): Promise<number> {
  io = guardStdout(io);
  return runMain('tai64n', io, (err) => {
    if (helpWanted(argv)) return printHelp(err, USAGE, ABOUT);
    const out = new OutBuffer();
    const label = Buffer.alloc(26, 0x20);
    let inLine = false;
    return filterInput(
      err,
      (buf) => {
        writeLabel(now(), label, 0);
        const len = buf.length;
        out.ensure(len + 26 * 16);
        let pos = 0;
        while (pos < len) {
          if (!inLine) {
            out.put(label, 0, 26);
            inLine = true;
          }
          const nl = findNewline(buf, pos, len);
          const end = nl < 0 ? len : nl + 1;
          out.put(buf, pos, end);
          if (nl >= 0) inLine = false;
          pos = end;
        }
        out.flush(io);
      },
      () => out.flush(io),
    );
  });
}
