/**
 * The console server: one child on a pty, many clients. Child output goes to every client, the log
 * and the scrollback; control clients' input goes to the child after the command characters
 * (kill, toggle auto restart, logout, and ^R/^Q while the child is shut down) and ignored
 * characters are taken out. Server messages start with `@@@`, as procServ's do.
 */
import { errnoText } from '@svkit/diag';
import type { AttachRequest } from './attach-request.js';
import { ConsoleChild, type ChildExit, type ChildSpec } from './console-child.js';
import { ConsoleClient, type ClientChannel } from './console-client.js';
import type { ConsoleLog } from './console-log.js';
import { showChar } from './control-char.js';
import { MAX_CLIENTS, MAX_CLIENTS_PER_ADDRESS, TOTAL_CLIENT_QUEUE } from './limits.js';
import { Scrollback } from './scrollback.js';
import { strftime } from './strftime.js';

/** Version string shown in the welcome banner. */
export const VERSION = 'svkit procserv 0.1.0';

const CTRL_R = 0x12;
const CTRL_Q = 0x11;
/** Least time between two attempts to start a program that could not be run. */
const START_RETRY_MS = 1000;

/** Settings of a console server. */
export interface ServerConfig {
  /** Name in messages: `-n`, else the command line. */
  title: string;
  /** True when `-n` was given (messages then also show the command). */
  named: boolean;
  /** The command line as shown in messages. */
  commandLine: string;
  child: ChildSpec;
  serverCwd: string;
  killCmd: number | undefined;
  toggleCmd: number | undefined;
  logoutCmd: number | undefined;
  ignore: ReadonlySet<number>;
  killSignal: NodeJS.Signals | number;
  /** Minimum seconds between child starts. */
  holdoff: number;
  autoRestart: boolean;
  /** Exit with the child's status when it exits. */
  oneshot: boolean;
  /** Start with the child shut down, waiting for ^R. */
  wait: boolean;
  timefmt: string;
  scrollbackBytes: number;
  clientQueue: number;
  log: ConsoleLog | undefined;
  /** Called once when the server should exit with `code` (after ^Q, or the child's exit with --oneshot). */
  onQuit(code: number): void;
}

/** The running console server. */
export class ConsoleServer {
  private child: ConsoleChild | undefined;
  private lastExit: ChildExit | undefined;
  /** Why the last start failed (cleared by a successful start). */
  private startFailure: string | undefined;
  private readonly clients = new Set<ConsoleClient>();
  private readonly scrollback: Scrollback;
  private readonly startedAt = new Date();
  private restartTimer: NodeJS.Timeout | undefined;
  private lastStart = 0;
  private autoRestart: boolean;
  private inputFull = false;
  /** Connections at once per key (TCP only: see connection-key.ts). */
  private readonly perKey = new Map<string, number>();
  private quitting = false;

  constructor(private readonly cfg: ServerConfig) {
    this.scrollback = new Scrollback(cfg.scrollbackBytes);
    this.autoRestart = cfg.autoRestart;
  }

  /** Starts the child unless in wait mode. */
  start(): void {
    if (!this.cfg.wait) this.startChild();
  }

  /**
   * Attaches a new connection (`logger`: from a read-only log endpoint; `terminal`: the terminal
   * procserv runs in, which gets the shorter banner procServ shows there; `key`: what it counts
   * against for MAX_CLIENTS_PER_ADDRESS, undefined for none). Past MAX_CLIENTS, or the per-key
   * limit, the connection is told so and closed.
   */
  attach(socket: ClientChannel, telnet: boolean, logger: boolean, terminal = false, key?: string): void {
    if (this.quitting) { socket.destroy(); return; }
    const refusal = this.clients.size >= MAX_CLIENTS
      ? `@@@ Too many connections (${MAX_CLIENTS}), try again later\r\n`
      : key !== undefined && (this.perKey.get(key) ?? 0) >= MAX_CLIENTS_PER_ADDRESS
        ? `@@@ Too many connections from you (${MAX_CLIENTS_PER_ADDRESS}), try again later\r\n`
        : undefined;
    if (refusal !== undefined) {
      this.refuse(socket, refusal);
      return;
    }
    if (key !== undefined) this.perKey.set(key, (this.perKey.get(key) ?? 0) + 1);
    const c = new ConsoleClient(socket, { telnet, logger, maxQueue: this.cfg.clientQueue }, {
      onInput: (cl, d) => this.onInput(cl, d),
      onRequest: (cl, r) => this.onRequest(cl, r),
      onClose: (cl) => {
        if (!this.clients.delete(cl) || key === undefined) return;
        const n = (this.perKey.get(key) ?? 1) - 1;
        if (n > 0) this.perKey.set(key, n);
        else this.perKey.delete(key);
      },
    });
    if (this.inputFull) socket.pause();
    c.sendText(terminal ? this.terminalBanner() : this.banner(logger));
    this.clients.add(c);
  }

