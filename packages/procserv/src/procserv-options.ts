/** Command line of procserv: procServ 2.7's options (getopt_long style), plus svkit's own. */
import { fill } from '@svkit/diag';
import { parseCommandChar, parseControlChars } from './control-char.js';
import { parseEndpoint, type Endpoint } from './endpoint.js';
import { CLIENT_QUEUE } from './limits.js';

/** Parsed procserv options. */
export interface ProcservOptions {
  foreground: boolean;
  name: string | undefined;
  logfile: string | undefined;
  infoFile: string | undefined;
  pidFile: string | undefined;
  ignore: number[];
  logoutCmd: number | undefined;
  killCmd: number | undefined;
  toggleCmd: number | undefined;
  killSignal: number;
  chdir: string | undefined;
  exec: string | undefined;
  control: Endpoint[];
  logPorts: Endpoint[];
  allow: boolean;
  holdoff: number;
  autoRestart: boolean;
  wait: boolean;
  timefmt: string;
  logstamp: string | undefined;
  coresize: bigint | undefined;
  quiet: boolean;
  oneshot: boolean;
  scrollback: number;
  clientBuffer: number;
  /** --console-group: UNIX socket files without explicit permissions are 0660 and owned by this group. */
  consoleGroup: string | undefined;
  command: string[];
  /** -V or -h: print this and exit 0. */
  show: 'version' | 'help' | undefined;
}

/** The usage line. */
export const USAGE = 'procserv [options] -P endpoint... command args...\n       procserv [options] endpoint command args...    (-h for help)';

/** The help text: usage, one paragraph (the man page's DESCRIPTION), then the options. */
export const HELP = `Usage: ${USAGE}

${fill('Runs one interactive program (an IOC shell, a REPL) on a pseudo-terminal and serves its console to many clients at once on UNIX sockets and TCP ports, procServ 2.7 compatible: clients see the output and may type, the kill key restarts the child, a log file gets everything. Adds scrollback replay for new clients, bounded per-client queues, --oneshot, and safe defaults (UNIX sockets 0600, TCP on 127.0.0.1 unless --allow). Use -f under supervise. Exit 111 when an endpoint or the command cannot be used, 100 on a usage error.')}

Options (procServ 2.7 compatible):
 -f --foreground          stay in the foreground (always use this under supervise)
 -n --name=TITLE          name of the child in messages
 -L --logfile=FILE        console log; - is standard output (a reader that stalls misses
                          what passes 4 MB, with a line saying how much: the child never waits)
 -I --info-file=FILE      write PID and endpoints to FILE
 -p --pidfile=FILE        write the server's PID to FILE
 -i --ignore=CHARS        drop these characters from clients (^D^C notation, ^^ is ^)
 -x --logoutcmd=CHAR      log out the client (default none)
 -k --killcmd=CHAR        kill the child (default ^X, "" for none)
    --autorestartcmd=CHAR toggle auto restart (default ^T, "" for none)
    --killsig=SIG         signal sent by the kill command (default 9)
 -c --chdir=DIR           the child's working directory
 -e --exec=FILE           program to run (default: the command's first word)
 -P --port=ENDPOINT       control endpoint: PORT, IFACE:PORT, unix:PATH, unix:USER:GROUP:PERM:PATH, unix:@NAME
 -l --logport=ENDPOINT    read-only log endpoint
    --allow               TCP endpoints listen beyond loopback
    --restrict            TCP endpoints on loopback only (the default here)
    --holdoff=SECONDS     minimum time between child starts (default 15)
    --noautorestart       do not restart the child when it exits
 -w --wait                start with the child shut down; ^R starts it
    --timefmt=FMT         strftime format of times in messages (default %c)
    --logstamp[=FMT]      time-stamp each log line (default "[<timefmt>] ")
    --coresize=SIZE       core file size limit of the child
 -q --quiet               no informational output
 -d --debug               same as -f here
 -V --version             print the version
svkit additions:
    --oneshot             exit when the child exits, with its status (128+N for signal N)
    --scrollback=BYTES    output kept for replay to new clients (default 262144, 0 = none)
    --client-buffer=BYTES output queued per slow client before dropping (default 1048576;
                          16 MB for all clients together, then 64 KB each)
    --console-group=GROUP UNIX socket files are 0660 and belong to GROUP (default 0600, owner only);
                          dialout lets Debian's conserver (user conservr) connect`;

