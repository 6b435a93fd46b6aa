/** Helpers for the log tests: reading a log directory back. */
import { spawnSync } from 'node:child_process';
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

/**
 * Mounts a tmpfs of `size` (e.g. '64k') on `dir` (needs root). When that is impossible, says so
 * loudly and returns false, except in CI (`CI` set, where the tests run as root), where it throws.
 * The caller unmounts with `umountQuiet`.
 */
export function mountTmpfs(dir: string, size: string): boolean {
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0755`, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status === 0) return true;
  const msg = `cannot mount a tmpfs (needs root): full-disk tests are SKIPPED (${(r.stderr || String(r.error)).trim()})`;
  process.stderr.write(`\n*** ${msg} ***\n\n`);
  if (process.env.CI) throw new Error(`${msg}; CI runs as root and must run them`);
  return false;
}

/** Unmounts `dir` (lazily, so a process still inside cannot keep it). */
export function umountQuiet(dir: string): void {
  spawnSync('umount', ['-l', dir]);
}