  /** Tells a connection `why` it is not served, and closes it. */
  refuse(socket: ClientChannel, why: string): void {
    socket.on('error', () => { /* gone already */ });
    socket.write(why);
    socket.end();
    setTimeout(() => socket.destroy(), 2000).unref();
  }

  /** Number of control and logger clients attached (a client that asked to be read-only is a logger). */
  counts(): { users: number; loggers: number } {
    let users = 0;
    let loggers = 0;
    for (const c of this.clients) {
      if (c.readOnly) loggers++;
      else users++;
    }
    return { users, loggers };
  }

  /** Stops: kills the child (with the kill signal), waits a little for it, closes the clients. */
  async shutdown(): Promise<void> {
    this.quitting = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const child = this.child;
    if (child?.running) {
      await new Promise<void>((res) => {
        const t = setTimeout(res, 3000);
        this.onChildGone = () => { clearTimeout(t); res(); };
        child.kill(this.cfg.killSignal);
      });
    }
    for (const c of this.clients) c.close();
  }

  private onChildGone: (() => void) | undefined;

  // ---- output fan-out -------------------------------------------------------------------------

  private broadcast(buf: Buffer): void {
    this.cfg.log?.write(buf);
    this.scrollback.push(buf);
    const squeezed = this.squeezed();
    for (const c of this.clients) c.send(buf, squeezed);
  }

  /** True when all clients together have TOTAL_CLIENT_QUEUE bytes waiting. */
  private squeezed(): boolean {
    let total = 0;
    for (const c of this.clients) total += c.queued;
    return total >= TOTAL_CLIENT_QUEUE;
  }

  private message(text: string): void {
    this.broadcast(Buffer.from(text.replace(/\n/g, '\r\n'), 'utf8'));
  }

  // ---- child lifecycle ------------------------------------------------------------------------

  private get quotedTitle(): string {
    return `"${this.cfg.title}"`;
  }

  private startChild(): void {
    if (this.quitting || this.child?.running) return;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    this.lastStart = Date.now();
    let child: ConsoleChild;
    try {
      child = new ConsoleChild(this.cfg.child, {
        onData: (d) => this.broadcast(d),
        onExit: (e) => this.onChildExit(child, e),
        onInputFull: (full) => this.setInputFull(full),
      });
    } catch (e) {
      this.startFailed(`${this.cfg.child.file}: ${errnoText(e)}`);
      return;
    }
    this.startFailure = undefined;
    this.child = child;
    let text = `@@@ Restarting child ${this.quotedTitle}\n`;
    if (this.cfg.named) text += `@@@    (as ${this.cfg.commandLine})\n`;
    text += `@@@ The PID of new child ${this.quotedTitle} is: ${child.pid}\n@@@ @@@ @@@ @@@ @@@\n`;
    this.message(text);
  }

  /** The child could not be started (its program is missing, not executable...): say why, then as after an exit. */
  private startFailed(reason: string): void {
    this.startFailure = reason;
    let text = `@@@ Unable to start child ${this.quotedTitle}: ${reason}\n`;
    if (this.cfg.oneshot) {
      this.message(`${text}@@@ procserv exits (--oneshot)\n`);
      this.quitting = true;
      this.cfg.onQuit(127);
      return;
    }
    text += this.autoRestart
      ? '@@@ Child process is shutting down, a new one will be restarted shortly\n'
      : '@@@ Child process is shutting down, auto restart is disabled\n';
    this.message(`${text}${this.shutdownHelp()}\n`);
    if (this.autoRestart) this.scheduleRestart(START_RETRY_MS); // not a busy loop when the holdoff is 0
  }