interface OptDef {
  long: string;
  short?: string;
  arg: 'none' | 'required' | 'optional';
}

const DEFS: OptDef[] = [
  { long: 'foreground', short: 'f', arg: 'none' },
  { long: 'debug', short: 'd', arg: 'none' },
  { long: 'name', short: 'n', arg: 'required' },
  { long: 'logfile', short: 'L', arg: 'required' },
  { long: 'info-file', short: 'I', arg: 'required' },
  { long: 'pidfile', short: 'p', arg: 'required' },
  { long: 'ignore', short: 'i', arg: 'required' },
  { long: 'logoutcmd', short: 'x', arg: 'required' },
  { long: 'killcmd', short: 'k', arg: 'required' },
  { long: 'autorestartcmd', arg: 'required' },
  { long: 'killsig', arg: 'required' },
  { long: 'chdir', short: 'c', arg: 'required' },
  { long: 'exec', short: 'e', arg: 'required' },
  { long: 'port', short: 'P', arg: 'required' },
  { long: 'logport', short: 'l', arg: 'required' },
  { long: 'allow', arg: 'none' },
  { long: 'restrict', short: 'r', arg: 'none' },
  { long: 'holdoff', arg: 'required' },
  { long: 'noautorestart', arg: 'none' },
  { long: 'wait', short: 'w', arg: 'none' },
  { long: 'timefmt', arg: 'required' },
  { long: 'logstamp', arg: 'optional' },
  { long: 'coresize', arg: 'required' },
  { long: 'quiet', short: 'q', arg: 'none' },
  { long: 'version', short: 'V', arg: 'none' },
  { long: 'help', short: 'h', arg: 'none' },
  { long: 'oneshot', arg: 'none' },
  { long: 'scrollback', arg: 'required' },
  { long: 'client-buffer', arg: 'required' },
  { long: 'console-group', arg: 'required' },
];

/** A usage error (exit 100). */
export class UsageError extends Error {}

const SIGNALS: Record<string, number> = { HUP: 1, INT: 2, QUIT: 3, ABRT: 6, KILL: 9, USR1: 10, USR2: 12, TERM: 15 };

function parseSignal(s: string): number {
  if (/^\d+$/.test(s) && Number(s) > 0 && Number(s) < 65) return Number(s);
  const n = SIGNALS[s.toUpperCase().replace(/^SIG/, '')];
  if (n === undefined) throw new UsageError(`bad signal: ${s}`);
  return n;
}

function parseCount(what: string, s: string): number {
  if (!/^\d+$/.test(s)) throw new UsageError(`bad ${what}: ${s}`);
  return Number(s);
}

function cmdChar(what: string, s: string): number | undefined {
  try {
    return parseCommandChar(s);
  } catch (e) {
    throw new UsageError(`bad ${what}: ${(e as Error).message}`);
  }
}

