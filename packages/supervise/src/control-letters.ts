/** What each control letter (a byte written to supervise/control) means to a supervisor. */
import type { Event } from './supervisor-table.js';

/** Signals sent by the signal letters. */
export const SIGNAL_LETTERS: Readonly<Record<string, NodeJS.Signals>> = {
  h: 'SIGHUP', a: 'SIGALRM', i: 'SIGINT', t: 'SIGTERM', k: 'SIGKILL', '1': 'SIGUSR1', '2': 'SIGUSR2', q: 'SIGQUIT',
};

const OWN: Readonly<Record<string, Event>> = { u: 'u', d: 'd', o: 'o', p: 'p', c: 'c', x: 'x', K: 'K' };

/** The event for a control byte, or undefined for unknown bytes (ignored, as daemontools does). */
export function letterEvent(byte: number): { event: Event; signal?: NodeJS.Signals } | undefined {
  const ch = String.fromCharCode(byte);
  const own = OWN[ch];
  if (own) return { event: own };
  const sig = SIGNAL_LETTERS[ch];
  if (sig) return { event: 'signal', signal: sig };
  return undefined;
}
