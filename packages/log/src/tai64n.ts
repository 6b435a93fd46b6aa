/** tai64n: puts a TAI64N timestamp (`@` + 24 hex digits + space) in front of each input line. */
import { type Io, processIo, runMain } from '@svkit/diag';
import { now, writeLabel } from '@svkit/tai64';
import { filterInput } from './filter-input.js';
import { guardStdout } from './closed-stdout.js';
import { OutBuffer } from './out-buffer.js';
import { findNewline } from './line-router.js';


/** Runs tai64n (no arguments); resolves to the exit code. */
export function main(_argv: string[], io: Io = processIo): Promise<number> {
  io = guardStdout(io);
  return runMain('tai64n', io, (err) => {
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
