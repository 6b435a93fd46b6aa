/** @svkit/chain: the daemontools chain-loaders (envdir, envuidgid, setuidgid, softlimit, setlock, pgrphack) plus fghack and readproctitle. */
export { getopt, type GetoptResult } from './getopt.js';
export { applyEnvDir, envFileValue, EnvDirError } from './env-dir.js';
export { execChild } from './child-exec.js';
export { DotTail } from './dot-tail.js';
export { parseLimit } from './softlimit.js';
export { PENDING_VAR, pendingLimits, encodeLimits, isOurLoader, applyLimits } from './pending-limits.js';
