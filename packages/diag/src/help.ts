/**
 * `prog --help`: the usage line and one paragraph on stdout, exit 0. Only a lone `--help` argument
 * asks for it: everything else keeps daemontools 0.76's meaning (`envdir DIR --help` passes --help
 * on to the child, `svc -h` sends HUP). The man pages are generated from this output.
 */
import type { Strerr } from './strerr.js';

/** True when the arguments are exactly `--help`. */
export function helpWanted(argv: readonly string[]): boolean {
  return argv.length === 1 && argv[0] === '--help';
}

/** Fills `text` into lines of at most `width` characters (a longer word gets a line of its own). */
export function fill(text: string, width = 78): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(line);
  return lines.join('\n');
}

/** The help text: `usage: USAGE`, an empty line, the paragraph filled to 78 columns. */
export function helpText(usage: string, about: string): string {
  return `usage: ${usage}\n\n${fill(about)}\n`;
}

/** Prints the help text on stdout; returns exit code 0 (111 when stdout cannot be written). */
export function printHelp(e: Strerr, usage: string, about: string): number {
  try {
    e.io.out(helpText(usage, about));
  } catch (err) {
    e.dieSys('unable to write output', err);
  }
  return 0;
}
