/**
 * Soft limits that softlimit hands down a chain of our own loaders instead of applying them.
 *
 * A Node program cannot start under typical service limits (`softlimit -m 500000000`: Node needs
 * about 730 MB of address space and sizes its thread stacks by RLIMIT_STACK). So when the next
 * program of a chain is another of our chain-loaders (Node), the limits travel to it in the
 * environment variable SVKIT_SOFTLIMITS, and the last of our loaders applies them just before
 * it execs the real program; the variable never reaches that program.
 */
import { basename, dirname } from 'node:path';
import { realpathSync } from 'node:fs';
import { getrlimit, setrlimit } from '@svkit/sys';

/** The environment variable that carries pending limits ("resource=value,..."). */
export const PENDING_VAR = 'SVKIT_SOFTLIMITS';

/** Our programs that understand PENDING_VAR (they end with execChild or spawn a child). */
const LOADERS = new Set(['envdir', 'envuidgid', 'setuidgid', 'softlimit', 'setlock', 'pgrphack', 'fghack']);

/** Pending limits from `env` (malformed entries are ignored): resource number -> soft value. */
export function pendingLimits(env: NodeJS.ProcessEnv): Map<number, bigint> {
  const out = new Map<number, bigint>();
  for (const item of (env[PENDING_VAR] ?? '').split(',')) {
    const m = /^([0-9]{1,2})=([0-9]{1,20})$/.exec(item);
    if (m) out.set(Number(m[1]), BigInt(m[2]!));
  }
  return out;
}

/** Encodes limits for PENDING_VAR. */
export function encodeLimits(limits: Map<number, bigint>): string {
  return [...limits].map(([res, n]) => `${res}=${n}`).join(',');
}

let ownBinDir: string | undefined | null = null;
function binDir(): string | undefined {
  if (ownBinDir === null) {
    try {
      ownBinDir = dirname(realpathSync(process.argv[1] ?? ''));
    } catch {
      ownBinDir = undefined;
    }
  }
  return ownBinDir;
}

/** True when `path` is one of our chain-loaders from the same bin directory as this program. */
export function isOurLoader(path: string): boolean {
  const own = binDir();
  if (!own) return false;
  try {
    const real = realpathSync(path);
    return dirname(real) === own && LOADERS.has(basename(real));
  } catch {
    return false;
  }
}

/** Sets each soft limit (clamped to the hard limit, as 0.76 does); throws with the errno on failure. */
export function applyLimits(limits: Map<number, bigint>): void {
  for (const [res, n] of limits) {
    const hard = getrlimit(res)[1];
    setrlimit(res, n > hard ? hard : n, hard);
  }
}
