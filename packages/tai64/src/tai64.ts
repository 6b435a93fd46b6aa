/**
 * TAI64 / TAI64N timestamps as daemontools writes them: seconds = 2^62 + 10 + unix seconds
 * (a constant 10 s offset, no leap-second table), nanoseconds big-endian.
 */

/** 2^62 + 10: TAI64 label of the unix epoch, as daemontools computes it. */
export const TAI64_UNIX_OFFSET = 0x400000000000000an;
const OFFSET_HI = 0x40000000; // high 32 bits of the offset
const OFFSET_LO = 10;

/** A wall-clock instant: whole unix seconds and nanoseconds. */
export interface Instant {
  sec: number;
  nsec: number;
}

let base = performance.timeOrigin;

/** The current wall-clock time with sub-millisecond resolution. */
export function now(): Instant {
  let ms = base + performance.now();
  const wall = Date.now();
  if (Math.abs(ms - wall) > 2) {
    // the wall clock was stepped: follow it
    base += wall - ms;
    ms = wall;
  }
  const sec = Math.floor(ms / 1000);
  const nsec = Math.min(999_999_999, Math.floor((ms - sec * 1000) * 1e6));
  return { sec, nsec };
}

/** Writes the 12-byte TAI64N form of `t` into `buf` at `off`. */
export function packTai64n(t: Instant, buf: Uint8Array, off = 0): void {
  const dv = new DataView(buf.buffer, buf.byteOffset + off, 12);
  const lo = t.sec + OFFSET_LO;
  dv.setUint32(0, OFFSET_HI + Math.floor(lo / 0x100000000), false);
  dv.setUint32(4, lo >>> 0, false);
  dv.setUint32(8, t.nsec, false);
}

/** Reads a 12-byte TAI64N value from `buf` at `off` as a unix instant. */
export function unpackTai64n(buf: Uint8Array, off = 0): Instant {
  const dv = new DataView(buf.buffer, buf.byteOffset + off, 12);
  const hi = dv.getUint32(0, false) - OFFSET_HI;
  const sec = hi * 0x100000000 + dv.getUint32(4, false) - OFFSET_LO;
  return { sec, nsec: dv.getUint32(8, false) };
}

const HEX = new Uint8Array(512);
for (let i = 0; i < 256; i++) {
  const s = i.toString(16).padStart(2, '0');
  HEX[i * 2] = s.charCodeAt(0);
  HEX[i * 2 + 1] = s.charCodeAt(1);
}
const scratch = new Uint8Array(12);

/** Writes the 25-byte label `@` + 24 lowercase hex digits for `t` into `out` at `off`; returns off+25. */
export function writeLabel(t: Instant, out: Uint8Array, off: number): number {
  packTai64n(t, scratch, 0);
  out[off] = 0x40;
  let o = off + 1;
  for (let i = 0; i < 12; i++) {
    const b = scratch[i]! * 2;
    out[o++] = HEX[b]!;
    out[o++] = HEX[b + 1]!;
  }
  return o;
}

/** The label `@4000...` of `t` as a string. */
export function label(t: Instant): string {
  const b = new Uint8Array(25);
  writeLabel(t, b, 0);
  return Buffer.from(b).toString('latin1');
}

const UNHEX = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) UNHEX[48 + i] = i;
for (let i = 0; i < 6; i++) {
  UNHEX[97 + i] = 10 + i;
  UNHEX[65 + i] = 10 + i;
}

/**
 * Parses a TAI64N label (`@` + 24 hex digits) at `off` in `buf`; undefined when malformed
 * (short, non-hex, or outside the range a Date can show). Never throws.
 */
export function parseLabel(buf: Uint8Array, off = 0): Instant | undefined {
  if (off + 25 > buf.length || buf[off] !== 0x40) return undefined;
  for (let i = 0; i < 12; i++) {
    const h = UNHEX[buf[off + 1 + i * 2]!]!;
    const l = UNHEX[buf[off + 2 + i * 2]!]!;
    if (h < 0 || l < 0) return undefined;
    scratch[i] = (h << 4) | l;
  }
  if (scratch[0]! < 0x40 || scratch[0]! > 0x40) return undefined; // outside +-2^32 years of 1970 is not a date
  const t = unpackTai64n(scratch, 0);
  if (t.nsec > 999_999_999 || !Number.isSafeInteger(t.sec)) return undefined;
  return t;
}
