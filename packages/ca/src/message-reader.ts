/**
 * Splits a TCP byte stream into CA messages without copying it over and over: chunks are kept
 * as they arrive and joined only once a whole message (or a header) is there, so a client that
 * trickles a large message byte by byte costs linear time, and what is held is at most one
 * message (`maxPayload` + header) plus the chunk it arrived in.
 */
import { nextMessage, type Message } from './wire.js';

export class MessageReader {
  private chunks: Buffer[] = [];
  private length = 0;

  constructor(private readonly maxPayload: number) {}

  /** Bytes received and not yet taken as messages. */
  get buffered(): number {
    return this.length;
  }

  push(d: Buffer): void {
    if (!d.length) return;
    this.chunks.push(d);
    this.length += d.length;
  }

  /**
   * The next whole message (its payload a view valid until the next call), or undefined when
   * more bytes are needed. Throws EPROTO for a payload over `maxPayload`.
   */
  next(): Message | undefined {
    if (this.length < 16) return undefined;
    let first = this.chunks[0]!;
    if (first.length < 24 && first.length < this.length) first = this.join();
    const size16 = first.readUInt16BE(2);
    if (size16 === 0xffff && this.length < 24) return undefined;
    // the header is in `first`: check the size before waiting for the payload
    const need = size16 === 0xffff ? 24 + first.readUInt32BE(16) : 16 + size16;
    if (need - (size16 === 0xffff ? 24 : 16) > this.maxPayload) nextMessage(first, 0, this.maxPayload); // throws EPROTO
    if (this.length < need) return undefined;
    if (first.length < need) first = this.join();
    const r = nextMessage(first, 0, this.maxPayload)!;
    if (r.next === first.length) this.chunks.shift();
    else this.chunks[0] = first.subarray(r.next);
    this.length -= r.next;
    return r.msg;
  }

  /** Drops everything (the circuit closed). */
  clear(): void {
    this.chunks = [];
    this.length = 0;
  }

  private join(): Buffer {
    const all = Buffer.concat(this.chunks, this.length);
    this.chunks = [all];
    return all;
  }
}
