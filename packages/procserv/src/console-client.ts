/**
 * One attached client. Output policy for slow readers: at most `maxQueue` bytes wait in memory for
 * the client (SQUEEZED_QUEUE while all clients together are over TOTAL_CLIENT_QUEUE); while that
 * much is queued, further output for this client is DROPPED (the child and the other clients never
 * wait), and once the client catches up it gets one line `@@@ N bytes of output dropped (client too
 * slow)`. A client that has had its output dropped for STUCK_CLIENT_MS without reading is closed.
 */
import type { EventEmitter } from 'node:events';
import { AttachRequestReader, type AttachRequest } from './attach-request.js';
import { SQUEEZED_QUEUE, STUCK_CLIENT_MS } from './limits.js';
import { escapeIac, TELNET_HELLO, TelnetDecoder } from './telnet.js';

/** What a client talks through: a socket, or the terminal of `procserv -f` (console-terminal.ts). */
export interface ClientChannel extends EventEmitter {
  write(d: Buffer | string): boolean;
  readonly writableLength: number;
  pause(): unknown;
  resume(): unknown;
  /** Closes after what is queued has been sent. */
  end(): unknown;
  destroy(): unknown;
}

/** What the server hears from a client. */
export interface ClientHooks {
  onInput(c: ConsoleClient, data: Buffer): void;
  onRequest(c: ConsoleClient, r: AttachRequest): void;
  onClose(c: ConsoleClient): void;
}

/** A connection to the console. */
export class ConsoleClient {
  private readonly telnet: TelnetDecoder | undefined;
  private readonly request = new AttachRequestReader();
  private dropped = 0;
  /** When the current run of dropped output began (0: nothing dropped since the last drain). */
  private droppingSince = 0;
  private closed = false;
  /** Input from this client is dropped (log endpoint, or the client asked for read-only). */
  readOnly: boolean;

  constructor(
    readonly socket: ClientChannel,
    opts: { telnet: boolean; logger: boolean; maxQueue: number },
    private readonly hooks: ClientHooks,
  ) {
    this.logger = opts.logger;
    this.readOnly = opts.logger;
    this.maxQueue = opts.maxQueue;
    this.telnet = opts.telnet ? new TelnetDecoder() : undefined;
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('drain', () => this.onDrain());
    socket.on('error', () => { /* reset by peer etc.: 'close' follows */ });
    socket.on('close', () => {
      if (this.closed) return;
      this.closed = true;
      hooks.onClose(this);
    });
    if (opts.telnet) socket.write(TELNET_HELLO);
  }

  /** The connection came in on a read-only log endpoint. */
  readonly logger: boolean;
  private readonly maxQueue: number;

  /** Bytes waiting for this client. */
  get queued(): number {
    return this.closed ? 0 : this.socket.writableLength;
  }

  /**
   * Sends console output, subject to the slow-reader policy; `squeezed`: all clients together hold
   * too much, so this one gets at most SQUEEZED_QUEUE.
   */
  send(buf: Buffer, squeezed = false): void {
    if (this.closed) return;
    const limit = squeezed ? Math.min(this.maxQueue, SQUEEZED_QUEUE) : this.maxQueue;
    const room = limit - this.socket.writableLength;
    if (buf.length > room) {
      // what does not fit is dropped: the oldest bytes, so that the client sees the latest output
      this.dropped += Math.min(buf.length, buf.length - room);
      const now = Date.now();
      if (this.droppingSince === 0) this.droppingSince = now;
      else if (now - this.droppingSince >= STUCK_CLIENT_MS) { this.abandon(); return; }
      if (room <= 0) return;
      buf = buf.subarray(buf.length - room);
    }
    this.socket.write(this.telnet ? escapeIac(buf) : buf);
  }

  /** Sends a server message (always queued: messages are small and rare). */
  sendText(text: string): void {
    if (this.closed) return;
    this.socket.write(Buffer.from(text, 'utf8'));
  }

  /** Closes the connection after what is queued has been sent. */
  close(): void {
    if (this.closed) return;
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 2000).unref();
  }

  /** Drops a client that reads nothing: what it has queued goes with it. */
  private abandon(): void {
    this.closed = true;
    this.socket.destroy();
    this.hooks.onClose(this);
  }

  private onDrain(): void {
    this.droppingSince = 0;
    if (this.dropped === 0 || this.closed) return;
    const n = this.dropped;
    this.dropped = 0;
    this.socket.write(`\r\n@@@ ${n} bytes of output dropped (client too slow)\r\n`);
  }

  private onData(raw: Buffer): void {
    if (this.closed) return;
    const { input, request } = this.request.feed(this.telnet ? this.telnet.decode(raw) : raw);
    if (request) {
      if (request.readOnly) this.readOnly = true; // from now on the server drops its input, keys included
      this.hooks.onRequest(this, request);
    }
    if (input.length > 0 && !this.readOnly) this.hooks.onInput(this, input);
  }
}
