/** A growable output buffer: filter programs fill it per input chunk and hand it to stdout in one write. */
import type { Io } from '@svkit/diag';

/** Bytes collected for one big write. */
export class OutBuffer {
  buf = Buffer.allocUnsafe(256 * 1024);
  len = 0;

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const b = Buffer.allocUnsafe(cap);
    this.buf.copy(b, 0, 0, this.len);
    this.buf = b;
  }

  /** Appends `src[s, e)`. */
  put(src: Uint8Array, s: number, e: number): void {
    const n = e - s;
    this.ensure(n);
    if (n < 32) {
      const b = this.buf;
      let o = this.len;
      for (let i = s; i < e; i++) b[o++] = src[i]!;
      this.len = o;
    } else {
      this.len += Buffer.prototype.copy.call(src, this.buf, this.len, s, e);
    }
  }

  /** Writes everything collected to `io.out` and empties the buffer. */
  flush(io: Io): void {
    if (this.len === 0) return;
    io.out(this.buf.subarray(0, this.len));
    this.len = 0;
    if (this.buf.length > 4 * 1024 * 1024) this.buf = Buffer.allocUnsafe(256 * 1024);
  }
}
