/**
 * The terminal `procserv -f` runs in, as one more console client (procServ 2.7 does the same): the
 * output is shown there and what is typed goes to the child, through the same keys as any client.
 * The terminal is put in raw mode and restored when the client goes (logout, shutdown, exit).
 * Output is written through a separate non-blocking descriptor of the terminal, so a terminal that
 * stops reading never holds up the server (the client's output queue then drops, as for a socket).
 */
import { EventEmitter } from 'node:events';
import { closeSync, constants, openSync, readFileSync } from 'node:fs';
import tty from 'node:tty';
import { FdWriter } from './fd-writer.js';

/** True when our process group is the foreground group of our controlling terminal (/proc/self/stat: pgrp, tpgid). */
function inForeground(): boolean {
  try {
    const stat = readFileSync('/proc/self/stat', 'latin1');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // state ppid pgrp session tty_nr tpgid ...
    return f[2] === f[5];
  } catch {
    return false;
  }
}

/** The controlling terminal as a console client's channel (the subset of net.Socket that ConsoleClient uses). */
export class TerminalChannel extends EventEmitter {
  private readonly out: FdWriter;
  private closed = false;
  private ending = false;
  private readonly restoreOnExit = (): void => this.restore();
  private readonly onInput = (d: Buffer): void => { this.emit('data', d); };
  private readonly onGone = (): void => { this.destroy(); };

  /** `input`: the terminal on standard input; `outFd`: the same terminal, opened non-blocking for writing. */
  private constructor(private readonly input: tty.ReadStream, private readonly outFd: number) {
    super();
    this.out = new FdWriter(outFd, () => {}, () => this.onEmpty());
    input.setRawMode(true);
    process.once('exit', this.restoreOnExit);
    input.on('data', this.onInput);
    input.on('end', this.onGone);
    input.on('error', this.onGone);
    input.resume();
  }

  /**
   * Takes over standard input when it is a terminal and procserv runs in the foreground there;
   * undefined otherwise (or when it cannot be opened for output). A background job (`procserv -f &`
   * in an interactive shell) leaves the terminal alone: touching it would stop the job (procServ's fate).
   */
  static open(): TerminalChannel | undefined {
    if (!tty.isatty(0) || !inForeground()) return undefined; // before touching process.stdin, which would make a stream of a pipe
    const stdin = process.stdin;
    let fd: number;
    try {
      fd = openSync('/proc/self/fd/0', constants.O_WRONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
    } catch {
      return undefined;
    }
    return new TerminalChannel(stdin as tty.ReadStream, fd);
  }

  /** Queues output for the terminal; false when some had to wait. */
  write(d: Buffer | string): boolean {
    if (this.closed) return false;
    this.out.write(typeof d === 'string' ? Buffer.from(d, 'utf8') : d);
    return this.out.pending === 0;
  }

  /** Bytes waiting for the terminal. */
  get writableLength(): number {
    return this.out.pending;
  }

  pause(): this {
    if (!this.closed) this.input.pause();
    return this;
  }

  resume(): this {
    if (!this.closed) this.input.resume();
    return this;
  }

  /** Closes once what is queued has been written (or at once when nothing waits). */
  end(): this {
    this.ending = true;
    if (this.out.pending === 0) this.destroy();
    return this;
  }

  /** Stops reading, puts the terminal back in the mode it had, and reports 'close'. */
  destroy(): this {
    if (this.closed) return this;
    this.closed = true;
    this.input.off('data', this.onInput);
    this.input.off('end', this.onGone);
    this.input.off('error', this.onGone);
    this.input.pause();
    this.restore();
    process.off('exit', this.restoreOnExit);
    this.out.close();
    try { closeSync(this.outFd); } catch { /* already closed */ }
    this.emit('close');
    return this;
  }

  private onEmpty(): void {
    if (this.ending) this.destroy();
    else this.emit('drain');
  }

  private restore(): void {
    try { this.input.setRawMode(false); } catch { /* the terminal is gone */ }
  }
}
