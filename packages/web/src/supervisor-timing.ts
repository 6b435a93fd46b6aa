/**
 * supervisord's per-process timing settings (stopwaitsecs, startsecs, startretries) as svweb applies
 * them to a service over XML-RPC: supervisord's defaults, or what the service directory's own
 * settings file says where svkit has one.
 */
import { join } from 'node:path';
import { readFirstLine } from '@svkit/protocol';

/** supervisord's default startsecs: a run is RUNNING once it has stayed up this long (or is ready, with a notification-fd). */
export const STARTSECS_MS = 1000;
/** supervisord's default startretries: FATAL after this many retries that died within startsecs. */
export const STARTRETRIES = 3;
/** supervisord's default stopwaitsecs: SIGKILL this long after the stop signal. */
export const STOPWAIT_MS = 10_000;
/**
 * After the SIGKILL, how long a stop still waits for supervise to report the service down (and its
 * ./finish, which supervise kills after timeout-finish, 5 s by default) before it answers FAILED.
 * A SIGKILL takes effect at once; only a process stuck in the kernel outlives this.
 */
export const KILL_WAIT_MS = 10_000;
/** The longest stopwait a service's timeout-kill may give (supervisord has no bound; one day here). */
const MAX_STOPWAIT_MS = 86_400_000;

/**
 * The service's stopwaitsecs in ms: its `timeout-kill` file (ms, as supervise reads it) when that
 * holds a number above 0, else supervisord's 10 s. The file is read without following a link and
 * at most 4 KiB of it; one that cannot be read gives the default.
 */
export function stopWaitMs(dir: string): number {
  let s: string | undefined;
  try {
    s = readFirstLine(join(dir, 'timeout-kill'));
  } catch {
    return STOPWAIT_MS;
  }
  const n = s ? Number(s) : NaN;
  return Number.isFinite(n) && n > 0 ? Math.min(n, MAX_STOPWAIT_MS) : STOPWAIT_MS;
}
