/** readproctitle's display buffer: a fixed-width window that shows the latest bytes read. */

/**
 * A window of `width` bytes that starts as dots; new bytes enter at the right, shifting the
 * window left, and the leftmost three bytes stay dots. NUL bytes are dropped (a process title
 * cannot show them).
 */
export class DotTail {
  private readonly buf: Buffer;

  constructor(width: number) {
    this.buf = Buffer.alloc(width, '.');
  }

  /** Feeds bytes read from the input. */
  push(data: Uint8Array): void {
    const room = this.buf.length - 3;
    if (room <= 0) return;
    const bytes = Buffer.from(data).filter((b) => b !== 0);
    if (bytes.length >= room) {
      this.buf.set(bytes.subarray(bytes.length - room), 3);
    } else if (bytes.length > 0) {
      this.buf.copy(this.buf, 3, 3 + bytes.length);
      this.buf.set(bytes, this.buf.length - bytes.length);
    }
  }

  /** The window as text. */
  toString(): string {
    return this.buf.toString('utf8');
  }
}
