/** Finds the next program of a chain on PATH, as execvp does (the exec itself is libc.ts's execve). */
import { accessSync, constants, statSync } from 'node:fs';
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
