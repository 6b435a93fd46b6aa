/**
 * The attach request: optional first bytes a client sends on a new connection to ask for scrollback
 * and/or read-only mode. Format: a NUL byte, `svconsole`, space-separated words, a newline (or a
 * carriage return: telnet turns CR LF into CR), e.g. `\0svconsole replay=50 readonly\n`. The same on
 * UNIX sockets and on TCP (after telnet decoding). Input that does not start with `\0svconsole` is
 * plain console input, passed on whole (a telnet user who types ^@ first loses nothing).
 */

/** What a client asked for. */
export interface AttachRequest {
  /** Number of scrollback lines to replay (0: none). */
  replay: number;
  /** The client only watches: its input is dropped. */
  readOnly: boolean;
}

/** Longest request accepted; anything longer is garbage and is dropped. */
export const MAX_REQUEST = 256;

/** Encodes a request for the wire. */
export function encodeAttachRequest(r: AttachRequest): Buffer {
  const words = ['svconsole'];
  if (r.replay > 0) words.push(`replay=${r.replay}`);
  if (r.readOnly) words.push('readonly');
  return Buffer.from(`\0${words.join(' ')}\n`);
}

/** Decodes the request line (without the leading NUL and the newline); unknown words are ignored. */
export function decodeAttachRequest(line: string): AttachRequest | undefined {
  const words = line.trim().split(/\s+/);
  if (words[0] !== 'svconsole') return undefined;
  const r: AttachRequest = { replay: 0, readOnly: false };
  for (const w of words.slice(1)) {
    const m = /^replay=(\d{1,9})$/.exec(w);
    if (m) r.replay = Number(m[1]);
    else if (w === 'readonly') r.readOnly = true;
  }
  return r;
}

const PREFIX = Buffer.from('\0svconsole', 'latin1');
const LF = 0x0a;
const CR = 0x0d;

/** What one chunk of a connection's input amounts to. */
export interface RequestRead {
  /** Console input (may be empty). */
  input: Buffer;
  /** The request, once complete. */
  request?: AttachRequest;
}

/** Takes an attach request off the start of a connection's (decoded) input; state carries across chunks. */
export class AttachRequestReader {
  private pending: Buffer | undefined = Buffer.alloc(0); // undefined: past the start of the input

  /** Feeds one chunk of input. */
  feed(d: Buffer): RequestRead {
    if (this.pending === undefined || d.length === 0) return { input: d };
    const all = this.pending.length > 0 ? Buffer.concat([this.pending, d]) : d;
    const head = all.subarray(0, Math.min(all.length, PREFIX.length));
    if (!head.equals(PREFIX.subarray(0, head.length))) {
      this.pending = undefined;
      return { input: all }; // not a request: all of it is input
    }
    let end = -1;
    for (let i = PREFIX.length; i < all.length; i++) {
      if (all[i] === LF || all[i] === CR) { end = i; break; }
    }
    if (end < 0) {
      if (all.length > MAX_REQUEST) {
        this.pending = undefined; // garbage: drop it
        return { input: Buffer.alloc(0) };
      }
      this.pending = Buffer.from(all);
      return { input: Buffer.alloc(0) };
    }
    this.pending = undefined;
    let rest = end + 1;
    if (all[end] === CR && all[rest] === LF) rest++;
    const request = end <= MAX_REQUEST ? decodeAttachRequest(all.subarray(1, end).toString('latin1')) : undefined;
    return { input: all.subarray(rest), request };
  }
}
