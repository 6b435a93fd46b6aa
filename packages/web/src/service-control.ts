/** Control letters for a service, as svc sends them (through @svkit/protocol's writeControl). */
import { CONTROL_LETTERS_076, CONTROL_LETTERS_EXTRA, writeControl } from '@svkit/protocol';
import { errnoText } from '@svkit/diag';
import { requestError } from './request-error.js';

/** Every letter svc accepts. */
export const LETTERS = CONTROL_LETTERS_076 + CONTROL_LETTERS_EXTRA;

/** The page's actions as letters (restart = `tu`: TERM, then want up). */
export const ACTIONS: Readonly<Record<string, string>> = {
  up: 'u', down: 'd', once: 'o', restart: 'tu', pause: 'p', cont: 'c', hup: 'h', alrm: 'a', int: 'i', term: 't',
  kill: 'k', usr1: '1', usr2: '2', quit: 'q', killgroup: 'K',
};

/** Signal names (without SIG, as supervisorctl sends them, or their numbers) to letters. */
export const SIGNAL_LETTER: Readonly<Record<string, string>> = {
  HUP: 'h', ALRM: 'a', INT: 'i', TERM: 't', KILL: 'k', USR1: '1', USR2: '2', QUIT: 'q', STOP: 'p', CONT: 'c',
  '1': 'h', '14': 'a', '2': 'i', '15': 't', '9': 'k', '10': '1', '12': '2', '3': 'q', '19': 'p', '18': 'c',
};

/** Checks control letters (svc's set, at most 16, no 'x': the web server never stops a supervisor). */
export function checkLetters(letters: string): string {
  if (!letters || letters.length > 16) throw requestError('EINVAL', 'letters must be 1 to 16 control letters');
  for (const ch of letters) {
    if (!LETTERS.includes(ch)) throw requestError('EINVAL', `illegal control letter: ${ch}`);
    if (ch === 'x') throw requestError('EINVAL', 'letter x (supervise exit) is not allowed over the web');
  }
  // 0.76 svc: duplicates dropped, first-seen order
  return [...new Set(letters)].join('');
}

/** Sends `letters` to DIR; throws with svc's wording ("supervise not running") and the errno code. */
export function sendLetters(dir: string, letters: string): void {
  try {
    writeControl(dir, letters);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    const why = code === 'ENXIO' ? 'supervise not running' : code === 'ENOTFIFO' ? 'supervise/control is not a FIFO' : errnoText(e);
    throw requestError(code, `unable to control ${dir}: ${why}`);
  }
}
