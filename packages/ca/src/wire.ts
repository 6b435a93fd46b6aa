/**
 * Channel Access on the wire: command numbers, status codes, the 16-byte header (and its
 * extended 24-byte form), padding, and splitting a TCP byte stream into messages.
 * Everything is big-endian. See the CA protocol reference (caProto.h, caerr.h).
 */

/** Command numbers (caProto.h). */
export const CMD = {
  VERSION: 0,
  EVENT_ADD: 1,
  EVENT_CANCEL: 2,
  READ: 3,
  WRITE: 4,
  SEARCH: 6,
  EVENTS_OFF: 8,
  EVENTS_ON: 9,
  READ_SYNC: 10,
  ERROR: 11,
  CLEAR_CHANNEL: 12,
  RSRV_IS_UP: 13,
  NOT_FOUND: 14,
  READ_NOTIFY: 15,
  REPEATER_CONFIRM: 17,
  CREATE_CHAN: 18,
  WRITE_NOTIFY: 19,
  CLIENT_NAME: 20,
  HOST_NAME: 21,
  ACCESS_RIGHTS: 22,
  ECHO: 23,
  REPEATER_REGISTER: 24,
  CREATE_CH_FAIL: 26,
  SERVER_DISCONN: 27,
} as const;

/** ECA status codes (caerr.h: msgNo << 3 | severity). */
export const ECA = {
  NORMAL: 1,
  ALLOCMEM: 48,
  TOLARGE: 72,
  BADTYPE: 114,
  INTERNAL: 142,
  GETFAIL: 152,
  PUTFAIL: 160,
  BADCOUNT: 176,
  BADSTR: 186,
  BADMONID: 242,
  NORDACCESS: 368,
  NOWTACCESS: 376,
  NOCONVERT: 400,
  BADCHID: 410,
  UNAVAILINSERV: 432,
} as const;

/** The protocol minor version we speak (4.13: zero counts allowed in requests). */
export const MINOR_VERSION = 13;
/** SEARCH data_type: the client wants no NOT_FOUND reply. */
export const DONT_REPLY = 5;
/** SEARCH data_type: the client wants a NOT_FOUND reply for unknown names. */
export const DO_REPLY = 10;
/** ACCESS_RIGHTS bits. */
export const ACCESS_READ = 1;
export const ACCESS_WRITE = 2;
/** Longest PV name a client may ask for (the terminating NUL excluded). */
export const MAX_NAME = 500;

/** One message: the header fields and its payload (a view into the received bytes). */
export interface Message {
  cmd: number;
  dataType: number;
  count: number;
  p1: number;
  p2: number;
  payload: Buffer;
  /** The header as received (16 or 24 bytes), for ERROR replies. */
  header: Buffer;
}

/** Rounds `n` up to a multiple of 8 (CA_MESSAGE_ALIGN). */
export const pad8 = (n: number): number => (n + 7) & ~7;

/**
 * Encodes one message; the payload is zero-padded to a multiple of 8 and the extended header is
 * used when the padded size or the count does not fit in 16 bits.
 */
export function encode(cmd: number, dataType: number, count: number, p1: number, p2: number, payload?: Buffer): Buffer {
  const plen = payload ? payload.length : 0;
  const size = pad8(plen);
  const ext = size >= 0xffff || count >= 0xffff;
  const hlen = ext ? 24 : 16;
  // from the shared pool (most messages are 16-40 bytes); everything is written below, padding zeroed
  const b = Buffer.allocUnsafe(hlen + size);
  b.writeUInt16BE(cmd, 0);
  b.writeUInt16BE(ext ? 0xffff : size, 2);
  b.writeUInt16BE(dataType & 0xffff, 4);
  b.writeUInt16BE(ext ? 0 : count, 6);
  b.writeUInt32BE(p1 >>> 0, 8);
  b.writeUInt32BE(p2 >>> 0, 12);
  if (ext) {
    b.writeUInt32BE(size, 16);
    b.writeUInt32BE(count >>> 0, 20);
  }
  if (payload) payload.copy(b, hlen);
  b.fill(0, hlen + plen);
  return b;
}

/** Error code of a message that cannot be framed (too large): the circuit is closed. */
export const EPROTO = 'EPROTO';

/**
 * Takes the next whole message from `buf` at `off`: the message and the offset after it, or
 * undefined when more bytes are needed. Throws EPROTO when the payload exceeds `maxPayload`.
 */
export function nextMessage(buf: Buffer, off: number, maxPayload: number): { msg: Message; next: number } | undefined {
  if (buf.length - off < 16) return undefined;
  let size = buf.readUInt16BE(off + 2);
  let count = buf.readUInt16BE(off + 6);
  let hlen = 16;
  if (size === 0xffff) {
    if (buf.length - off < 24) return undefined;
    size = buf.readUInt32BE(off + 16);
    count = buf.readUInt32BE(off + 20);
    hlen = 24;
  }
  if (size > maxPayload) throw Object.assign(new Error(`message of ${size} bytes`), { code: EPROTO });
  if (buf.length - off < hlen + size) return undefined;
  const msg: Message = {
    cmd: buf.readUInt16BE(off),
    dataType: buf.readUInt16BE(off + 4),
    count,
    p1: buf.readUInt32BE(off + 8),
    p2: buf.readUInt32BE(off + 12),
    payload: buf.subarray(off + hlen, off + hlen + size),
    header: buf.subarray(off, off + hlen),
  };
  return { msg, next: off + hlen + size };
}

/** The NUL-terminated text at the start of `b` (latin1; the whole of `b` when it has no NUL). */
export function cString(b: Buffer, max = b.length): string {
  const end = Math.min(b.length, max);
  const nul = b.indexOf(0);
  return b.toString('latin1', 0, nul >= 0 && nul < end ? nul : end);
}

/** `s` as latin1 with a terminating NUL (a payload for names). */
export function cStringPayload(s: string): Buffer {
  return Buffer.concat([Buffer.from(s, 'latin1'), Buffer.alloc(1)]);
}
