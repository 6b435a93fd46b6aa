/** The console's recent output, kept so that a newly attached client can ask for the last N lines. */

/** A byte-capped history of output chunks (references to the chunks, no copying on the hot path). */
export class Scrollback {
  private chunks: Buffer[] = [];
  private head = 0;
  private bytes = 0;

  constructor(readonly capacity: number) {}

  /** Appends output; drops the oldest chunks beyond the capacity. */
  push(buf: Buffer): void {
    if (this.capacity <= 0 || buf.length === 0) return;
    if (buf.length >= this.capacity) {
      this.chunks = [Buffer.from(buf.subarray(buf.length - this.capacity))];
      this.head = 0;
      this.bytes = this.capacity;
      return;
    }
    this.chunks.push(buf);
    this.bytes += buf.length;
    while (this.bytes - this.chunks[this.head]!.length >= this.capacity) this.bytes -= this.chunks[this.head++]!.length;
    if (this.head > 1024 && this.head * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
  }

  /** The last `n` lines kept (fewer when the history is shorter); a partial last line counts as one. */
  lastLines(n: number): Buffer {
    if (n <= 0 || this.bytes === 0) return Buffer.alloc(0);
    const all = Buffer.concat(this.chunks.slice(this.head));
    const live = all.subarray(Math.max(0, all.length - this.capacity));
    let end = live.length;
    // a trailing newline ends the last line; it does not start a new (empty) one
    let pos = live[end - 1] === 0x0a ? end - 1 : end;
    let found = 0;
    while (found < n) {
      const nl = live.lastIndexOf(0x0a, pos - 1);
      if (nl < 0) { pos = 0; break; }
      found++;
      if (found === n) { pos = nl + 1; break; }
      pos = nl;
    }
    return Buffer.from(live.subarray(pos, end));
  }
}
