/** The last step of every chain-loader: become the child program (execve, same pid). */
import { Exit, type Strerr } from '@svkit/diag';
import { execve, resolveOnPath } from '@svkit/sys';
import { applyLimits, encodeLimits, isOurLoader, PENDING_VAR, pendingLimits } from './pending-limits.js';

/** How execChild finds and prepares the child. */
export interface ExecOptions {
  /** Soft limits to set for the child (softlimit's options). */
  limits?: Map<number, bigint>;
  /** Whose PATH to search: 0.76's envdir searches the PATH it was given, not the one it sets. */
  searchEnv?: NodeJS.ProcessEnv;
}

/**
 * Replaces this process with `child` (searched on the PATH of `env`), exactly as daemontools'
 * pathexec does. Soft limits pending in `env` plus `limits` (later wins) go to the child: handed
 * on in SVKIT_SOFTLIMITS when the child is another of our loaders, else applied right before
 * execve. On failure dies with `prog: fatal: unable to run CHILD: reason` (exit 111).
 */
export function execChild(e: Strerr, child: string[], env: NodeJS.ProcessEnv, opts: ExecOptions = {}): never {
  const { limits, searchEnv = env } = opts;
  let path: string;
  try {
    path = resolveOnPath(child[0]!, searchEnv);
  } catch (err) {
    return e.dieSys(`unable to run ${child[0]}`, err);
  }
  const { env: childEnv, lastStep } = handOnLimits(e, path, env, limits);
  try {
    return execve(path, child, childEnv, lastStep);
  } catch (err) {
    if (err instanceof Exit) throw err; // lastStep reported its own failure
    return e.dieSys(`unable to run ${child[0]}`, err);
  }
}

/** Decides how pending limits reach the program at `path`: in its environment, or applied just before exec. */
export function handOnLimits(e: Strerr, path: string, env: NodeJS.ProcessEnv, limits?: Map<number, bigint>):
  { env: NodeJS.ProcessEnv; lastStep?: () => void } {
  const all = pendingLimits(env);
  for (const [res, n] of limits ?? []) {
    all.delete(res);
    all.set(res, n);
  }
  const out = { ...env };
  delete out[PENDING_VAR];
  if (all.size === 0) return { env: out };
  if (isOurLoader(path)) return { env: { ...out, [PENDING_VAR]: encodeLimits(all) } };
  return {
    env: out,
    lastStep: () => {
      try {
        applyLimits(all);
      } catch (err) {
        e.dieSys('unable to set resource limits', err);
      }
    },
  };
}
