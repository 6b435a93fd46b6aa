/**
 * The attach request: optional first bytes a client sends on a new connection to ask for scrollback
 * and/or read-only mode. Format: a NUL byte, `svconsole`, space-separated words, a newline, e.g.
 * `\0svconsole replay=50 readonly\n`. A connection whose first byte is not NUL is a plain console.
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
