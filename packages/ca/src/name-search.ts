/**
 * UDP name resolution: a datagram of VERSION + SEARCH messages in, the replies for the names we
 * serve out (VERSION first, then one SEARCH reply per name; NOT_FOUND only when asked with DOREPLY).
 * A malformed datagram is dropped from the bad message on; past `maxSearches` SEARCH messages the
 * rest of a datagram is ignored (a real client's datagram holds about 60).
 */
import { CMD, DO_REPLY, MAX_NAME, MINOR_VERSION, cString, encode, nextMessage } from './wire.js';

/** Largest reply datagram we build (replies beyond it go in further datagrams). */
const MAX_DATAGRAM = 1400;

/** The reply datagrams for `dgram`; `serves(name)` tells whether a name is ours, `tcpPort` is where to connect. */
export function answerSearch(dgram: Buffer, serves: (name: string) => boolean, tcpPort: number, maxSearches = Infinity, seen?: { searches: number }): Buffer[] {
  let seq = 0;
  let searches = 0;
  let flags = 0;
  const replies: Buffer[] = [];
  let off = 0;
  for (;;) {
    let r;
    try {
      r = nextMessage(dgram, off, dgram.length);
    } catch {
      break;
    }
    if (!r) break;
    off = r.next;
    const m = r.msg;
    if (m.cmd === CMD.VERSION) {
      seq = m.p1;
      flags = m.dataType & 1;
    } else if (m.cmd === CMD.SEARCH) {
      if (searches >= maxSearches) break;
      searches++;
      if (seen) seen.searches = searches;
      const name = cString(m.payload);
      if (name.length > 0 && name.length <= MAX_NAME && serves(name)) {
        const minor = Buffer.alloc(8);
        minor.writeUInt16BE(MINOR_VERSION, 0);
        replies.push(encode(CMD.SEARCH, tcpPort, 0, 0xffffffff, m.p2, minor));
      } else if (m.dataType === DO_REPLY) {
        replies.push(encode(CMD.NOT_FOUND, m.dataType, m.count, m.p1, m.p2));
      }
    }
  }
  if (!replies.length) return [];
  const version = encode(CMD.VERSION, flags, MINOR_VERSION, seq, 0);
  const out: Buffer[] = [];
  let cur: Buffer[] = [version];
  let size = version.length;
  for (const r of replies) {
    if (size + r.length > MAX_DATAGRAM && cur.length > 1) {
      out.push(Buffer.concat(cur));
      cur = [version];
      size = version.length;
    }
    cur.push(r);
    size += r.length;
  }
  out.push(Buffer.concat(cur));
  return out;
}
