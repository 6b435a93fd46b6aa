/** Wall time of one short-lived command, from spawn to exit. */
import { spawnSync } from 'node:child_process';

/** Runs `cmd args` (stdio ignored) and returns its wall time in ms; throws if it fails unexpectedly. */
export function wallMs(cmd: string, args: string[], okStatus: number[] = [0]): number {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { stdio: 'ignore' });
  const ms = performance.now() - t0;
  if (r.error) throw r.error;
  if (r.status === null || !okStatus.includes(r.status)) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status ?? r.signal}`);
  return ms;
}
