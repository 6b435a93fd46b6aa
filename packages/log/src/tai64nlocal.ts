/**
 * tai64nlocal: converts a leading TAI64N label on each line to a readable time (local, or UTC with
 * `-u`; ISO 8601 with `--iso`). Lines without a well-formed label pass through unchanged.
 */
import { type Io, printHelp, processIo, runMain } from '@svkit/diag';
import { parseLabel } from '@svkit/tai64';
import { filterInput } from './filter-input.js';
import { guardStdout } from './closed-stdout.js';
import { OutBuffer } from './out-buffer.js';
import { TimeFormatter } from './time-format.js';

const NL = 0x0a;
const AT = 0x40;
/** `@` + 24 hex digits. */
const LABEL = 25;
const USAGE = 'tai64nlocal [ -u ] [ --iso ] < input';
/** `tai64nlocal --help` (or -h): this paragraph (man page DESCRIPTION). */
const ABOUT =
  'Copies standard input to standard output, turning a TAI64N label at the start of a line (as written by tai64n and multilog) into a readable time, YYYY-MM-DD HH:MM:SS.nnnnnnnnn in local time as daemontools 0.76 does; -u: in UTC; --iso: ISO 8601 (YYYY-MM-DDTHH:MM:SS.nnnnnnnnn+hh:mm, Z in UTC). A line without a well-formed label passes through unchanged. Exit 0 at end of input, 111 when output cannot be written, 100 on a usage error.';

function isHex(c: number | undefined): boolean {
  return c !== undefined && ((c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70));
}

/** Runs tai64nlocal; resolves to the exit code. */
export function main(argv: string[], io: Io = processIo): Promise<number> {
  io = guardStdout(io);
  return runMain('tai64nlocal', io, (err) => {
    let utc = false;
    let iso = false;
    for (const a of argv) {
      if (a === '-u' || a === '--utc') utc = true;
      else if (a === '--iso') iso = true;
      else if (a === '-h' || a === '--help') return printHelp(err, USAGE, ABOUT);
      else err.dieUsage(USAGE);
    }
    const fmt = new TimeFormatter(utc, iso);
    const out = new OutBuffer();
    let inLine = false;
    let carry: Buffer | undefined; // start of a line too short to judge yet

    /** Converts the label at the start of a line at `pos` if it is well formed; returns where the rest starts. */
    const convert = (buf: Buffer, pos: number, lineEnd: number): number => {
      if (buf[pos] !== AT || lineEnd - pos < LABEL) return pos;
      if (lineEnd - pos > LABEL && isHex(buf[pos + LABEL])) return pos; // too many digits: not a label
      const t = parseLabel(buf, pos);
      if (!t) return pos;
      out.ensure(fmt.maxLength);
      const o = fmt.write(t, out.buf, out.len);
      if (o < 0) return pos;
      out.len = o;
      return pos + LABEL;
    };

    const process = (buf: Buffer, final: boolean): void => {
      const len = buf.length;
      out.ensure(len + (len >> 2));
      let pos = 0;
      while (pos < len) {
        const nl = buf.indexOf(NL, pos);
        if (!inLine) {
          if (nl < 0 && len - pos <= LABEL && !final) {
            carry = Buffer.from(buf.subarray(pos));
            return;
          }
          pos = convert(buf, pos, nl < 0 ? len : nl);
        }
        const end = nl < 0 ? len : nl + 1;
        out.put(buf, pos, end);
        inLine = nl < 0;
        pos = end;
      }
    };

    return filterInput(
      err,
      (chunk) => {
        if (carry) {
          chunk = Buffer.concat([carry, chunk]);
          carry = undefined;
        }
        process(chunk, false);
        out.flush(io);
      },
      () => {
        if (carry) {
          const c = carry;
          carry = undefined;
          process(c, true);
        }
        out.flush(io);
      },
    );
  });
}