function endpoint(s: string): Endpoint {
  try {
    return parseEndpoint(s);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** A UNIX socket file without USER:GROUP:PERM of its own gets `group` and mode 0660 (explicit specifications win). */
function withGroup(ep: Endpoint, group: string): void {
  if (ep.kind !== 'unix' || ep.abstract) return;
  if (ep.user !== undefined || ep.group !== undefined || ep.perm !== undefined) return;
  ep.group = group;
  ep.perm = 0o660;
}

/** Parses argv; throws UsageError on bad input. `env` supplies PROCSERV_PID. */
export function parseProcservArgs(argv: string[], env: NodeJS.ProcessEnv): ProcservOptions {
  const o: ProcservOptions = {
    foreground: false, name: undefined, logfile: undefined, infoFile: undefined, pidFile: env.PROCSERV_PID || undefined,
    ignore: [], logoutCmd: undefined, killCmd: 0x18, toggleCmd: 0x14, killSignal: 9, chdir: undefined, exec: undefined,
    control: [], logPorts: [], allow: false, holdoff: 15, autoRestart: true, wait: false, timefmt: '%c',
    logstamp: undefined, coresize: undefined, quiet: false, oneshot: false, scrollback: 256 * 1024,
    clientBuffer: CLIENT_QUEUE, consoleGroup: undefined, command: [], show: undefined,
  };
  let stampDefault = false;
  const set = (def: OptDef, val: string | undefined): void => {
    const v = val ?? '';
    switch (def.long) {
      case 'foreground': case 'debug': o.foreground = true; break;
      case 'name': o.name = v; break;
      case 'logfile': o.logfile = v; break;
      case 'info-file': o.infoFile = v; break;
      case 'pidfile': o.pidFile = v; break;
      case 'ignore':
        try { o.ignore = parseControlChars(v); } catch (e) { throw new UsageError(`bad ignore characters: ${(e as Error).message}`); }
        break;
      case 'logoutcmd': o.logoutCmd = cmdChar('logout command', v); break;
      case 'killcmd': o.killCmd = cmdChar('kill command', v); break;
      case 'autorestartcmd': o.toggleCmd = cmdChar('auto restart command', v); break;
      case 'killsig': o.killSignal = parseSignal(v); break;
      case 'chdir': o.chdir = v; break;
      case 'exec': o.exec = v; break;
      case 'port': o.control.push(endpoint(v)); break;
      case 'logport': o.logPorts.push(endpoint(v)); break;
      case 'allow': o.allow = true; break;
      case 'restrict': o.allow = false; break;
      case 'holdoff':
        if (!/^\d+(\.\d+)?$/.test(v)) throw new UsageError(`bad holdoff: ${v}`);
        o.holdoff = Number(v);
        break;
      case 'noautorestart': o.autoRestart = false; break;
      case 'wait': o.wait = true; break;
      case 'timefmt': o.timefmt = v; break;
      case 'logstamp': if (val === undefined) stampDefault = true; else o.logstamp = val; break;
      case 'coresize':
        if (v === 'unlimited') o.coresize = 0xffffffffffffffffn;
        else o.coresize = BigInt(parseCount('core size', v));
        break;
      case 'quiet': o.quiet = true; break;
      case 'version': o.show ??= 'version'; break;
      case 'help': o.show = 'help'; break;
      case 'oneshot': o.oneshot = true; break;
      case 'scrollback': o.scrollback = parseCount('scrollback size', v); break;
      case 'client-buffer': o.clientBuffer = Math.max(4096, parseCount('client buffer size', v)); break;
      case 'console-group':
        if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*\$?$/.test(v)) throw new UsageError(`bad console group: ${v}`);
        o.consoleGroup = v;
        break;
    }
  };
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') { i++; break; }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      const matches = DEFS.filter((d) => d.long === name || d.long.startsWith(name));
      const def = matches.find((d) => d.long === name) ?? (matches.length === 1 ? matches[0] : undefined);
      if (!def) throw new UsageError(matches.length > 1 ? `ambiguous option: --${name}` : `unknown option: --${name}`);
      let val = eq < 0 ? undefined : a.slice(eq + 1);
      if (def.arg === 'none' && val !== undefined) throw new UsageError(`option --${def.long} takes no argument`);
      if (def.arg === 'required' && val === undefined) {
        if (i + 1 >= argv.length) throw new UsageError(`option --${def.long} needs an argument`);
        val = argv[++i];
      }
      set(def, val);
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const def = DEFS.find((d) => d.short === a[j]);
        if (!def) throw new UsageError(`unknown option: -${a[j]}`);
        if (def.arg === 'none') { set(def, undefined); continue; }
        let val = a.slice(j + 1);
        if (val === '') {
          if (i + 1 >= argv.length) throw new UsageError(`option -${a[j]} needs an argument`);
          val = argv[++i]!;
        }
        set(def, val);
        break;
      }
      continue;
    }
    break;
  }
  if (stampDefault) o.logstamp = `[${o.timefmt}] `;
  else if (o.logstamp !== undefined) o.logstamp = o.logstamp.replace('<timefmt>', o.timefmt);
  if (o.show) return o;
  const rest = argv.slice(i);
  if (o.control.length === 0) {
    const spec = rest.shift();
    if (spec === undefined) throw new UsageError('missing argument');
    o.control.push(endpoint(spec));
  }
  if (rest.length === 0) throw new UsageError('missing command');
  o.command = rest;
  if (o.consoleGroup !== undefined) {
    for (const ep of [...o.control, ...o.logPorts]) withGroup(ep, o.consoleGroup);
  }
  return o;
}
