/** Helpers for the log tests: reading a log directory back. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Names of the old log files (`@...`) of `dir`, oldest first. */
export function oldFiles(dir: string): string[] {
  return readdirSync(dir).filter((n) => n.startsWith('@')).sort();
}

/** Everything logged in `dir`: the old files (oldest first) then `current`. */
export function logContent(dir: string): Buffer {
  const parts = oldFiles(dir).map((n) => readFileSync(join(dir, n)));
  try {
    parts.push(readFileSync(join(dir, 'current')));
  } catch { /* no current */ }
  return Buffer.concat(parts);
}

/** Permission bits of `path`. */
export const mode = (path: string): number => statSync(path).mode & 0o7777;

/** Removes the `@<label> ` prefix of every line. */
export function stripLabels(text: string): string {
  return text.replace(/^@[0-9a-f]{24} /gm, '');
}

/** `count` numbered lines `line N filler...\n`. */
export function numberedLines(count: number, filler = 'x'.repeat(40)): string {
  let s = '';
  for (let i = 1; i <= count; i++) s += `line ${i} ${filler}\n`;
  return s;
}
