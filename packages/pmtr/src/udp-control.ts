/**
 * pmtr's UDP side: `report to udp://HOST:PORT[@IFACE]` sends the job report every 10 s (pmtr's
 * format: `report HOSTNAME[ IFACE-IP]\n` then `NAME e|d SECS PID ARGV0\n` per job; with @IFACE,
 * multicast goes out through that interface), and `listen on udp://HOST:PORT`
 * takes `enable NAME...` / `disable NAME...` datagrams. The listener is unauthenticated, so it
 * binds loopback addresses only (a config that names another address gets a warning and no
 * listener). A bad datagram gets a log line, never a crash.
 */
import { createSocket, type Socket } from 'node:dgram';
import { hostname } from 'node:os';
import { errnoText } from '@svkit/diag';
import type { Config, UdpSpec } from './config-parse.js';
import type { JobSet } from './job-set.js';
import type { PmtrLog } from './pmtr-log.js';

/** Seconds between reports. */
export const REPORT_MS = 10000;
/** Largest control datagram read. */
export const MAX_CONTROL = 2000;

/** pmtr's texts (hstrerror) for a failed lookup of a report destination, by getaddrinfo's code. */
const LOOKUP_TEXT: Record<string, string> = {
  ENOTFOUND: 'Unknown host',
  EAI_AGAIN: 'Host name lookup failure',
  ENODATA: 'No address associated with name',
};

/** True for an address only this host can send from. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '::1';
}

export interface UdpControlOptions {
  log: PmtrLog;
  verbose: number;
  jobs: JobSet;
}

export class UdpControl {
  private readonly sockets: Socket[] = [];
  /** One socket per `report to` (each may go out through its own interface). */
  private readonly reports: { spec: UdpSpec; sock: Socket; lookupFailed?: boolean }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(config: Config, private readonly opts: UdpControlOptions) {
    for (const spec of config.reports) {
      const s = createSocket('udp4');
      s.on('error', (e) => opts.log.warn(`report socket: ${errnoText(e)}`));
      s.unref();
      const addr = spec.ifaceAddr;
      if (addr !== undefined) {
        // pmtr's IP_MULTICAST_IF: set once the socket is bound (long before the first report, 1 s on)
        s.bind(0, () => {
          if (this.closed) return;
          try {
            s.setMulticastInterface(addr);
          } catch (e) {
            opts.log.warn(`setsockopt: ${errnoText(e)} at line ${spec.line}`);
          }
        });
      }
      this.sockets.push(s);
      this.reports.push({ spec, sock: s });
    }
    if (this.reports.length) {
      this.timer = setInterval(() => this.report(), REPORT_MS);
      this.timer.unref();
      setTimeout(() => this.report(), 1000).unref();
    }
    const l = config.listens[0];
    if (l) {
      if (!isLoopback(l.host)) opts.log.warn(`not listening on ${l.text} (line ${l.line}): control datagrams are unauthenticated, only loopback addresses are allowed`);
      else {
        const s = createSocket('udp4');
        s.on('error', (e) => opts.log.warn(`can't bind to ${l.text}: ${errnoText(e)}`));
        s.on('message', (m) => this.onControl(m));
        s.bind(l.port, l.host === 'localhost' ? '127.0.0.1' : l.host);
        this.sockets.push(s);
      }
    }
  }

  /** The report datagram; `ifaceAddr`: the address of the destination's @IFACE. */
  reportText(ifaceAddr?: string): string {
    const now = Date.now();
    let out = `report ${hostname()}${ifaceAddr === undefined ? '' : ` ${ifaceAddr}`}\n`;
    for (const j of this.opts.jobs.list()) {
      const secs = j.startedAt ? Math.floor((now - j.startedAt) / 1000) : 0;
      out += `${j.name} ${j.enabled ? 'e' : 'd'} ${secs} ${j.pid} ${j.argv0}\n`;
    }
    return out;
  }

  private report(): void {
    for (const dest of this.reports) {
      const r = dest.spec;
      dest.sock.send(Buffer.from(this.reportText(r.ifaceAddr)), r.port, r.host, (e) => {
        const code = (e as NodeJS.ErrnoException | null)?.code;
        const lookup = code === undefined ? undefined : LOOKUP_TEXT[code];
        if (!e || lookup === undefined) dest.lookupFailed = false;
        if (!e || code === 'ECONNREFUSED') return;
        if (lookup === undefined) this.opts.log.warn(`write error: ${errnoText(e)}`);
        else if (!dest.lookupFailed) {
          // the name is looked up at each send (a name that resolves later is used then): logged once until it does
          dest.lookupFailed = true;
          this.opts.log.warn(`lookup [${r.host}]: ${lookup} at line ${r.line}`);
        }
      });
    }
  }

  private onControl(m: Buffer): void {
    const text = m.subarray(0, MAX_CONTROL).toString('utf8').replace(/\r?\n$/, ''); // a trailing newline is no part of a name
    if (this.opts.verbose > 0) this.opts.log.info(`received [${text}]`);
    let mode: boolean | undefined;
    for (const tok of text.split(/\s+/)) {
      if (!tok) continue;
      if (tok === 'enable' || tok === 'disable') {
        mode = tok === 'enable';
        continue;
      }
      if (mode === undefined) {
        this.opts.log.warn('invalid control msg');
        return;
      }
      if (!this.opts.jobs.control(tok, mode)) this.opts.log.warn(`control msg for unknown job ${tok.replace(/[^\x20-\x7e]/g, '?')}`);
    }
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    for (const s of this.sockets) s.close();
    this.sockets.length = 0;
  }
}
