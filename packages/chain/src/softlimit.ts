/** softlimit [-adlmscfoprt N] CHILD: runs CHILD with lowered soft resource limits ('=' means the hard limit). */
import { processIo, runMain, type Io, helpWanted, printHelp } from '@svkit/diag';
import { RLIM_INFINITY, RLIMIT } from '@svkit/sys';
import { getopt } from './getopt.js';
import { execChild } from './child-exec.js';

/** `softlimit --help`: this paragraph (man page DESCRIPTION). */
const ABOUT =
  'Runs CHILD with lower soft resource limits, replacing itself with CHILD (same pid), as daemontools 0.76\'s softlimit: -a address space, -c core file size, -d data segment, -f file size, -l locked memory, -m the four memory limits -d -s -l -a at once, -o open files, -p processes, -r resident set, -s stack (all in bytes) and -t CPU seconds. N is a decimal number, or = for the hard limit; a value above the hard limit becomes the hard limit. When CHILD is another svkit chain-loader, the limits are handed on and applied just before the real program starts. Exit 100 on a usage error, 111 on errors.';

const USAGE =
  'softlimit [-a allbytes] [-c corebytes] [-d databytes] [-f filebytes] [-l lockbytes] [-m membytes] ' +
  '[-o openfiles] [-p processes] [-r residentbytes] [-s stackbytes] [-t cpusecs] child';

/** Which resources each option sets (-m is -d -s -l -a at once). */
const RESOURCES: Record<string, number[]> = {
  a: [RLIMIT.AS],
  c: [RLIMIT.CORE],
  d: [RLIMIT.DATA],
  f: [RLIMIT.FSIZE],
  l: [RLIMIT.MEMLOCK],
  m: [RLIMIT.DATA, RLIMIT.STACK, RLIMIT.MEMLOCK, RLIMIT.AS],
  o: [RLIMIT.NOFILE],
  p: [RLIMIT.NPROC],
  r: [RLIMIT.RSS],
  s: [RLIMIT.STACK],
  t: [RLIMIT.CPU],
};

/**
 * Parses a limit: '=' is unlimited (clamped to the hard limit when applied), else a decimal number
 * up to 2^64-1 (RLIM_INFINITY itself, as 0.76 takes it); larger numbers are refused (0.76 wraps them).
 */
export function parseLimit(text: string): bigint | undefined {
  if (text === '=') return RLIM_INFINITY;
  if (!/^[0-9]+$/.test(text)) return undefined;
  const n = BigInt(text);
  return n > RLIM_INFINITY ? undefined : n;
}

/** Runs softlimit; returns only on failure. */
export function main(argv: string[], io: Io = processIo): Promise<number> {
  return runMain('softlimit', io, (e) => {
    if (helpWanted(argv)) return printHelp(e, USAGE, ABOUT);
    const parsed = getopt(argv, 'a:c:d:f:l:m:o:p:r:s:t:');
    if (!parsed.ok) {
      io.err(`softlimit: ${parsed.message}\n`);
      return e.dieUsage(USAGE);
    }
    const wanted = new Map<number, bigint>(); // later options win, as in 0.76
    for (const { opt, value } of parsed.opts) {
      const n = parseLimit(value!);
      if (n === undefined) return e.dieUsage(USAGE);
      for (const res of RESOURCES[opt]!) {
        wanted.delete(res);
        wanted.set(res, n);
      }
    }
    if (parsed.rest.length === 0) return e.dieUsage(USAGE);
    // applied just before the final execve (or handed on to our next loader): see pending-limits.ts
    return execChild(e, parsed.rest, io.env, { limits: wanted });
  });
}