  private onChildExit(child: ConsoleChild, e: ChildExit): void {
    if (child !== this.child) return;
    this.lastExit = e;
    this.setInputFull(false);
    const how = e.signal !== undefined ? `The process was killed by signal ${e.signal}` : `Normal exit status = ${e.code}`;
    let text = `\n@@@ @@@ @@@ @@@ @@@\n@@@ Received a sigChild for process ${e.pid}. ${how}\n@@@ Current time: ${strftime(this.cfg.timefmt)}\n`;
    if (this.quitting) {
      this.message(text);
      this.onChildGone?.();
      return;
    }
    if (this.cfg.oneshot) {
      this.message(`${text}@@@ Child process is shutting down, procserv exits (--oneshot)\n`);
      this.quitting = true;
      this.cfg.onQuit(e.signal !== undefined ? 128 + e.signal : (e.code ?? 0));
      return;
    }
    text += this.autoRestart
      ? '@@@ Child process is shutting down, a new one will be restarted shortly\n'
      : '@@@ Child process is shutting down, auto restart is disabled\n';
    text += `${this.shutdownHelp()}\n`;
    this.message(text);
    if (this.autoRestart) this.scheduleRestart();
  }

  /** Starts the child again after the holdoff (and at least `minDelay` ms from now). */
  private scheduleRestart(minDelay = 0): void {
    if (this.restartTimer || this.child?.running) return;
    const delay = Math.max(minDelay, this.lastStart + this.cfg.holdoff * 1000 - Date.now());
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.autoRestart) this.startChild();
    }, delay);
  }

  private shutdownHelp(): string {
    const restart = ['^R', this.cfg.killCmd !== undefined ? showChar(this.cfg.killCmd) : undefined].filter(Boolean).join(' or ');
    const logout = this.cfg.logoutCmd !== undefined ? `, ${showChar(this.cfg.logoutCmd)} closes this connection` : '';
    return `@@@ ${restart} restarts the child, ^Q quits the server${logout}`;
  }

  private setInputFull(full: boolean): void {
    if (full === this.inputFull) return;
    this.inputFull = full;
    for (const c of this.clients) {
      if (full) c.socket.pause();
      else c.socket.resume();
    }
  }

  // ---- client input ---------------------------------------------------------------------------

  private onRequest(c: ConsoleClient, r: AttachRequest): void {
    if (r.replay <= 0) return;
    const lines = this.scrollback.lastLines(r.replay);
    c.sendText(`@@@ Replaying the last ${r.replay} line(s) of scrollback\r\n`);
    c.send(lines, this.squeezed());
    c.sendText(`${lines.length > 0 && lines[lines.length - 1] !== 0x0a ? '\r\n' : ''}@@@ End of scrollback\r\n`);
  }

  private onInput(c: ConsoleClient, d: Buffer): void {
    const { killCmd, toggleCmd, logoutCmd, ignore } = this.cfg;
    const running = this.child?.running === true;
    // the toggle messages of one chunk go out as one message: a paste of a million ^T costs one
    // write per chunk, not one per key (each is still shown, in order)
    let notes = '';
    const flush = (): void => {
      if (notes === '') return;
      this.message(notes);
      notes = '';
    };
    let start = 0;
    for (let i = 0; i < d.length; i++) {
      const b = d[i]!;
      const special = b === killCmd || b === toggleCmd || b === logoutCmd || ignore.has(b) || (!running && (b === CTRL_R || b === CTRL_Q));
      if (!special) continue;
      if (i > start) { flush(); this.toChild(d.subarray(start, i)); }
      start = i + 1;
      if (b === toggleCmd) {
        this.autoRestart = !this.autoRestart;
        notes += `\n@@@ Toggled auto restart to ${this.autoRestart ? 'ON' : 'OFF'}\n`;
        if (b !== killCmd && b !== logoutCmd && (this.child?.running || !this.autoRestart)) continue;
      }
      flush();
      if (b === killCmd && this.child?.running) {
        this.child.kill(this.cfg.killSignal);
      } else if (!this.child?.running && (b === CTRL_R || b === killCmd)) {
        this.startChild();
      } else if (!this.child?.running && b === toggleCmd && this.autoRestart) {
        this.scheduleRestart();
      } else if (!this.child?.running && b === CTRL_Q) {
        this.message('@@@ Got a quit command, exiting\n');
        this.quitting = true;
        this.cfg.onQuit(0);
        return;
      }
      if (b === logoutCmd) {
        c.sendText('\r\n@@@ Logging out\r\n');
        c.close();
        return;
      }
    }
    flush();
    if (start < d.length) this.toChild(start === 0 ? d : d.subarray(start));
  }

  private toChild(d: Buffer): void {
    if (this.child?.running) this.child.write(Buffer.from(d));
  }

  // ---- banner ---------------------------------------------------------------------------------

  /** The first lines a control client gets: welcome and keys. */
  private welcome(): string[] {
    const cfg = this.cfg;
    const lines = [`@@@ Welcome to procServ (${VERSION})`];
    const kill = cfg.killCmd !== undefined ? `Use ${showChar(cfg.killCmd)} to kill the child, ` : '';
    const toggle = cfg.toggleCmd !== undefined ? `, use ${showChar(cfg.toggleCmd)} to toggle auto restart` : '';
    lines.push(`@@@ ${kill}auto restart is ${this.autoRestart ? 'ON' : 'OFF'}${toggle}`);
    if (cfg.logoutCmd !== undefined) lines.push(`@@@ Use ${showChar(cfg.logoutCmd)} to logout from procServ server`);
    return lines;
  }

  /** The count line: who else is attached. */
  private countLine(): string {
    const { users, loggers } = this.counts();
    return `@@@ ${users} user(s) and ${loggers} logger(s) connected (plus you)`;
  }

  /** The banner on the terminal of `procserv -f`: as procServ shows it there (no PIDs or directories). */
  private terminalBanner(): string {
    const lines = this.welcome();
    lines.push(`@@@ procServ server started at: ${strftime(this.cfg.timefmt, this.startedAt)}`);
    lines.push(this.countLine());
    if (this.child?.running !== true) lines.push(this.shutdownHelp());
    return lines.map((l) => `${l}\r\n`).join('');
  }

  private banner(logger: boolean): string {
    const cfg = this.cfg;
    const lines: string[] = logger ? [] : this.welcome();
    const running = this.child?.running === true;
    lines.push(`@@@ procServ server PID: ${process.pid}`);
    lines.push(`@@@ Server startup directory: ${cfg.serverCwd}`);
    lines.push(`@@@ Child startup directory: ${cfg.child.cwd}`);
    lines.push(cfg.named ? `@@@ Child ${this.quotedTitle} started as: ${cfg.commandLine}` : `@@@ Child started as: ${cfg.commandLine}`);
    if (running) lines.push(`@@@ Child ${this.quotedTitle} PID: ${this.child!.pid}`);
    else lines.push(`@@@ Child ${this.quotedTitle} is SHUT DOWN`);
    if (!running && this.startFailure !== undefined) lines.push(`@@@ Unable to start child ${this.quotedTitle}: ${this.startFailure}`);
    lines.push(`@@@ procServ server started at: ${strftime(cfg.timefmt, this.startedAt)}`);
    if (running) lines.push(`@@@ Child ${this.quotedTitle} started at: ${strftime(cfg.timefmt, this.child!.startedAt)}`);
    if (!logger) {
      lines.push(this.countLine());
      if (!running) lines.push(this.shutdownHelp());
    }
    return lines.map((l) => `${l}\r\n`).join('');
  }

  /** The exit status of the last child, if one has exited. */
  get lastChildExit(): ChildExit | undefined {
    return this.lastExit;
  }
}
