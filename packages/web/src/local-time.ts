/**
 * Log times as tai64nlocal shows them: a line starting with a TAI64N label (`@` + 24 hex digits)
 * gets `YYYY-MM-DD HH:MM:SS.nnnnnnnnn` in local time instead; other lines pass unchanged.
 */
import { parseLabel, type Instant } from '@svkit/tai64';

const pad2 = (n: number): string => (n < 10 ? `0${n}` : `${n}`);
const LABEL = /^@[0-9a-fA-F]{24}(?![0-9a-fA-F])/;

/** `t` as tai64nlocal prints it (local time); undefined when it is not a date. */
export function formatLocal(t: Instant): string | undefined {
  const d = new Date(t.sec * 1000);
  if (Number.isNaN(d.getTime())) return undefined;
  const date = `${String(d.getFullYear()).padStart(4, '0')}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}`;
  const time = `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
  return `${date} ${time}.${String(t.nsec).padStart(9, '0')}`;
}

/** One line with its label converted (tai64nlocal's rule). */
export function localLine(line: string): string {
  if (!LABEL.test(line)) return line;
  const t = parseLabel(Buffer.from(line.slice(0, 25), 'latin1'), 0);
  const s = t && formatLocal(t);
  return s ? s + line.slice(25) : line;
}

/** Converts every line of `text` (lines end with \n; a last partial line is converted too). */
export function localText(text: string): string {
  return text.split('\n').map(localLine).join('\n');
}
