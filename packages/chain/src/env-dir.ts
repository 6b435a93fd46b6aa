/** daemontools' envdir rules: one environment variable per file of a directory. */
import { closeSync, openSync, readSync, readdirSync, statSync, accessSync, constants } from 'node:fs';

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

/** Reads a file up to and including its first newline (or all of it when there is none). */
function readFirstLine(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const chunks: Buffer[] = [];
    for (;;) {
      const buf = Buffer.alloc(4096);
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      const nl = buf.subarray(0, n).indexOf(0x0a);
      chunks.push(buf.subarray(0, nl < 0 ? n : nl + 1));
      if (nl >= 0) break;
    }
    return Buffer.concat(chunks);
  } finally {
    closeSync(fd);
  }
}

/**
 * Applies directory `dir` to a copy of `env` (names starting with '.' skipped) and returns it.
 * Throws EnvDirError naming the step that failed, in envdir's words.
 */
export function applyEnvDir(dir: string, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  try {
    if (!statSync(dir).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    accessSync(dir, constants.X_OK);
  } catch (err) {
    throw new EnvDirError(`unable to switch to directory ${dir}`, err);
  }
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    throw new EnvDirError(`unable to read directory ${dir}`, err);
  }
  const out: NodeJS.ProcessEnv = { ...env };
  for (const name of names) {
    if (name.startsWith('.')) continue;
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
