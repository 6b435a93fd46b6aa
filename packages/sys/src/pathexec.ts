/** Runs the next program of a chain in place of this process, searching PATH as execvp does. */
import { accessSync, constants, statSync } from 'node:fs';
import { execve } from './libc.js';
import { errnoError } from '@svkit/diag';

/** Resolves `file` against `PATH` (as execvp does): a name with '/' is used as it is. */
export function resolveOnPath(file: string, env: NodeJS.ProcessEnv): string {
  if (file.includes('/')) return file;
  const path = env.PATH ?? '/bin:/usr/bin';
  let firstErr: NodeJS.ErrnoException | undefined;
  for (const dir of path.split(':')) {
    const cand = `${dir === '' ? '.' : dir}/${file}`;
    try {
      if (!statSync(cand).isFile()) continue;
      accessSync(cand, constants.X_OK);
      return cand;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EACCES' && !firstErr) firstErr = e as NodeJS.ErrnoException;
    }
  }
  throw firstErr ?? errnoError('ENOENT', `no ${file} on PATH`);
}

/** Replaces this process with `argv[0]` (found on PATH) and `env`; returns only by throwing. */
export function pathexec(argv: string[], env: NodeJS.ProcessEnv): never {
  if (argv.length === 0) throw errnoError('EINVAL', 'no program to run');
  return execve(resolveOnPath(argv[0]!, env), argv, env);
}
