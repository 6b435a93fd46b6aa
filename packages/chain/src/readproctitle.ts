/**
 * readproctitle L... D: keeps the tail of its input in its own command line (process title), so
 * that `ps` shows the latest errors; D (at least five characters, usually dots) is the window.
 */
import { processIo, runMain, type Io, helpWanted, printHelp } from '@svkit/diag';
import { DotTail } from './dot-tail.js';

/** The usage line of `--help`. */
const USAGE = 'readproctitle args ... dots';
/** `readproctitle --help`: this paragraph (man page DESCRIPTION). */
const ABOUT =
  'Reads standard input and shows its last bytes in its own command line, in place of the last argument DOTS (at least five characters, dots), so that ps shows the latest error messages of svscan and its services (svscanboot sets this up). Exit 0 at end of input, 100 when DOTS is missing or shorter than five characters.';

/** Runs readproctitle until end of input; exit 100 (silently, as 0.76) when D is missing or short. */
export function main(argv: string[], io: Io = processIo, input: NodeJS.ReadableStream = process.stdin): Promise<number> {
  return runMain('readproctitle', io, async (e) => {
    if (helpWanted(argv)) return printHelp(e, USAGE, ABOUT);
    const d = argv[argv.length - 1];
    if (d === undefined || Buffer.byteLength(d) < 5) return 100;
    // the name as svscanboot runs it (found on PATH, argv[0] "readproctitle"); a Node script cannot
    // know its argv[0], and this also makes /proc/PID/comm start with "readproctitle"
    const prefix = ['readproctitle', ...argv.slice(0, -1)].join(' ') + ' ';
    const tail = new DotTail(Buffer.byteLength(d));
    const show = () => { process.title = prefix + tail.toString(); };
    show();
    await new Promise<void>((res) => {
      input.on('data', (chunk: Buffer | string) => {
        tail.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
        show();
      });
      input.on('end', () => res());
      input.on('error', () => res());
    });
    return 0;
  });
}
