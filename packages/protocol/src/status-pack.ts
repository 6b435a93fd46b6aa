/** Packs and unpacks the 18-byte daemontools supervise/status record. */
import { packTai64n, unpackTai64n, type Instant } from '@svkit/tai64';
import { STATUS_LEN, type Want } from './layout.js';

/** The daemontools status record. */
export interface Status {
  /** When the pid last changed (start or exit). */
  when: Instant;
  /** The running child, 0 when none. */
  pid: number;
  /** The child is stopped with SIGSTOP (svc -p). */
  paused: boolean;
  /** 'u' want up, 'd' want down, 0 no wish (after svc -o). */
  want: Want;
}

/** Encodes a status as 18 bytes: TAI64N big-endian, pid little-endian, paused, want. */
export function packStatus(s: Status): Buffer {
  const b = Buffer.alloc(STATUS_LEN);
  // 0.76 writes usec*1000+500 as nanoseconds; we write the nanoseconds we have.
  packTai64n(s.when, b, 0);
  b.writeUInt32LE(s.pid >>> 0, 12);
  b[16] = s.pid !== 0 && s.paused ? 1 : 0;
  b[17] = s.want === 0 ? 0 : s.want.charCodeAt(0);
  return b;
}

/** Decodes an 18-byte (or longer, as runit's 20) status record; undefined when shorter. */
export function unpackStatus(b: Uint8Array): Status | undefined {
  if (b.length < STATUS_LEN) return undefined;
  const buf = Buffer.from(b.buffer, b.byteOffset, b.length);
  const w = buf[17];
  return {
    when: unpackTai64n(buf, 0),
    pid: buf.readUInt32LE(12),
    paused: buf[16] !== 0,
    want: w === 0x75 ? 'u' : w === 0x64 ? 'd' : 0,
  };
}
