/** The little telnet a console server needs: character mode for plain `telnet`, IAC stripping and escaping. */

const IAC = 0xff;
const SB = 0xfa;
const SE = 0xf0;
const WILL = 0xfb;
const DO = 0xfd;
const OPT_ECHO = 1;
const OPT_SGA = 3;

/** Sent once on a new TCP connection: the server echoes and suppresses go-ahead, so telnet goes to character mode. */
export const TELNET_HELLO = Buffer.from([IAC, WILL, OPT_ECHO, IAC, WILL, OPT_SGA, IAC, DO, OPT_SGA]);

/** Doubles every IAC byte of output for a telnet peer (returns `buf` itself when there is none). */
export function escapeIac(buf: Buffer): Buffer {
  let i = buf.indexOf(IAC);
  if (i < 0) return buf;
  const parts: Buffer[] = [];
  let start = 0;
  while (i >= 0) {
    parts.push(buf.subarray(start, i + 1), Buffer.of(IAC));
    start = i + 1;
    i = buf.indexOf(IAC, start);
  }
  parts.push(buf.subarray(start));
  return Buffer.concat(parts);
}

/** Strips telnet commands from a client's input stream; keeps state across chunks. */
export class TelnetDecoder {
  private state: 'data' | 'iac' | 'opt' | 'sb' | 'sbiac' | 'cr' = 'data';

  /** `foldCr`: fold CR LF and CR NUL to CR (a client's input); false for a server's output. */
  constructor(private readonly foldCr = true) {}

  /** Returns the data bytes of `chunk`, with commands removed and CR LF / CR NUL folded to CR. */
  decode(chunk: Buffer): Buffer {
    if (this.state === 'data' && chunk.indexOf(IAC) < 0 && (!this.foldCr || chunk.indexOf(0x0d) < 0)) return chunk;
    const out = Buffer.allocUnsafe(chunk.length);
    let n = 0;
    for (const b of chunk) {
      switch (this.state) {
        case 'cr':
        case 'data':
          if (this.state === 'cr') {
            this.state = 'data';
            if (b === 0x0a || b === 0x00) break; // CR LF and CR NUL are one CR
          }
          if (b === IAC) this.state = 'iac';
          else {
            out[n++] = b;
            if (b === 0x0d && this.foldCr) this.state = 'cr';
          }
          break;
        case 'iac':
          if (b === IAC) { out[n++] = IAC; this.state = 'data'; }
          else if (b === SB) this.state = 'sb';
          else if (b >= WILL) this.state = 'opt';
          else this.state = 'data';
          break;
        case 'opt':
          this.state = 'data';
          break;
        case 'sb':
          if (b === IAC) this.state = 'sbiac';
          break;
        case 'sbiac':
          this.state = b === SE ? 'data' : 'sb';
          break;
      }
    }
    return out.subarray(0, n);
  }
}
