/**
 * svc [-udopchaitkx12qK] [-w u|U|d|D] [-T ms] DIR...: sends control letters to each DIR's supervise
 * (daemontools 0.76: duplicates dropped, first-seen order, one write; warns per DIR and goes on,
 * exit 0). svkit adds -1 -2 -q (USR1 USR2 QUIT), -K (SIGKILL the process group), and -w to wait
 * until every DIR is up (u), up and ready (U), down (d) or down with ./finish done (D), at most
 * -T ms (exit 111 on timeout).
 */
import { statSync } from 'node:fs';
import { errnoError, errnoText, processIo, runMain, type Io, helpWanted, printHelp } from '@svkit/diag';
import { writeControl } from '@svkit/protocol/control-write';
import { CONTROL_LETTERS_076, CONTROL_LETTERS_EXTRA } from '@svkit/protocol/layout';
import type { WaitFor } from '@svkit/protocol/wait-state';

/** `svc --help`: this paragraph (man page DESCRIPTION). */
const ABOUT =
  'Controls services: writes the option letters to the supervise/control of each service directory DIR, which the supervise running there carries out. -u up (start the service, restart it when it exits), -d down (TERM then CONT, no restart), -o once (start, no restart), -x exit (supervise exits once the service is down), -p pause (STOP), -c continue (CONT), -h HUP, -a ALRM, -i INT, -t TERM, -k KILL, -1 USR1, -2 USR2, -q QUIT, -K KILL to the service\'s whole process group. -w u|U|d|D then waits until every DIR is up, up and ready, down, or down with its ./finish done, for at most -T milliseconds. Letters are sent in the order first given, each once. A DIR that fails gets a warning and the others are still done; exit 0 (as daemontools 0.76), 111 when a -w wait fails, 100 on a usage error. Compatible with daemontools 0.76\'s svc and supervise in both directions. A DIR whose supervise/ is not what its supervisor would own is refused with a warning: a supervise link in a directory owned by someone other than root or us, a supervise/ owned by anyone but the directory\'s owner (root or us for a root-owned directory), or writable by group or others.';

/** 0.76's text for an unknown letter, word for word. */
const USAGE = 'svc options: u up, d down, o once, x exit, p pause, c continue, h hup, a alarm, i interrupt, t term, k kill';
/** For mistakes in svkit's own options. */
const USAGE_WAIT = 'svc [-udopchaitkx12qK] [-w u|U|d|D] [-T ms] dir ...';

/** How long after sending letters a give-up seen by -w may still be the supervisor's old state. */
const LETTER_GRACE_MS = 500;

/** Entry point of `svc`. */
export function main(argv: string[], io: Io = processIo): Promise<number> {
  return runMain('svc', io, async (e) => {
    if (helpWanted(argv)) return printHelp(e, USAGE_WAIT, ABOUT);
    const letters = CONTROL_LETTERS_076 + CONTROL_LETTERS_EXTRA;
    let cmds = '';
    let wait: WaitFor | undefined;
    let timeout = 0;
    let i = 0;
    const bad = (msg: string, usage = USAGE): never => {
      io.err(`svc: ${msg}\n`);
      return usage === USAGE ? e.dieUsage(USAGE, true) : e.dieUsage(usage);
    };
    for (; i < argv.length; i++) {
      const a = argv[i]!;
      if (a === '--') { i++; break; }
      if (!a.startsWith('-') || a === '-') break;
      for (let j = 1; j < a.length; j++) {
        const ch = a[j]!;
        if (ch === 'w' || ch === 'T') {
          const val = j + 1 < a.length ? a.slice(j + 1) : argv[++i];
          if (val === undefined) bad(`option requires an argument -- ${ch}`, USAGE_WAIT);
          if (ch === 'w') {
            if (!/^[uUdD]$/.test(val!)) bad(`-w takes u (up), U (up and ready), d (down) or D (down and finished), not ${val}`, USAGE_WAIT);
            wait = val as WaitFor;
          } else {
            if (!/^\d+$/.test(val!)) bad(`-T takes milliseconds, not ${val}`, USAGE_WAIT);
            timeout = Number(val);
          }
          break;
        }
        if (!letters.includes(ch)) bad(`illegal option -- ${ch}`);
        if (!cmds.includes(ch)) cmds += ch;
      }
    }
    const dirs = argv.slice(i);
    const reachable: string[] = [];
    for (const dir of dirs) {
      try {
        if (!statSync(dir).isDirectory()) throw errnoError('ENOTDIR', dir);
      } catch (err) {
        e.warn(`unable to chdir to ${dir}: ${errnoText(err)}`);
        continue;
      }
      // with no letters too, as 0.76 (it warns when no supervise runs); only a bare -w just waits
      if (cmds || !wait) {
        try {
          writeControl(dir, cmds); // through openSupervise: a supervise/ its supervisor would not own is refused (EUNTRUSTED)
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          const why = code === 'ENXIO' ? 'supervise not running' : code === 'ENOTFIFO' ? 'supervise/control is not a FIFO' : errnoText(err);
          e.warn(`unable to control ${dir}: ${why}`);
          continue;
        }
      }
      reachable.push(dir);
    }
    if (!wait) return 0;
    const { waitAll } = await import('@svkit/protocol/wait-state'); // loaded only for -w: keeps plain svc start-up small
    const verdictAfter = cmds ? Date.now() + LETTER_GRACE_MS : 0;
    const { failed, timedOut } = await waitAll(reachable, wait, timeout, verdictAfter);
    for (const [dir, why] of failed) e.warn(`unable to wait for ${dir}: ${why}`);
    for (const [dir, why] of timedOut) e.warn(`timed out waiting for ${dir}${why ? `: ${why}` : ''}`);
    return failed.size === 0 && timedOut.size === 0 && reachable.length === dirs.length ? 0 : 111;
  });
}
