/** daemontools' envdir rules: one environment variable per file of a directory. */
import { closeSync, openSync, readSync, readdirSync, statSync, accessSync, constants } from 'node:fs';
import { errnoError } from '@svkit/diag';

/**
 * The longest first line taken as a value: the kernel's MAX_ARG_STRLEN (128 KiB), about the most
 * one NAME=value can hold at execve. A longer line (a huge file, /dev/zero) is an E2BIG error.
 */
export const MAX_LINE = 128 * 1024;

/** A failure while reading an env directory: what we were unable to do, and the errno cause. */
export class EnvDirError extends Error {
  constructor(readonly action: string, override readonly cause: unknown) {
    super(action);
  }
}

/**
 * The value a file's content gives: undefined (remove the variable) for an empty file, else
 * its first line without trailing spaces and tabs, with NUL bytes turned into newlines.
 */
export function envFileValue(content: Buffer): string | undefined {
  if (content.length === 0) return undefined;
  const nl = content.indexOf(0x0a);
  let end = nl < 0 ? content.length : nl;
  while (end > 0 && (content[end - 1] === 0x20 || content[end - 1] === 0x09)) end--;
  const line = Buffer.from(content.subarray(0, end));
  for (let i = 0; i < line.length; i++) if (line[i] === 0) line[i] = 0x0a;
  return line.toString('utf8');
}

/**
 * Reads a file up to and including its first newline (or all of it when there is none), never
 * more than MAX_LINE + 1 bytes: a longer first line throws E2BIG. Opened non-blocking, as 0.76
 * does: a FIFO without a writer reads as empty, one whose writer wrote nothing fails with EAGAIN.
 */
function readFirstLine(path: string): Buffer {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const buf = Buffer.alloc(MAX_LINE + 1);
    let len = 0;
    while (len < buf.length) {
      const n = readSync(fd, buf, len, Math.min(65536, buf.length - len), null);
      if (n === 0) return buf.subarray(0, len);
      const nl = buf.indexOf(0x0a, len);
      len += n;
      if (nl >= 0 && nl < len) return buf.subarray(0, nl + 1);
    }
    throw errnoError('E2BIG', `first line longer than ${MAX_LINE} bytes`);
  } finally {
    closeSync(fd);
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** A file name for messages: printable ASCII as it is, any other byte (and backslash) as \xHH. */
export function printableName(name: Buffer): string {
  let out = '';
  for (const b of name) out += b >= 0x20 && b < 0x7f && b !== 0x5c ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
  return out;
}

/**
 * Applies directory `dir` to a copy of `env` (names starting with '.' skipped) and returns it.
 * A name that is not valid UTF-8 cannot be an environment variable here (Node's environment is
 * text): it is skipped and handed to `skipped` (0.76 sets it with the raw bytes).
 * Throws EnvDirError naming the step that failed, in envdir's words.
 */
export function applyEnvDir(dir: string, env: NodeJS.ProcessEnv, skipped?: (name: Buffer) => void): NodeJS.ProcessEnv {
  try {
    if (!statSync(dir).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    accessSync(dir, constants.X_OK);
  } catch (err) {
    throw new EnvDirError(`unable to switch to directory ${dir}`, err);
  }
  let names: Buffer[];
  try {
    names = readdirSync(dir, { encoding: 'buffer' });
  } catch (err) {
    throw new EnvDirError(`unable to read directory ${dir}`, err);
  }
  const out: NodeJS.ProcessEnv = { ...env };
  for (const raw of names) {
    if (raw[0] === 0x2e) continue; // '.'
    let name: string;
    try {
      name = utf8.decode(raw);
    } catch {
      skipped?.(raw);
      continue;
    }
    const path = `${dir}/${name}`;
    let content: Buffer;
    try {
      content = readFirstLine(path);
    } catch (err) {
      throw new EnvDirError(`unable to read ${path}`, err);
    }
    delete out[name];
    const value = envFileValue(content);
    if (value !== undefined) out[name] = value;
  }
  return out;
}
