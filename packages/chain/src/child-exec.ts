/** The last step of every chain-loader: become the child program (execve, same pid). */
import { Exit, type Strerr } from '@svkit/diag';
import { execve, resolveOnPath } from '@svkit/sys';

/**
 * Replaces this process with `child` (searched on the PATH of `env`), exactly as daemontools'
 * pathexec does; `lastStep` runs immediately before execve. On failure dies with
 * `prog: fatal: unable to run CHILD: reason` (exit 111); `lastStep` may die with its own message.
 */
export function execChild(e: Strerr, child: string[], env: NodeJS.ProcessEnv, lastStep?: () => void): never {
  let path: string;
  try {
    path = resolveOnPath(child[0]!, env);
  } catch (err) {
    return e.dieSys(`unable to run ${child[0]}`, err);
  }
  try {
    return execve(path, child, env, lastStep);
  } catch (err) {
    if (err instanceof Exit) throw err; // lastStep reported its own failure
    return e.dieSys(`unable to run ${child[0]}`, err);
  }
}
