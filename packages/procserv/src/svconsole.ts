/** svconsole: attach the terminal to a procserv console (raw mode; ^] . detaches). */
import net from 'node:net';
import { helpWanted, printHelp, processIo, runMain, type Io } from '@svkit/diag';
import { connectAbstract } from '@svkit/sys';
import { encodeAttachRequest } from './attach-request.js';
import { resolveConsole, type ConsoleAddress } from './console-address.js';
import { parseCommandChar, showChar } from './control-char.js';
import { EscapeFilter } from './escape-key.js';
import { TelnetDecoder, escapeIac } from './telnet.js';

const USAGE = 'svconsole [ -r ] [ -l lines ] [ -e char ] service-dir|socket|unix:@name|[host:]port';
/** `svconsole --help`: this paragraph (man page DESCRIPTION). */
const ABOUT =
  'Attaches the terminal (raw mode) to a procserv console: the ./console socket of a service directory, a UNIX socket, an abstract socket or a TCP port. Typing goes to the console and its output is shown; several clients may be attached at once. ^] then . detaches, ^] ^] sends ^], ^] ? helps; -e sets another escape character. -r watches read-only (the server enforces it), -l N first replays the last N lines of output. Exit 0 on detach or when the console closes, 111 when it cannot connect, 100 on a usage error.';

/** Runs svconsole with `argv` (without node and script). */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  return runMain('svconsole', io, async (e) => {
    if (helpWanted(argv)) return printHelp(e, USAGE, ABOUT);
    let readOnly = false;
    let replay = 0;
    let escape = 0x1d;
    let i = 0;
    for (; i < argv.length; i++) {
      const a = argv[i]!;
      if (a === '--') { i++; break; }
      if (!a.startsWith('-') || a === '-') break;
      const opt = a.slice(0, 2);
      const attached = a.length > 2 ? a.slice(2) : undefined;
      const value = (): string => {
        const v = attached ?? argv[++i];
        if (v === undefined) e.dieUsage(USAGE);
        return v;
      };
      if (opt === '-r' && !attached) readOnly = true;
      else if (opt === '-l') {
        const v = value();
        if (!/^\d{1,9}$/.test(v)) e.dieUsage(`bad line count ${v}\nusage: ${USAGE}`);
        replay = Number(v);
      } else if (opt === '-e') {
        let c: number | undefined;
        try { c = parseCommandChar(value()); } catch { c = undefined; }
        if (c === undefined) return e.dieUsage(`bad escape character\nusage: ${USAGE}`);
        escape = c;
      } else e.dieUsage(USAGE);
    }
    const target = argv[i];
    if (target === undefined || argv.length > i + 1) e.dieUsage(USAGE);
    let addr: ConsoleAddress;
    try {
      addr = resolveConsole(target);
    } catch (err) {
      return e.dieSys(`unable to find console ${target}`, err);
    }
    const socket = await connect(addr).catch((err) => e.dieSys(`unable to connect to ${target}`, err));
    return attach(socket, addr.kind === 'tcp', { readOnly, replay, escape }, io);
  });
}

function connect(addr: ConsoleAddress): Promise<net.Socket> {
  if (addr.kind === 'abstract') {
    try {
      return Promise.resolve(new net.Socket({ fd: connectAbstract(addr.name), readable: true, writable: true }));
    } catch (e) {
      return Promise.reject(e);
    }
  }
  return new Promise((res, rej) => {
    const s = addr.kind === 'unix' ? net.connect(addr.path) : net.connect(addr.port, addr.host);
    s.once('connect', () => { s.off('error', rej); res(s); });
    s.once('error', rej);
  });
}

function attach(socket: net.Socket, telnet: boolean, o: { readOnly: boolean; replay: number; escape: number }, io: Io): Promise<number> {
  const stdin = process.stdin;
  const stdout = process.stdout;
  const tty = stdin.isTTY === true;
  const decoder = telnet ? new TelnetDecoder(false) : undefined;
  const filter = new EscapeFilter(o.escape);
  const esc = showChar(o.escape);
  if (tty) {
    stdin.setRawMode(true);
    io.err(`svconsole: attached${o.readOnly ? ' read-only' : ''}; ${esc} . detaches, ${esc} ? helps\r\n`);
  }
  // first thing on the connection, UNIX or TCP alike: procserv takes it off before telnet input
  if (o.replay > 0 || o.readOnly) socket.write(encodeAttachRequest({ replay: o.replay, readOnly: o.readOnly }));

  return new Promise<number>((resolve) => {
    let done = false;
    const finish = (code: number, why: string): void => {
      if (done) return;
      done = true;
      if (tty) stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onKeys);
      if (tty) io.err(`\r\nsvconsole: ${why}\r\n`);
      socket.destroy();
      for (const s of SIGNALS) process.off(s, onSignal);
      resolve(code);
    };
    const onKeys = (d: Buffer): void => {
      const r = filter.feed(d);
      if (r.help) io.err(`\r\nsvconsole: ${esc} . detach, ${esc} ${esc} send ${esc}, ${o.readOnly ? 'read-only' : 'everything else goes to the console'}\r\n`);
      if (r.send.length > 0 && !o.readOnly) socket.write(telnet ? escapeIac(r.send) : r.send);
      if (r.detach) finish(0, 'detached');
    };
    const SIGNALS = ['SIGTERM', 'SIGHUP', 'SIGINT'] as const;
    const onSignal = (): void => finish(0, 'terminated');
    for (const s of SIGNALS) process.on(s, onSignal);
    stdin.on('data', onKeys);
    stdin.on('end', () => {
      if (o.readOnly || done) return;
      socket.end(); // no more input: the server closes, we print what is left and exit
    });
    stdin.on('error', () => {});
    socket.on('data', (d: Buffer) => {
      const out = decoder ? decoder.decode(d) : d;
      if (!stdout.write(out)) {
        socket.pause();
        stdout.once('drain', () => socket.resume());
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      if (stdout.writableLength > 0) stdout.once('drain', () => finish(0, 'connection closed'));
      else finish(0, 'connection closed');
    });
  });
}
