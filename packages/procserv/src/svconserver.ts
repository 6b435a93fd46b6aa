/** svconserver [--logdir DIR|--no-logfile] [--master HOST] SCANDIR: prints conserver.cf console entries for every procserv console in SCANDIR. */
import { processIo, runMain, type Io } from '@svkit/diag';
import { conserverCf, scanConsoles, type CfOptions } from './conserver-entries.js';

const USAGE = 'svconserver [--logdir DIR | --no-logfile] [--master HOST] SCANDIR';
const HELP = `Usage: ${USAGE}
Prints a conserver.cf console entry for each service in SCANDIR whose run starts procserv (or procServ):
  console NAME { master HOST; type uds; uds SOCKET; logfile DIR/NAME.log; }
NAME is procserv's -n (else the service name, @ and other odd characters as -); SOCKET is its first
UNIX socket endpoint, relative to the service directory (a TCP console becomes type host, telnet).
  --logdir DIR   directory of conserver's console logs (default /var/log/conserver, Debian's)
  --no-logfile   no logfile line (conserver.cf's defaults decide)
  --master HOST  the conserver managing the consoles (default localhost)
Services it cannot describe are warned about and left out; exit 0 unless SCANDIR is unreadable.
A name belongs to its directory: services whose directory and run are root's (or yours) and
writable by no one else claim their names first. Another user's service may use its own name or a
free one (never a trusted console's name or another service's), and only a UNIX socket inside its
own directory, reached without a symbolic link (no TCP port); what breaks this is warned about.`;

const PLAIN = /^[A-Za-z0-9._+@:,=/-]+$/;

/** Entry point of `svconserver`. */
export function main(argv: string[], io: Io = processIo): Promise<number> {
  return runMain('svconserver', io, (e) => {
    const opts: CfOptions = { logdir: '/var/log/conserver', master: 'localhost' };
    const rest: string[] = [];
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i]!;
      const value = (): string => {
        const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
        if (v === undefined) e.dieUsage(`option ${a} needs an argument\nusage: ${USAGE}`);
        if (!PLAIN.test(v)) e.dieUsage(`bad ${a.replace(/=.*/, '')}: ${JSON.stringify(v)}`);
        return v;
      };
      if (a === '-h' || a === '--help') { io.out(`${HELP}\n`); return 0; }
      else if (a === '--logdir' || a.startsWith('--logdir=')) opts.logdir = value();
      else if (a === '--no-logfile') opts.logdir = undefined;
      else if (a === '--master' || a.startsWith('--master=')) opts.master = value();
      else if (a === '--') { rest.push(...argv.slice(i + 1)); break; }
      else if (a.startsWith('-') && a !== '-') e.dieUsage(`unknown option: ${a}\nusage: ${USAGE}`);
      else rest.push(a);
    }
    if (rest.length !== 1) e.dieUsage(USAGE);
    const scan = rest[0]!;
    let found;
    try {
      found = scanConsoles(scan);
    } catch (err) {
      return e.dieSys(`unable to read ${scan}`, err);
    }
    for (const w of found.warnings) e.warn(w);
    io.out(conserverCf(scan, found.entries, opts));
    return 0;
  });
}
